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
})
