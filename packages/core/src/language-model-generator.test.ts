import { describe, expect, it } from 'vitest'
import { ApiCallError } from './errors.js'
import type { LanguageModel } from './language-model.js'
import { languageModelGenerator } from './language-model-generator.js'
import { createRunContext } from './run-context.js'
import { createFakeLanguageModel } from './testing/fake-language-model.js'
import { createCollectingTraceSink } from './trace.js'

describe('languageModelGenerator', () => {
  it('makes one traced call with n 1 and the layered request, and extracts the answer', async () => {
    const model = createFakeLanguageModel({ reply: 'so the answer is 12. more' })
    const trace = createCollectingTraceSink()
    const generator = languageModelGenerator({
      model,
      defaults: { maxTokens: 3, temperature: 1 },
      request: { temperature: 0 },
      extractAnswer: (text) => /(\d+)/.exec(text)?.[1],
      name: 'greedy',
    })
    const { output, usage } = await generator.run(
      { prompt: 'Q', request: { maxTokens: 5, temperature: 0.7 } },
      createRunContext({ trace }),
    )
    expect(model.requests[0]).toMatchObject({ prompt: 'Q', n: 1, maxTokens: 5, temperature: 0 })
    expect(output).toEqual({ text: 'so the answer is 12.', finishReason: 'length', answer: '12' })
    expect(usage).toEqual({ inputTokens: 1, outputTokens: 5, calls: 1 })
    expect(generator.name).toBe('greedy')
    expect(trace.events.some((event) => event.kind === 'model-call')).toBe(true)
  })

  it('scores by the sum of token logprobs on request, and only when the model returns them', async () => {
    const model = createFakeLanguageModel({
      reply: 'a b c',
      capabilities: { logprobs: true },
      tokenLogprob: () => -0.25,
    })
    const scored = languageModelGenerator({
      model,
      request: { logprobs: true },
      scoreByLogprob: true,
    })
    expect((await scored.run({ prompt: 'p' }, createRunContext())).output.score).toBe(-0.75)
    const unscored = languageModelGenerator({ model, scoreByLogprob: true })
    expect((await unscored.run({ prompt: 'p' }, createRunContext())).output.score).toBeUndefined()
    const plain = await languageModelGenerator({ model }).run({ prompt: 'p' }, createRunContext())
    expect(plain.output).toEqual({ text: 'a b c', finishReason: 'stop' })
  })

  it('throws a failed sample, a missing output, a bad input and bad options clearly', async () => {
    const failing = createFakeLanguageModel({ reply: () => new Error('sample broke') })
    await expect(
      languageModelGenerator({ model: failing }).run({ prompt: 'p' }, createRunContext()),
    ).rejects.toThrow('sample broke')
    const empty: LanguageModel = {
      ...createFakeLanguageModel({ reply: 'x' }),
      async generate() {
        return { outputs: [], usage: { inputTokens: 0, outputTokens: 0, calls: 1 }, warnings: [] }
      },
    }
    const error = await languageModelGenerator({ model: empty })
      .run({ prompt: 'p' }, createRunContext())
      .catch((caught) => caught)
    expect(ApiCallError.isInstance(error)).toBe(true)
    expect(error.isRetryable).toBe(false)
    expect(error.message).toBe('fake:fake-model returned no output for a request of n = 1.')
    await expect(
      languageModelGenerator({ model: failing }).run({} as never, createRunContext()),
    ).rejects.toThrow(/Invalid argument input/)
    expect(() => languageModelGenerator({ model: {} as never })).toThrow(/options\.model/)
    expect(() => languageModelGenerator({ model: failing, name: ' ' })).toThrow(/options\.name/)
    expect(() => languageModelGenerator({ model: failing, request: { topP: 2 } })).toThrow(/topP/)
  })
})
