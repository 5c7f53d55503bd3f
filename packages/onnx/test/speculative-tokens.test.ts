// Speculative decoding inside the worker (speculativeTokens), tinymath-generator with
// tinymath-draft: greedy tokens are the target's greedy tokens one by one, sampled ones replay
// by seed with tempered logprobs, the cache afterwards
// holds every chosen token but the last (the next extend continues it), each chosen token is
// fed to the target once, and bad input is rejected clearly.
import {
  AbortedError,
  InvalidArgumentError,
  type SequenceState,
  type TokenModel,
} from '@metagen/core'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOnnxTokenModel, type OnnxTokenModel } from '../dist/index.js'

let target: OnnxTokenModel
let draft: OnnxTokenModel
let prompts: number[][]

beforeAll(async () => {
  target = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { threads: 1 })
  draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], { threads: 1 })
  const problems = (await loadDevSet()).filter((_, index) => index % 60 === 7).slice(0, 3)
  prompts = problems.map((problem) => target.tokenizer.encode(formatPrompt(problem.question)))
})

afterAll(async () => {
  await target.close()
  await draft.close()
})

async function prefilled(prompt: readonly number[]): Promise<SequenceState> {
  const sequence = target.createSequence()
  await target.extend([{ sequence, tokens: [...prompt] }])
  return sequence
}

const eos = () => target.tokenizer.eosTokenIds

