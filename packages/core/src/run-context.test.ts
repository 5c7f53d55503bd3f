import { describe, expect, it } from 'vitest'
import { createBudgetTracker } from './budget.js'
import { createConcurrencyLimiter } from './concurrency.js'
import { AbortedError, BudgetExhaustedError, InvalidArgumentError } from './errors.js'
import type { Generator, TextInput, TextOutput } from './generator.js'
import { validateGenerateRequest } from './request.js'
import { callModel, callScorer, createRunContext, runChild } from './run-context.js'
import type { Scorer } from './scorer.js'
import { createFakeLanguageModel } from './testing/fake-language-model.js'
import { createCollectingTraceSink } from './trace.js'
import { addUsage } from './usage.js'

/** A model whose every sample fills its maxTokens (one character per token), for the plumbing. */
function createEchoModel() {
  return createFakeLanguageModel({ reply: 'x'.repeat(64), tokenUnit: 'character' })
}

describe('callModel', () => {
  it('caps maxTokens so that all n samples fit the remaining output budget, and charges usage', async () => {
    const model = createEchoModel()
    const context = createRunContext({ budget: { outputTokens: 100 }, seed: 3 })
    await callModel(context, model, { prompt: 'p', n: 4, maxTokens: 20 })
    expect(model.requests[0]?.maxTokens).toBe(20)
    await callModel(context, model, { prompt: 'p', n: 4, maxTokens: 20 })
    expect(model.requests[1]?.maxTokens).toBe(5) // 20 tokens left for 4 samples
    expect(context.budget.spent.outputTokens).toBe(100)
    await expect(callModel(context, model, { prompt: 'p' })).rejects.toThrow(BudgetExhaustedError)
    expect(model.requests[0]?.seed).toEqual(expect.any(Number))
  })

  it('draws request seeds from the run seed, so a run replays exactly', async () => {
    const seeds = async (seed: number) => {
      const model = createEchoModel()
      const context = createRunContext({ seed })
      await callModel(context, model, { prompt: 'p' })
      await callModel(context, model, { prompt: 'p' })
      return model.requests.map((request) => request.seed)
    }
    expect(await seeds(1)).toEqual(await seeds(1))
    expect(await seeds(1)).not.toEqual(await seeds(2))
  })

  it('refuses to start after the signal aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    const context = createRunContext({ signal: controller.signal })
    await expect(callModel(context, createEchoModel(), { prompt: 'p' })).rejects.toThrow(
      AbortedError,
    )
  })
})

describe('runChild', () => {
  it('opens and closes a span around the child and nests its model calls', async () => {
    const trace = createCollectingTraceSink()
    const model = createEchoModel()
    const child: Generator<TextInput, TextOutput> = {
      name: 'child',
      async run(input, context) {
        const result = await callModel(context, model, { prompt: input.prompt ?? '', maxTokens: 2 })
        return { output: { text: result.outputs[0]?.text ?? '' }, usage: result.usage }
      },
    }
    const context = createRunContext({ trace })
    const result = await runChild(context, child, { prompt: 'q' })
    expect(result.output.text).toBe('xx')
    const kinds = trace.events.map((event) => event.kind)
    expect(kinds).toEqual(['span-start', 'model-call', 'span-end'])
    const [start, call, end] = trace.events
    expect(call?.parentId).toBe(start?.id)
    expect(end?.id).toBe(start?.id)
    expect(end?.usage?.outputTokens).toBe(2)
  })
})

describe('budget and concurrency', () => {
  it('validates limits and reports the first exhausted one', () => {
    expect(() => createBudgetTracker({ outputTokens: 0 })).toThrow(/budget.outputTokens/)
    expect(() => createBudgetTracker({ calls: -1 })).toThrow(InvalidArgumentError)
    const tracker = createBudgetTracker({ calls: 2, totalTokens: 50 })
    tracker.charge({ inputTokens: 10, outputTokens: 10, calls: 1 })
    expect(tracker.isExhausted()).toBe(false)
    expect(tracker.remainingOutputTokens()).toBe(30)
    tracker.charge({ inputTokens: 10, outputTokens: 5, calls: 1 })
    expect(tracker.exhaustedLimit()).toBe('calls')
    expect(() => tracker.assertAvailable()).toThrow(BudgetExhaustedError)
  })

  it('keeps at most `limit` tasks in flight', async () => {
    const limiter = createConcurrencyLimiter(3)
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const tasks = Array.from({ length: 10 }, () => limiter.run(() => gate))
    await Promise.resolve()
    expect(limiter.active).toBe(3)
    release()
    await Promise.all(tasks)
    expect(limiter.peak).toBe(3)
    expect(() => createConcurrencyLimiter(0)).toThrow(/concurrency/)
  })

  it('sums usages including optional fields', () => {
    expect(
      addUsage(
        { inputTokens: 1, outputTokens: 2, calls: 1, costUsd: 0.5 },
        { inputTokens: 3, outputTokens: 4, calls: 2 },
      ),
    ).toEqual({
      inputTokens: 4,
      outputTokens: 6,
      calls: 3,
      costUsd: 0.5,
    })
  })
})

