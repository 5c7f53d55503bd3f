import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from './errors.js'
import type { LanguageModel } from './language-model.js'
import {
  byteBoundInputTokens,
  defaultPromptTokenOverhead,
  maxInputTokensOf,
  promptAsMessage,
} from './worst-case-usage.js'

describe('byteBoundInputTokens', () => {
  it('counts UTF-8 bytes plus the default 16 per message and 16 per request', () => {
    expect(defaultPromptTokenOverhead).toEqual({ perMessage: 16, perRequest: 16 })
    expect(byteBoundInputTokens({ prompt: 'Q: 2+3?' })).toBe(7 + 16)
    // 'é' is two bytes: a byte-level tokenizer may spend a token on each.
    expect(byteBoundInputTokens({ prompt: 'é' })).toBe(2 + 16)
    expect(
      byteBoundInputTokens({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
        ],
        n: 3,
      }),
    ).toBe(3 * (16 + 9 + 16 + 2 + 16))
  })

  it('uses the overhead a backend declares, and a schema or grammar costs its bytes', () => {
    const overhead = { perMessage: 4, perRequest: 3 }
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'hi' },
    ]
    expect(byteBoundInputTokens({ messages }, overhead)).toBe(3 + 9 + 4 + 2 + 4)
    const schema = { type: 'object' }
    expect(
      byteBoundInputTokens(
        { prompt: 'hi', responseFormat: { type: 'json_schema', schema } },
        overhead,
      ),
    ).toBe(3 + 2 + JSON.stringify(schema).length)
    expect(
      byteBoundInputTokens(
        { prompt: 'hi', responseFormat: { type: 'grammar', grammar: 'root ::= "a"' } },
        { perMessage: 0, perRequest: 0 },
      ),
    ).toBe(2 + 12)
  })

  it('counts a prompt sent as a chat message with its template tokens', () => {
    const request = { prompt: 'hi', n: 2, maxTokens: 5 }
    expect(promptAsMessage(request)).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
      n: 2,
      maxTokens: 5,
    })
    expect(byteBoundInputTokens(promptAsMessage(request), { perMessage: 4, perRequest: 3 })).toBe(
      2 * (3 + 2 + 4),
    )
    const chat = { messages: [{ role: 'user' as const, content: 'hi' }] }
    expect(promptAsMessage(chat)).toBe(chat)
  })

  it('rejects an overhead that is not two integers >= 0, naming the field', () => {
    expect(() => byteBoundInputTokens({ prompt: 'hi' }, { perMessage: -1, perRequest: 3 })).toThrow(
      /overhead\.perMessage: expected an integer >= 0/,
    )
    expect(() =>
      byteBoundInputTokens({ prompt: 'hi' }, { perMessage: 1, perRequest: 0.5 }),
    ).toThrow(InvalidArgumentError)
    expect(() => byteBoundInputTokens({ prompt: 'hi' }, null as never)).toThrow(
      /Invalid argument overhead/,
    )
  })

  it('maxInputTokensOf prefers the model’s own bound', () => {
    const model = { maxInputTokens: () => 7 } as unknown as LanguageModel
    expect(maxInputTokensOf(model, { prompt: 'a long prompt' })).toBe(7)
    expect(maxInputTokensOf({} as LanguageModel, { prompt: 'hi' })).toBe(2 + 16)
  })
})
