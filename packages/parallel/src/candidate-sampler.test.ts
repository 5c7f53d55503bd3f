import {
  AbortedError,
  ApiCallError,
  createCollectingTraceSink,
  createRunContext,
  type Generator,
  InvalidArgumentError,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { createFakeLanguageModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { createCandidateSampler } from './candidate-sampler.js'

const input: TextInput = { prompt: 'Q: 2+2?\nA:' }

describe('createCandidateSampler with a model', () => {
  it('requests n samples as one batched call when the model has nativeN', async () => {
    const model = createFakeLanguageModel({
      reply: ({ sampleIndex }) => `The answer is ${sampleIndex % 2}.`,
    })
    const sampler = createCandidateSampler(createRunContext({ seed: 3 }), input, { model })
    const drawn = await sampler.sample(5)
    expect(model.requests).toHaveLength(1)
    expect(model.requests[0]).toMatchObject({ n: 5, temperature: 1, prompt: input.prompt })
    expect(drawn.map((candidate) => candidate.key)).toEqual(['0', '1', '0', '1', '0'])
    expect(drawn.map((candidate) => candidate.index)).toEqual([0, 1, 2, 3, 4])
    expect(sampler.usage).toEqual({ inputTokens: 3, outputTokens: 20, calls: 1 })
  })

  it('issues one call per sample, concurrently up to the limiter, without nativeN', async () => {
    const model = createFakeLanguageModel({
      reply: 'The answer is 4.',
      capabilities: { nativeN: false },
      delayMs: 5,
    })
    const context = createRunContext({ concurrency: 3 })
    const sampler = createCandidateSampler(context, input, { model, temperature: 0.7 })
    await sampler.sample(8)
    expect(model.requests).toHaveLength(8)
    expect(model.requests.every((request) => request.n === 1 && request.temperature === 0.7)).toBe(
      true,
    )
    expect(model.peakConcurrency).toBe(3)
    expect(sampler.usage.calls).toBe(8)
  })

  it('keeps the other samples when one sample or one call fails', async () => {
    const model = createFakeLanguageModel({
      reply: ({ sampleIndex }) =>
        sampleIndex === 1 ? new Error('sample broke') : 'The answer is 4.',
      capabilities: { nativeN: false },
      failCall: (_, call) =>
        call === 2 ? new ApiCallError({ message: 'HTTP 500', isRetryable: true }) : undefined,
    })
    const sampler = createCandidateSampler(createRunContext(), input, { model })
    const drawn = await sampler.sample(4)
    expect(drawn.map((candidate) => candidate.error)).toEqual([
      undefined,
      'sample broke',
      'HTTP 500',
      undefined,
    ])
    expect(drawn.filter((candidate) => candidate.key === '4')).toHaveLength(2)
    expect(drawn[1]?.finishReason).toBe('error')
  })

  it('propagates aborts and invalid arguments instead of hiding them as failed samples', async () => {
    const controller = new AbortController()
    controller.abort()
    const model = createFakeLanguageModel({ reply: 'x' })
    await expect(
      createCandidateSampler(createRunContext({ signal: controller.signal }), input, {
        model,
      }).sample(2),
    ).rejects.toBeInstanceOf(AbortedError)
    const invalid = createFakeLanguageModel({
      reply: 'x',
      failCall: () =>
        new InvalidArgumentError({ argument: 'topP', expected: 'in (0, 1]', received: 2 }),
    })
    await expect(
      createCandidateSampler(createRunContext(), input, { model: invalid }).sample(2),
    ).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('samples in budget-aware rounds and never exceeds the output-token budget', async () => {
    // Each sample wants up to 10 tokens but uses 4: rounds of floor(remaining / 10).
    const model = createFakeLanguageModel({ reply: 'one two three four' })
    const context = createRunContext({ budget: { outputTokens: 30 } })
    const sampler = createCandidateSampler(context, input, { model, maxTokens: 10 })
    await sampler.sample(16)
    // 30 -> 3 x 4 = 12 used; 18, 14, 10, 6 left -> one sample each; 2 left -> a 2-token sample.
    expect(model.requests.map((request) => request.n)).toEqual([3, 1, 1, 1, 1, 1])
    expect(model.requests.map((request) => request.maxTokens)).toEqual([10, 10, 10, 10, 6, 2])
    expect(sampler.candidates).toHaveLength(8)
    expect(sampler.usage.outputTokens).toBe(30)
    expect(sampler.stoppedBy).toBe('budget')
    expect(sampler.candidates.at(-1)?.finishReason).toBe('length')
  })

  it('respects a calls budget without nativeN', async () => {
    const model = createFakeLanguageModel({ reply: 'a', capabilities: { nativeN: false } })
    const context = createRunContext({ budget: { calls: 3 } })
    const sampler = createCandidateSampler(context, input, { model })
    await sampler.sample(10)
    expect(model.requests).toHaveLength(3)
    expect(sampler.stoppedBy).toBe('budget')
  })
})

describe('createCandidateSampler temperature', () => {
  it("keeps the input's request temperature unless the temperature option is given", async () => {
    const model = createFakeLanguageModel({ reply: 'a' })
    const withInput = { prompt: 'p', request: { temperature: 0.3 } }
    await createCandidateSampler(createRunContext(), withInput, { model }).sample(2)
    expect(model.requests[0]?.temperature).toBe(0.3)
    await createCandidateSampler(createRunContext(), withInput, { model, temperature: 0.7 }).sample(
      2,
    )
    expect(model.requests[1]?.temperature).toBe(0.7)
    await createCandidateSampler(createRunContext(), { prompt: 'p' }, { model }).sample(2)
    expect(model.requests[2]?.temperature).toBe(1)
  })
})

describe('createCandidateSampler with a base generator', () => {
  it('runs the generator once per sample in its own span and RNG fork', async () => {
    const base: Generator<TextInput, TextOutput> = {
      name: 'fake-base',
      async run(childInput, context) {
        const value = context.rng.nextInt(1000)
        return {
          output: {
            text: `v=${value}. max=${childInput.request?.maxTokens}`,
            answer: String(value),
          },
          usage: { inputTokens: 1, outputTokens: 2, calls: 1 },
        }
      },
    }
    const trace = createCollectingTraceSink()
    const first = createCandidateSampler(createRunContext({ seed: 5, trace }), input, {
      base,
      maxTokens: 12,
    })
    await first.sample(3)
    const second = createCandidateSampler(createRunContext({ seed: 5 }), input, { base })
    await second.sample(3)
    expect(first.candidates.map((candidate) => candidate.answer)).toEqual(
      second.candidates.map((candidate) => candidate.answer),
    )
    expect(new Set(first.candidates.map((candidate) => candidate.answer)).size).toBe(3)
    expect(first.candidates[0]?.text).toMatch(/max=12$/)
    expect(first.usage).toEqual({ inputTokens: 3, outputTokens: 6, calls: 3 })
    expect(trace.events.filter((event) => event.kind === 'span-start')).toHaveLength(3)
  })

  it('reports a throwing child as a failed candidate and keeps the others', async () => {
    let runs = 0
    const base: Generator<TextInput, TextOutput> = {
      name: 'flaky',
      async run() {
        if (runs++ === 0) throw new Error('child failed')
        return {
          output: { text: 'The answer is 1.' },
          usage: { inputTokens: 0, outputTokens: 1, calls: 1 },
        }
      },
    }
    const sampler = createCandidateSampler(createRunContext(), input, { base })
    await sampler.sample(3)
    expect(sampler.candidates.map((candidate) => candidate.error ?? candidate.key)).toEqual([
      'child failed',
      '1',
      '1',
    ])
  })
})
