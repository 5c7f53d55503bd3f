// The in-worker decoding loop (sampleTokens) on tinymath-generator: it must choose exactly the
// tokens a per-step loop over extend() chooses, with the same logprobs and the same cache
// afterwards, and reject bad input clearly.
import {
  AbortedError,
  argmax,
  createRng,
  InvalidArgumentError,
  logSoftmax,
  type SampledTokens,
  type SequenceState,
} from '@metagen/core'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOnnxTokenModel, type OnnxTokenModel } from '../dist/index.js'

let model: OnnxTokenModel
let prompts: number[][]

beforeAll(async () => {
  model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { threads: 1 })
  const problems = (await loadDevSet()).filter((_, index) => index % 50 === 0).slice(0, 4)
  prompts = problems.map((problem) => model.tokenizer.encode(formatPrompt(problem.question)))
})

afterAll(async () => {
  await model.close()
})

async function prefilled(prompt: readonly number[]): Promise<SequenceState> {
  const sequence = model.createSequence()
  await model.extend([{ sequence, tokens: [...prompt] }])
  return sequence
}

/** The reference: the same loop, one extend() per step on the main thread. */
async function stepLoop(
  sequences: SequenceState[],
  options: { temperature: number; seed: number; maxTokens: number },
) {
  const eos = new Set(model.tokenizer.eosTokenIds)
  const base = createRng(options.seed)
  const states = sequences.map((sequence, index) => ({
    sequence,
    rng: base.fork(index),
    tokenIds: [] as number[],
    logprobs: [] as number[],
    done: false,
  }))
  for (;;) {
    for (const state of states) {
      if (state.done) continue
      const logits = state.sequence.lastLogits as Float32Array
      let token: number
      let logprobs: Float64Array
      if (options.temperature === 0) {
        logprobs = logSoftmax(logits)
        token = argmax(logits)
      } else {
        logprobs = logSoftmax(logits.map((value) => value / options.temperature))
        const draw = state.rng.next()
        let cumulative = 0
        token = logprobs.length - 1
        for (let index = 0; index < logprobs.length; index++) {
          cumulative += Math.exp(logprobs[index] as number)
          if (draw < cumulative) {
            token = index
            break
          }
        }
      }
      state.tokenIds.push(token)
      state.logprobs.push(logprobs[token] as number)
      if (eos.has(token) || state.tokenIds.length >= options.maxTokens) state.done = true
    }
    const active = states.filter((state) => !state.done)
    if (active.length === 0) break
    await model.extend(
      active.map((state) => ({
        sequence: state.sequence,
        tokens: [state.tokenIds.at(-1) as number],
      })),
    )
  }
  return states.map(({ tokenIds, logprobs }) => ({ tokenIds, logprobs }))
}