describe('validateGenerateRequest', () => {
  it('names the bad field', () => {
    expect(() => validateGenerateRequest({ prompt: 'p', n: 0 })).toThrow(
      /Invalid argument n: expected an integer >= 1, received 0/,
    )
    expect(() => validateGenerateRequest({ prompt: 'p', maxTokens: 0 })).toThrow(/maxTokens/)
    expect(() => validateGenerateRequest({ prompt: 'p', temperature: -0.1 })).toThrow(/temperature/)
    expect(() => validateGenerateRequest({ prompt: 'p', topP: 0 })).toThrow(
      /topP: expected a number in \(0, 1\]/,
    )
    expect(() => validateGenerateRequest({ prompt: 'p', topP: 1.5 })).toThrow(/topP/)
    expect(() => validateGenerateRequest({ prompt: 'p', topK: 0 })).toThrow(/topK/)
    expect(() => validateGenerateRequest({})).toThrow(/prompt/)
    expect(() => validateGenerateRequest({ prompt: 'p', stop: [''] })).toThrow(/stop/)
    expect(() =>
      validateGenerateRequest({ prompt: 'p', n: 2, topP: 1, temperature: 0 }),
    ).not.toThrow()
  })
})

describe('budget reservations in callModel', () => {
  it('concurrent calls never overshoot: each reserves its maxTokens before it starts', async () => {
    const model = createFakeLanguageModel({
      reply: 'x'.repeat(64),
      tokenUnit: 'character',
      delayMs: 2,
    })
    const context = createRunContext({ budget: { outputTokens: 50 }, concurrency: 8 })
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, () => callModel(context, model, { prompt: 'p', maxTokens: 20 })),
    )
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(refused.length).toBe(3)
    for (const outcome of refused) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(BudgetExhaustedError)
    }
    // 20 + 20 + the 10 that were left; the old cap (remaining at the start) gave each call 20
    expect(model.requests.map((request) => request.maxTokens)).toEqual([20, 20, 10])
    expect(context.budget.spent.outputTokens).toBe(50)
    expect(context.budget.reserved).toEqual({
      outputTokens: 0,
      inputTokens: 0,
      costUsd: 0,
      calls: 0,
    })
  })

  it('refunds the unused part of a reservation and releases it when the call throws', async () => {
    const short = createFakeLanguageModel({ reply: 'xyz', tokenUnit: 'character' })
    const context = createRunContext({ budget: { outputTokens: 10, calls: 2 } })
    await callModel(context, short, { prompt: 'p', maxTokens: 10 })
    expect(context.budget.remainingOutputTokens()).toBe(7)
    const failing = createFakeLanguageModel({
      reply: () => {
        throw new Error('backend down')
      },
    })
    await expect(callModel(context, failing, { prompt: 'p' })).rejects.toThrow('backend down')
    expect(context.budget.remainingOutputTokens()).toBe(7)
    expect(context.budget.remainingCalls()).toBe(1)
  })
})

describe('callScorer', () => {
  it('gives the scorer a context whose model calls are charged once and traced under the score event', async () => {
    const trace = createCollectingTraceSink()
    const judge = createFakeLanguageModel({ reply: 'four words of reply', delayMs: 0 })
    const scorer: Scorer = {
      specificationVersion: 'v1',
      name: 'calls-a-model',
      kind: { outcome: true, process: false },
      async score(requests, options) {
        const context = options?.context
        if (!context) throw new Error('no context')
        const result = await callModel(context, judge, { prompt: 'grade', maxTokens: 8 })
        // A further 3 input tokens spent outside the context (like a reward model's own run).
        return {
          scores: requests.map(() => ({ value: 1 })),
          usage: addUsage(result.usage, { inputTokens: 3, outputTokens: 0, calls: 1 }),
        }
      },
    }
    const context = createRunContext({ budget: { outputTokens: 100 }, trace })
    const result = await callScorer(context, scorer, [{ prompt: 'q', output: 'a' }])
    expect(result.usage.outputTokens).toBe(4)
    expect(context.budget.spent).toEqual({ inputTokens: 1 + 3, outputTokens: 4, calls: 2 })
    const score = trace.events.find((event) => event.kind === 'score')
    const call = trace.events.find((event) => event.kind === 'model-call')
    expect(call?.parentId).toBe(score?.id)
  })

  it('charges a scorer that ignores the context after it returns, as before', async () => {
    const context = createRunContext({})
    const scorer: Scorer = {
      specificationVersion: 'v1',
      name: 'own-inference',
      kind: { outcome: true, process: false },
      async score(requests) {
        return {
          scores: requests.map(() => ({ value: 0.5 })),
          usage: { inputTokens: 12, outputTokens: 0, calls: 1 },
        }
      },
    }
    await callScorer(context, scorer, [{ prompt: 'q', output: 'a' }])
    expect(context.budget.spent).toEqual({ inputTokens: 12, outputTokens: 0, calls: 1 })
  })
})

describe('runChild when the child throws', () => {
  it('closes the span with the error before rethrowing', async () => {
    const trace = createCollectingTraceSink()
    const context = createRunContext({ trace })
    const failing: Generator<TextInput, TextOutput> = {
      name: 'failing',
      async run() {
        throw new Error('child broke')
      },
    }
    await expect(runChild(context, failing, {})).rejects.toThrow('child broke')
    const start = trace.events.find((event) => event.kind === 'span-start')
    const end = trace.events.find((event) => event.kind === 'span-end')
    expect(end?.id).toBe(start?.id)
    expect(end?.data).toEqual({ error: 'Error: child broke' })
  })
})
