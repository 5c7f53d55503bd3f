// `stoppedBy` of a run names the limit that ended it, in the run result and in the trace.
import { describe, expect, it } from 'vitest'
import { type Budget, createBudgetTracker } from './budget.js'
import { AbortedError, BudgetExhaustedError } from './errors.js'
import type { Generator, TextInput, TextOutput } from './generator.js'
import type { LanguageModel } from './language-model.js'
import { run } from './run.js'
import { callModel } from './run-context.js'
import { createFakeLanguageModel } from './testing/fake-language-model.js'
import { addUsage, emptyUsage } from './usage.js'

/** Calls the model (5 tokens at most each) until the budget refuses, at most 50 times. */
function untilRefused(model: LanguageModel, onCall?: () => void): Generator<TextInput, TextOutput> {
  return {
    name: 'until-refused',
    async run(input, context) {
      let usage = emptyUsage()
      for (let call = 0; call < 50; call++) {
        try {
          const result = await callModel(context, model, {
            prompt: input.prompt ?? '',
            maxTokens: 5,
          })
          usage = addUsage(usage, result.usage)
          onCall?.()
        } catch (error) {
          if (!BudgetExhaustedError.isInstance(error)) throw error
          return { output: { text: 'best so far' }, usage, stoppedBy: 'budget' }
        }
      }
      return { output: { text: 'ran out of calls to make' }, usage }
    },
  }
}

/** Five characters per reply, one token each; $1 per million prompt and 2 per million output tokens. */
const model = createFakeLanguageModel({
  reply: 'abcde',
  tokenUnit: 'character',
  countsInputTokens: true,
  price: { inputPerMillion: 1, outputPerMillion: 2 },
})

/** The same replies, reporting 1000 FLOPs per call as a local model does. */
const flopsModel: LanguageModel = {
  ...model,
  async generate(request) {
    const result = await model.generate(request)
    return { ...result, usage: { ...result.usage, flops: 1000 } }
  },
}

async function stoppedBy(budget: Budget, generator = untilRefused(model)) {
  const result = await run(generator, { prompt: 'question' }, { budget, trace: true })
  const root = result.trace.filter((event) => event.kind === 'span-end').at(-1)
  expect(root?.data?.stoppedBy).toBe(result.stoppedBy)
  return { result, stoppedBy: result.stoppedBy }
}

describe('stoppedBy names the limit that ended the run', () => {
  it('outputTokens', async () => {
    const { result, stoppedBy: limit } = await stoppedBy({ outputTokens: 12 })
    expect(limit).toBe('outputTokens')
    // 5 + 5 + the 2 that were left
    expect(result.charged.outputTokens).toBe(12)
  })

  it('inputTokens (8 per call: the 9th prompt token of a third call does not fit)', async () => {
    const { result, stoppedBy: limit } = await stoppedBy({ inputTokens: 20 })
    expect(limit).toBe('inputTokens')
    expect(result.charged.inputTokens).toBe(16)
  })

  it('totalTokens', async () => {
    const { result, stoppedBy: limit } = await stoppedBy({ totalTokens: 30 })
    expect(limit).toBe('totalTokens')
    // two calls of 8 + 5, then 4 left for a prompt of 8
    expect(result.charged.inputTokens + result.charged.outputTokens).toBe(26)
  })

  it('calls', async () => {
    const { result, stoppedBy: limit } = await stoppedBy({ calls: 3 })
    expect(limit).toBe('calls')
    expect(result.charged.calls).toBe(3)
  })

  it('costUsd (a call costs 8 x $1 + 5 x $2 per million; the third is cut to 3 tokens)', async () => {
    const { result, stoppedBy: limit } = await stoppedBy({ costUsd: 50e-6 })
    expect(limit).toBe('costUsd')
    expect(result.charged.calls).toBe(3)
    expect(result.charged.outputTokens).toBe(13)
    expect(result.charged.costUsd ?? 0).toBeLessThanOrEqual(50e-6)
  })

  it('flops (checked before each call)', async () => {
    const { result, stoppedBy: limit } = await stoppedBy({ flops: 2500 }, untilRefused(flopsModel))
    expect(limit).toBe('flops')
    expect(result.charged.flops).toBe(3000)
  })

  it('wallTimeMs (a clock that moves 10 ms per call)', async () => {
    let now = 0
    const tracker = createBudgetTracker({ wallTimeMs: 25 }, () => now)
    const generator = untilRefused(model, () => {
      now += 10
    })
    const result = await run(generator, { prompt: 'question' }, { budget: tracker, trace: true })
    expect(result.stoppedBy).toBe('wallTimeMs')
    expect(result.charged.calls).toBe(3)
    const root = result.trace.filter((event) => event.kind === 'span-end').at(-1)
    expect(root?.data?.stoppedBy).toBe('wallTimeMs')
  })

  it('no stoppedBy when the generator finished within the budget', async () => {
    const once: Generator<TextInput, TextOutput> = {
      name: 'once',
      async run(input, context) {
        const result = await callModel(context, model, { prompt: input.prompt ?? '' })
        return { output: { text: result.outputs[0]?.text ?? '' }, usage: result.usage }
      },
    }
    const { result, stoppedBy: limit } = await stoppedBy({ calls: 5 }, once)
    expect(limit).toBeUndefined()
    expect(result.output.text).toBe('abcde')
  })

  it('cancellation: the run rejects with AbortedError and its trace says aborted', async () => {
    const controller = new AbortController()
    const events: Array<{ kind: string; data?: Record<string, unknown> }> = []
    const generator = untilRefused(model, () => controller.abort())
    await expect(
      run(
        generator,
        { prompt: 'question' },
        { signal: controller.signal, trace: { emit: (event) => events.push(event) } },
      ),
    ).rejects.toBeInstanceOf(AbortedError)
    const root = events.filter((event) => event.kind === 'span-end').at(-1)
    expect(root?.data?.stoppedBy).toBe('aborted')
  })
})
