import {
  AbortedError,
  BudgetExhaustedError,
  createCollectingTraceSink,
  InvalidArgumentError,
  run,
} from '@metagen/core'
import {
  createFakeGenerator,
  createFakeLanguageModel,
  type FakeLanguageModelOptions,
} from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'

/** A model whose k-th sample of a call says `The answer is <(seed + k) mod 10>.` (seed only). */
const seededModel = (options: Omit<FakeLanguageModelOptions, 'reply'> = {}) =>
  createFakeLanguageModel({
    ...options,
    reply: ({ request, outputIndex }) =>
      `The answer is ${((request.seed ?? 0) + outputIndex) % 10}.`,
  })

describe('run', () => {
  it('returns output, usage and wall time; the same seed gives the same output', async () => {
    const model = seededModel()
    const generator = createFakeGenerator({ model, calls: 2 })
    const first = await run(generator, { prompt: 'Q' }, { seed: 7 })
    const second = await run(generator, { prompt: 'Q' }, { seed: 7 })
    expect(first.output).toEqual(second.output)
    // Two calls of a 1-word prompt answered with 4 words.
    expect(first.usage).toEqual({ inputTokens: 2, outputTokens: 8, calls: 2 })
    expect(first.charged).toMatchObject({ inputTokens: 2, outputTokens: 8, calls: 2 })
    expect(first.seconds).toBeGreaterThanOrEqual(0)
    expect(first.trace).toEqual([])
    const seeds = model.requests.map((request) => request.seed)
    expect(seeds[0]).toBe(seeds[2])
    expect(seeds[0]).not.toBe(seeds[1])
    const other = await run(generator, { prompt: 'Q' }, { seed: 8 })
    expect(model.requests.at(-1)?.seed).not.toBe(seeds[1])
    expect(other.usage.calls).toBe(2)
  })

  it('collects the trace (root span, calls) and forwards it to a sink', async () => {
    const sink = createCollectingTraceSink()
    const result = await run(
      createFakeGenerator({ model: seededModel(), calls: 2 }),
      { prompt: 'Q' },
      { trace: sink },
    )
    expect(result.trace.map((event) => event.kind)).toEqual([
      'span-start',
      'model-call',
      'model-call',
      'span-end',
    ])
    expect(result.trace[1]?.parentId).toBe(result.trace[0]?.id)
    expect(sink.events).toEqual(result.trace)
  })

  it('reports progress after each model call', async () => {
    const progress: number[] = []
    await run(
      createFakeGenerator({ model: seededModel(), calls: 3 }),
      { prompt: 'Q' },
      {
        onProgress: (report) => progress.push(report.usage.calls),
      },
    )
    expect(progress).toEqual([1, 2, 3])
  })

  it('enforces the budget through callModel', async () => {
    await expect(
      run(
        createFakeGenerator({ model: seededModel(), calls: 3 }),
        { prompt: 'Q' },
        { budget: { calls: 2 } },
      ),
    ).rejects.toThrow(BudgetExhaustedError)
  })

  it('limits concurrent model calls', async () => {
    const model = seededModel({ delayMs: 5 })
    const parallel = {
      name: 'parallel',
      async run(
        input: { prompt?: string },
        context: Parameters<ReturnType<typeof createFakeGenerator>['run']>[1],
      ) {
        const results = await Promise.all(
          Array.from({ length: 6 }, () => createFakeGenerator({ model }).run(input, context)),
        )
        return {
          output: results[0]?.output ?? { text: '' },
          usage: { inputTokens: 0, outputTokens: 0, calls: 6 },
        }
      },
    }
    await run(parallel, { prompt: 'Q' }, { concurrency: 2 })
    expect(model.requests).toHaveLength(6)
    expect(model.peakConcurrency).toBe(2)
  })

  it('cancels with an AbortSignal', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(
      run(
        createFakeGenerator({ model: seededModel() }),
        { prompt: 'Q' },
        { signal: controller.signal },
      ),
    ).rejects.toThrow(AbortedError)
  })

  it('rejects invalid options', async () => {
    const generator = createFakeGenerator({ model: seededModel() })
    await expect(run(generator, { prompt: 'Q' }, { seed: -1 })).rejects.toThrow(
      InvalidArgumentError,
    )
    await expect(run(generator, { prompt: 'Q' }, { concurrency: 0 })).rejects.toThrow(/concurrency/)
    await expect(run(generator, { prompt: 'Q' }, { budget: { outputTokens: 0 } })).rejects.toThrow(
      /budget\.outputTokens/,
    )
  })
})