describe('sampleTokens (the decoding loop inside the worker)', () => {
  for (const temperature of [0, 1, 0.7]) {
    it(`chooses what a per-step extend loop chooses (temperature ${temperature})`, async () => {
      const options = { temperature, seed: 11, maxTokens: 40 }
      const roots = await Promise.all(prompts.map(prefilled))
      const inWorker = roots.map((root) => root.fork())
      const stepped = roots.map((root) => root.fork())
      const passesBefore = model.stats().forwardPasses
      const results = await model.sampleTokens({
        sequences: inWorker,
        ...options,
        stopTokenIds: model.tokenizer.eosTokenIds,
      })
      const passes = model.stats().forwardPasses - passesBefore
      const expected = await stepLoop(stepped, options)
      expect(results.map(({ tokenIds, logprobs }) => ({ tokenIds, logprobs }))).toEqual(expected)
      // One batched pass per step for all four sequences.
      expect(passes).toBe(Math.max(...results.map((result) => result.tokenIds.length - 1)))
      for (const [index, result] of results.entries()) {
        const done = result.tokenIds.at(-1) === 0 ? 'stop' : 'length'
        expect(result.finishReason).toBe(done)
        // The state holds every chosen token but the last, and goes on like the stepped one.
        const sequence = inWorker[index] as SequenceState
        expect(sequence.tokens).toEqual([
          ...(prompts[index] as number[]),
          ...result.tokenIds.slice(0, -1),
        ])
        expect(Array.from(sequence.lastLogits as Float32Array)).toEqual(
          Array.from((stepped[index] as SequenceState).lastLogits as Float32Array),
        )
      }
      for (const sequence of [...roots, ...inWorker, ...stepped]) sequence.dispose()
    })
  }

  it('runs concurrent calls in shared passes and gives each the tokens it gets alone', async () => {
    const alone: Array<SampledTokens | undefined> = []
    for (const prompt of prompts.slice(0, 2)) {
      const sequence = await prefilled(prompt)
      alone.push(
        (
          await model.sampleTokens({
            sequences: [sequence],
            temperature: 1,
            seed: 3,
            maxTokens: 30,
            stopTokenIds: [0],
          })
        )[0],
      )
      sequence.dispose()
    }
    const sequences = await Promise.all(prompts.slice(0, 2).map(prefilled))
    const passesBefore = model.stats().forwardPasses
    const together = await Promise.all(
      sequences.map((sequence) =>
        model.sampleTokens({
          sequences: [sequence],
          temperature: 1,
          seed: 3,
          maxTokens: 30,
          stopTokenIds: [0],
        }),
      ),
    )
    const passes = model.stats().forwardPasses - passesBefore
    const steps = alone.map((result) => (result?.tokenIds.length as number) - 1)
    expect(passes).toBeLessThan(steps.reduce((total, count) => total + count, 0))
    // Batched passes differ from single ones only by float rounding (different shapes).
    together.forEach((results, index) => {
      const result = results[0]
      const expected = alone[index]
      expect(result?.tokenIds).toEqual(expected?.tokenIds)
      result?.logprobs.forEach((logprob, position) => {
        expect(logprob).toBeCloseTo(expected?.logprobs[position] as number, 4)
      })
    })
    for (const sequence of sequences) sequence.dispose()
  })

  it('stops at the context limit and says so', async () => {
    const sequence = await prefilled(prompts[0] as number[])
    const room = model.maxSequenceLength - sequence.length
    const [result] = await model.sampleTokens({
      sequences: [sequence],
      temperature: 0,
      maxTokens: 1000,
      stopTokenIds: [],
    })
    expect(result?.finishReason).toBe('length')
    expect(result?.contextExhausted).toBe(true)
    expect(result?.tokenIds.length).toBe(room + 1)
    expect(sequence.length).toBe(model.maxSequenceLength)
    sequence.dispose()
  })

  it('keeps the event loop free and stops when aborted', async () => {
    const sequence = await prefilled(prompts[0] as number[])
    const controller = new AbortController()
    let ticks = 0
    const timer = setInterval(() => {
      ticks++
      if (ticks === 2) controller.abort()
    }, 0)
    const pending = model.sampleTokens({
      sequences: [sequence],
      temperature: 0,
      maxTokens: 1000,
      stopTokenIds: [],
      signal: controller.signal,
    })
    await expect(pending).rejects.toThrow(AbortedError)
    clearInterval(timer)
    expect(ticks).toBeGreaterThanOrEqual(2)
    // The sequence is usable again and holds what was fed before the abort.
    expect(sequence.length).toBeLessThan(model.maxSequenceLength)
    await model.extend([{ sequence, tokens: [5] }])
    sequence.dispose()
  })

  it('rejects bad input with clear errors', async () => {
    const sequence = await prefilled(prompts[0] as number[])
    const base = { sequences: [sequence], temperature: 0, maxTokens: 4, stopTokenIds: [0] }
    await expect(model.sampleTokens({ ...base, sequences: [] })).rejects.toThrow(/sequences/)
    await expect(model.sampleTokens({ ...base, temperature: -1 })).rejects.toThrow(
      /temperature.*>= 0/,
    )
    await expect(model.sampleTokens({ ...base, temperature: 1 })).rejects.toThrow(/seed/)
    await expect(model.sampleTokens({ ...base, maxTokens: 0 })).rejects.toThrow(/maxTokens/)
    await expect(
      model.sampleTokens({ ...base, temperature: 1, seed: 1, rngLabels: [1, 2] }),
    ).rejects.toThrow(/rngLabels/)
    await expect(model.sampleTokens({ ...base, sequences: [sequence, sequence] })).rejects.toThrow(
      /at most once/,
    )
    await expect(
      model.sampleTokens({ ...base, sequences: [model.createSequence()] }),
    ).rejects.toThrow(/lastLogits/)
    sequence.dispose()
    await expect(model.sampleTokens(base)).rejects.toThrow(InvalidArgumentError)
  })
})
