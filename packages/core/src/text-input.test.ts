import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from './errors.js'
import { assertTextInput, programRepairInput, questionText, requestForInput } from './text-input.js'

describe('questionText', () => {
  it('is the prompt, else the last user message, else the last message', () => {
    expect(questionText({ prompt: 'Q: 2+2?\nA:' })).toBe('Q: 2+2?\nA:')
    expect(
      questionText({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'First?' },
          { role: 'assistant', content: 'One.' },
          { role: 'user', content: 'Second?' },
          { role: 'assistant', content: 'Tw' },
        ],
      }),
    ).toBe('Second?')
    expect(questionText({ messages: [{ role: 'system', content: 'Only this.' }] })).toBe(
      'Only this.',
    )
    expect(questionText({ messages: [] })).toBe('')
  })
})

describe('requestForInput and assertTextInput', () => {
  it('layers defaults, the input request and options, then the prompt or messages', () => {
    const input = { prompt: 'p', request: { maxTokens: 5, temperature: 0.5 } }
    expect(requestForInput(input, { temperature: 0 }, { maxTokens: 9, stop: ['.'] })).toEqual({
      prompt: 'p',
      maxTokens: 5,
      temperature: 0,
      stop: ['.'],
    })
    const messages = [{ role: 'user' as const, content: 'hi' }]
    expect(requestForInput({ messages })).toEqual({ messages })
  })

  it('accepts exactly one of prompt and messages', () => {
    expect(() => assertTextInput('input', { prompt: '' })).not.toThrow()
    for (const bad of [undefined, {}, { messages: [] }, { prompt: 'p', messages: [{}] }, 'p']) {
      expect(() => assertTextInput('input', bad)).toThrow(InvalidArgumentError)
    }
    expect(() => assertTextInput('step.input', {})).toThrow(/step\.input/)
  })
})

describe('programRepairInput', () => {
  const feedback = 'add(2, 3): expected 5, got -1'
  const instruction = 'Write the fix.'

  it('turns a prompt input into one repair prompt and keeps its request', () => {
    const repaired = programRepairInput(
      { prompt: 'Write add(a, b).', request: { temperature: 0.5 } },
      '  function add(a, b) { return a - b }\n',
      feedback,
      instruction,
    )
    expect(repaired).toEqual({
      request: { temperature: 0.5 },
      prompt:
        'Task:\nWrite add(a, b).\n\nYour code:\nfunction add(a, b) { return a - b }\n\n' +
        `Running the code on the tests gave:\n${feedback}\n\n${instruction}\n\nCorrected code:\n`,
    })
  })

  it('continues a chat with the program as the assistant turn and the feedback as the next user turn', () => {
    const messages = [{ role: 'user' as const, content: 'Write add(a, b).' }]
    const repaired = programRepairInput({ messages }, 'return a - b', feedback, instruction)
    expect(repaired.prompt).toBeUndefined()
    expect(repaired.messages).toEqual([
      ...messages,
      { role: 'assistant', content: 'return a - b' },
      {
        role: 'user',
        content: `Running the code on the tests gave:\n${feedback}\n\n${instruction}`,
      },
    ])
    expect(messages).toHaveLength(1)
  })
})
