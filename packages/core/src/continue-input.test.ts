import { describe, expect, it } from 'vitest'
import { assertCanContinue, continueInput } from './continue-input.js'
import { InvalidArgumentError } from './errors.js'
import type { ContinuationSupport } from './language-model.js'
import { createFakeLanguageModel } from './testing/fake-language-model.js'

const modelWith = (continuation: ContinuationSupport) =>
  createFakeLanguageModel({ reply: '', capabilities: { continuation } })

describe('continueInput', () => {
  it('extends the prompt of a native (completion) model', () => {
    const input = { prompt: 'Q: 1+1?\nA:', request: { temperature: 0 } }
    expect(continueInput(input, ' 1+1=2.', modelWith('native'))).toEqual({
      prompt: 'Q: 1+1?\nA: 1+1=2.',
      request: { temperature: 0 },
    })
  })

  it('turns a prompt into a user turn plus a trailing assistant turn on an assistant-prefill model', () => {
    const input = { prompt: 'Q: 1+1?\nA:', request: { temperature: 0 } }
    expect(continueInput(input, ' 1+1=2.', modelWith('assistant-prefill'))).toEqual({
      messages: [
        { role: 'user', content: 'Q: 1+1?\nA:' },
        { role: 'assistant', content: ' 1+1=2.' },
      ],
      request: { temperature: 0 },
    })
  })

  it('appends to a trailing assistant message, or adds one', () => {
    const model = modelWith('assistant-prefill')
    const user = { role: 'user' as const, content: 'hi' }
    expect(continueInput({ messages: [user] }, 'a', model).messages).toEqual([
      user,
      { role: 'assistant', content: 'a' },
    ])
    expect(
      continueInput({ messages: [user, { role: 'assistant', content: 'a' }] }, 'b', model).messages,
    ).toEqual([user, { role: 'assistant', content: 'ab' }])
  })

  it('returns the input unchanged for empty text, even on a model that cannot continue', () => {
    const input = { prompt: 'p' }
    expect(continueInput(input, '', modelWith('none'))).toBe(input)
  })

  it('refuses a model that cannot continue with an InvalidArgumentError suggesting a completion model', () => {
    const model = modelWith('none')
    let error: unknown
    try {
      continueInput({ prompt: 'p' }, 'x', model, 'tool use')
    } catch (caught) {
      error = caught
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
    expect((error as InvalidArgumentError).argument).toBe('model')
    expect((error as Error).message).toMatch(/for tool use .*completion model/)
    expect(() => assertCanContinue('options.model', model, 'step search')).toThrow(
      /Invalid argument options\.model: .*step search/,
    )
    expect(() => assertCanContinue('options.model', modelWith('native'), 'x')).not.toThrow()
  })
})
