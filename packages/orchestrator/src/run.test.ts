import {
  AbortedError,
  BudgetExhaustedError,
  createCollectingTraceSink,
  InvalidArgumentError,
} from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { createFakeGenerator, createFakeLanguageModel } from './fake-language-model.js'
import { run } from './run.js'

describe('run', () => {
  it('returns output, usage and wall time; the same seed gives the same output', async () => {
    const model = createFakeLanguageModel()
    const generator = createFakeGenerator(model, 2)
    const first = await run(generator, { prompt: 'Q' }, { seed: 7 })
    const second = await run(generator, { prompt: 'Q' }, { seed: 7 })
    expect(first.output).toEqual(second.output)
    expect(first.usage).toEqual({ inputTokens: 10, outputTokens: 14, calls: 2 })
    expect(first.charged).toMatchObject({ inputTokens: 10, outputTokens: 14, calls: 2 })
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
      createFakeGenerator(createFakeLanguageModel(), 2),
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
      createFakeGenerator(createFakeLanguageModel(), 3),
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
        createFakeGenerator(createFakeLanguageModel(), 3),
        { prompt: 'Q' },
        { budget: { calls: 2 } },
      ),
    ).rejects.toThrow(BudgetExhaustedError)
  })

  it('limits concurrent model calls', async () => {
    const model = createFakeLanguageModel({ delayMs: 5 })
    let active = 0
    let peak = 0
    const tracked = {
      ...model,
      async generate(request: Parameters<typeof model.generate>[0]) {
        active++
        peak = Math.max(peak, active)
        try {
          return await model.generate(request)
        } finally {
          active--
        }
      },
    }
    const parallel = {
      name: 'parallel',
      async run(
        input: { prompt?: string },
        context: Parameters<ReturnType<typeof createFakeGenerator>['run']>[1],
      ) {
        const results = await Promise.all(
          Array.from({ length: 6 }, () => createFakeGenerator(tracked).run(input, context)),
        )
        return {
          output: results[0]?.output ?? { text: '' },
          usage: { inputTokens: 0, outputTokens: 0, calls: 6 },
        }
      },
    }
    await run(parallel, { prompt: 'Q' }, { concurrency: 2 })
    expect(peak).toBe(2)
  })

  it('cancels with an AbortSignal', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(
      run(
        createFakeGenerator(createFakeLanguageModel()),
        { prompt: 'Q' },
        { signal: controller.signal },
      ),
    ).rejects.toThrow(AbortedError)
  })

  it('rejects invalid options', async () => {
    const generator = createFakeGenerator(createFakeLanguageModel())
    await expect(run(generator, { prompt: 'Q' }, { seed: -1 })).rejects.toThrow(
      InvalidArgumentError,
    )
    await expect(run(generator, { prompt: 'Q' }, { concurrency: 0 })).rejects.toThrow(/concurrency/)
    await expect(run(generator, { prompt: 'Q' }, { budget: { outputTokens: 0 } })).rejects.toThrow(
      /budget\.outputTokens/,
    )
  })
})
