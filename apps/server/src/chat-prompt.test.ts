import { InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { chatMessagesToPrompt } from './chat-prompt.js'

describe('chatMessagesToPrompt', () => {
  it('wraps a bare question in the tinymath format', () => {
    expect(chatMessagesToPrompt([{ role: 'user', content: '  What is 2 + 3?  ' }])).toBe(
      'Q: What is 2 + 3?\nA:',
    )
  })

  it('joins several user messages and text parts with newlines', () => {
    expect(
      chatMessagesToPrompt([
        { role: 'user', content: 'Tom has 3 apples.' },
        { role: 'user', content: [{ type: 'text', text: 'How many now?' }] },
      ]),
    ).toBe('Q: Tom has 3 apples.\nHow many now?\nA:')
  })

  it('keeps a prompt that is already in the Q:/A: format', () => {
    expect(chatMessagesToPrompt([{ role: 'user', content: 'Q: What is 1 + 1?\nA:' }])).toBe(
      'Q: What is 1 + 1?\nA:',
    )
    expect(chatMessagesToPrompt([{ role: 'user', content: 'Q: What is 1 + 1?' }])).toBe(
      'Q: What is 1 + 1?\nA:',
    )
  })

  it('rejects other roles, empty content and non-arrays, naming the field', () => {
    expect(() =>
      chatMessagesToPrompt([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is 1 + 1?' },
      ]),
    ).toThrow(/messages\[0\]\.role/)
    expect(() => chatMessagesToPrompt([{ role: 'user', content: '   ' }])).toThrow(
      InvalidArgumentError,
    )
    expect(() => chatMessagesToPrompt([])).toThrow(/Invalid argument messages/)
    expect(() => chatMessagesToPrompt([{ role: 'user', content: 42 }])).toThrow(
      /messages\[0\]\.content/,
    )
  })

  it('appends a final assistant message to the prompt with continueFinalMessage', () => {
    const messages = [
      { role: 'user', content: 'What is 4 * 17?' },
      { role: 'assistant', content: ' 4*17=68.' },
    ]
    expect(chatMessagesToPrompt(messages, undefined, { continueFinalMessage: true })).toBe(
      'Q: What is 4 * 17?\nA: 4*17=68.',
    )
    expect(() => chatMessagesToPrompt(messages)).toThrow(
      /messages\[1\]\.role: expected "user", or a final "assistant" message with continue_final_message: true/,
    )
    expect(() =>
      chatMessagesToPrompt([{ role: 'user', content: 'What is 1 + 1?' }], undefined, {
        continueFinalMessage: true,
      }),
    ).toThrow(/continue_final_message/)
    // Only the final message may be an assistant message, after the question.
    expect(() =>
      chatMessagesToPrompt([{ role: 'assistant', content: ' 1+1=2.' }], undefined, {
        continueFinalMessage: true,
      }),
    ).toThrow(/messages\[0\]\.role/)
  })

  it('cuts a chat template after the final assistant content with continueFinalMessage', () => {
    const template = (messages: readonly { role: string; content: string }[]) =>
      `${messages.map((message) => `<|${message.role}|>${message.content}<|end|>`).join('')}<|assistant|>`
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello, I' },
    ]
    expect(chatMessagesToPrompt(messages, template)).toBe(
      '<|user|>Hi<|end|><|assistant|>Hello, I<|end|><|assistant|>',
    )
    expect(chatMessagesToPrompt(messages, template, { continueFinalMessage: true })).toBe(
      '<|user|>Hi<|end|><|assistant|>Hello, I',
    )
  })
})