describe('speculativeTokens (greedy, draft model in the target worker)', () => {
  it('chooses the target greedy tokens and logprobs, for fixed and adaptive k', async () => {
    for (const prompt of prompts) {
      const plain = await prefilled(prompt)
      const [reference] = await target.sampleTokens({
        sequences: [plain],
        temperature: 0,
        maxTokens: 120,
        stopTokenIds: eos(),
      })
      plain.dispose()
      for (const [k, adaptive] of [
        [1, false],
        [3, false],
        [8, false],
        [2, true],
      ] as const) {
        const sequence = await prefilled(prompt)
        const before = target.stats()
        const result = await target.speculativeTokens({
          sequence,
          draft,
          k,
          adaptive,
          maxK: 12,
          maxTokens: 120,
          stopTokenIds: eos(),
        })
        expect(result?.tokenIds, `k=${k} adaptive=${adaptive}`).toEqual(reference?.tokenIds)
        expect(result?.finishReason).toBe(reference?.finishReason)
        result?.logprobs.forEach((logprob, index) => {
          expect(logprob).toBeCloseTo(reference?.logprobs[index] as number, 4)
        })
        const generated = result?.tokenIds.length as number
        // Every chosen token but the last is in the cache; each reached the target once per
        // round it was part of: fed <= generated + rounds x (k + 1) with the largest k.
        expect(sequence.length).toBe(prompt.length + generated - 1)
        const fed = target.stats().tokensProcessed - before.tokensProcessed
        expect(fed).toBe(result?.targetTokensFed)
        expect(fed).toBeLessThanOrEqual(generated + (result?.rounds as number) * (12 + 1))
        expect(result?.targetForwardPasses).toBeLessThanOrEqual(result?.rounds as number)
        expect(result?.acceptedTokens).toBeLessThanOrEqual(result?.draftedTokens as number)
        sequence.dispose()
      }
    }
  })

  it('leaves the sequence ready to continue: the next extend sees exactly the chosen tokens', async () => {
    const prompt = prompts[0] as number[]
    const sequence = await prefilled(prompt)
    const result = await target.speculativeTokens({
      sequence,
      draft,
      k: 4,
      adaptive: false,
      maxK: 4,
      maxTokens: 9,
      stopTokenIds: [],
    })
    expect(result?.tokenIds).toHaveLength(9)
    const last = result?.tokenIds.at(-1) as number
    const [continued] = await target.extend([{ sequence, tokens: [last] }])
    const fresh = await prefilled([...prompt, ...(result?.tokenIds ?? [])])
    const expected = fresh.lastLogits as Float32Array
    const actual = (continued?.logits ?? new Float32Array(0)).subarray(0, target.vocabSize)
    for (let index = 0; index < target.vocabSize; index += 37) {
      expect(actual[index]).toBeCloseTo(expected[index] as number, 3)
    }
    sequence.dispose()
    fresh.dispose()
  })

  it('resolves to undefined for a draft model it cannot load beside itself', async () => {
    const sequence = await prefilled(prompts[0] as number[])
    const foreign = { ...draft } as unknown as TokenModel
    const result = await target.speculativeTokens({
      sequence,
      draft: foreign,
      k: 4,
      adaptive: false,
      maxK: 4,
      maxTokens: 8,
      stopTokenIds: eos(),
    })
    expect(result).toBeUndefined()
    expect(sequence.length).toBe((prompts[0] as number[]).length)
    sequence.dispose()
  })

  it('samples at a temperature: the same seed gives the same tokens, each with its tempered logprob, and leaves the sequence ready to continue', async () => {
    const prompt = prompts[2] as number[]
    const run = async (seed: number) => {
      const sequence = await prefilled(prompt)
      const result = await target.speculativeTokens({
        sequence,
        draft,
        k: 4,
        adaptive: true,
        maxK: 8,
        maxTokens: 40,
        stopTokenIds: eos(),
        temperature: 3,
        seed,
      })
      return { sequence, result }
    }
    const first = await run(11)
    const again = await run(11)
    const other = await run(12)
    expect(again.result?.tokenIds).toEqual(first.result?.tokenIds)
    expect(again.result?.logprobs).toEqual(first.result?.logprobs)
    expect(other.result?.tokenIds).not.toEqual(first.result?.tokenIds)
    const tokens = first.result?.tokenIds as number[]
    expect(tokens.length).toBeGreaterThan(0)
    expect(first.result?.draftedTokens).toBeGreaterThan(first.result?.acceptedTokens as number)
    // Each logprob is the chosen token's under the target's tempered row in that context, and
    // the cache holds every chosen token but the last, like sampleTokens leaves it.
    const check = target.createSequence()
    await target.extend([{ sequence: check, tokens: prompt }])
    for (const [index, token] of tokens.entries()) {
      const row = (check.lastLogits as Float32Array).map((value) => value / 3)
      const max = Math.max(...row)
      const normaliser =
        max + Math.log(row.reduce((total, value) => total + Math.exp(value - max), 0))
      expect(first.result?.logprobs[index]).toBeCloseTo((row[token] as number) - normaliser, 3)
      if (index < tokens.length - 1) await target.extend([{ sequence: check, tokens: [token] }])
    }
    expect(first.sequence.length).toBe(prompt.length + (first.result?.tokenIds.length ?? 0) - 1)
    for (const sequence of [first.sequence, again.sequence, other.sequence, check])
      sequence.dispose()
  })

  it('rejects bad settings and aborted signals', async () => {
    const sequence = await prefilled(prompts[1] as number[])
    const request = {
      sequence,
      draft,
      k: 4,
      adaptive: false,
      maxK: 4,
      maxTokens: 8,
      stopTokenIds: eos(),
    }
    await expect(target.speculativeTokens({ ...request, k: 0 })).rejects.toThrow(
      InvalidArgumentError,
    )
    await expect(target.speculativeTokens({ ...request, maxK: 2 })).rejects.toThrow(/maxK/)
    await expect(target.speculativeTokens({ ...request, maxTokens: 0 })).rejects.toThrow(
      /maxTokens/,
    )
    await expect(target.speculativeTokens({ ...request, temperature: -1 })).rejects.toThrow(
      /temperature/,
    )
    await expect(target.speculativeTokens({ ...request, temperature: 1 })).rejects.toThrow(/seed/)
    const controller = new AbortController()
    controller.abort()
    await expect(
      target.speculativeTokens({ ...request, signal: controller.signal }),
    ).rejects.toThrow(AbortedError)
    const other = draft.createSequence()
    await expect(target.speculativeTokens({ ...request, sequence: other })).rejects.toThrow(
      /sequence created by this model/,
    )
    other.dispose()
    sequence.dispose()
  })
})
