import { createRunContext } from '@metagen/core'
import { createArithmeticSolverModel, createFakeLanguageModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { chainOfThought } from './chain-of-thought.js'

const extractAnswer = (text: string) => /The answer is (-?\d+)\./.exec(text)?.[1]

describe('chainOfThought', () => {
  it('extracts the answer from the reasoning with one call', async () => {
    const model = createArithmeticSolverModel({
      operations: [{ left: 2, operator: '+', right: 3 }],
      slip: () => 0,
    })
    const { output, usage } = await chainOfThought({ model, extractAnswer }).run(
      { prompt: 'Q: x\nA:' },
      createRunContext(),
    )
    expect(output).toEqual({
      text: ' 2+3=5. The answer is 5.',
      finishReason: 'stop',
      answer: '5',
      answerSource: 'reasoning',
    })
    expect(usage.calls).toBe(1)
  })

  it('asks for the final answer after the reasoning when the reasoning has none', async () => {
    const model = createFakeLanguageModel({
      provider: 'test',
      modelId: 'reasoner',
      tokenUnit: 'character',
      capabilities: { nativeN: false, chat: false },
      reply: ({ prompt }) =>
        prompt.endsWith('Therefore the answer is')
          ? ' 12.\nMore text'
          : ' Three boxes of four make twelve.',
    })
    const generator = chainOfThought({
      model,
      extractAnswer: (text) => /answer is (\d+)/.exec(text)?.[1],
      reasoningPrefix: " Let's think step by step.",
      answerPrompt: ' Therefore the answer is',
    })
    const { output, usage } = await generator.run({ prompt: 'How many?' }, createRunContext())
    expect(output.answer).toBe('12')
    expect(output.answerSource).toBe('answer-prompt')
    expect(output.text).toBe(
      " Let's think step by step. Three boxes of four make twelve. Therefore the answer is 12.",
    )
    expect(model.requests[1]?.prompt).toBe(
      "How many? Let's think step by step. Three boxes of four make twelve. Therefore the answer is",
    )
    expect(usage.calls).toBe(2)
  })

  it('sends the answer prompt as a trailing assistant message on an assistant-prefill chat model', async () => {
    const model = createFakeLanguageModel({
      tokenUnit: 'character',
      capabilities: { continuation: 'assistant-prefill' },
      reply: ({ request }) =>
        request.messages?.at(-1)?.role === 'assistant' ? ' 12.' : ' Twelve boxes.',
    })
    const generator = chainOfThought({
      model,
      extractAnswer: (text) => /answer is (\d+)/.exec(text)?.[1],
      answerPrompt: ' So the answer is',
    })
    const { output } = await generator.run({ prompt: 'How many?' }, createRunContext())
    expect(output.answer).toBe('12')
    expect(model.requests[0]).toMatchObject({ prompt: 'How many?' })
    expect(model.requests[1]?.messages).toEqual([
      { role: 'user', content: 'How many?' },
      { role: 'assistant', content: ' Twelve boxes. So the answer is' },
    ])
  })

  it('refuses a model that cannot continue when an answer prompt or reasoning prefix is given', () => {
    const model = createFakeLanguageModel({ reply: 'x', capabilities: { continuation: 'none' } })
    expect(() => chainOfThought({ model, extractAnswer, answerPrompt: ' The answer is' })).toThrow(
      /Invalid argument options\.model: .*the answer prompt.*completion model/,
    )
    expect(() => chainOfThought({ model, extractAnswer, reasoningPrefix: ' Think.' })).toThrow(
      /Invalid argument options\.model: .*the reasoning prefix/,
    )
    expect(() => chainOfThought({ model, extractAnswer })).not.toThrow()
  })

  it('rejects a missing extractor', () => {
    const model = createFakeLanguageModel({ reply: 'unused' })
    expect(() =>
      chainOfThought({ model, extractAnswer: undefined as unknown as () => undefined }),
    ).toThrow(/options\.extractAnswer/)
  })
})
