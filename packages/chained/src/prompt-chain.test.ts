import {
  createCollectingTraceSink,
  createRunContext,
  InvalidArgumentError,
  languageModelGenerator,
  MetagenError,
  type TextInput,
} from '@metagen/core'
import { createArithmeticSolverModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { ChainStepError, promptChain } from './prompt-chain.js'

const model = createArithmeticSolverModel({
  operations: [
    { left: 6, operator: '*', right: 7 },
    { left: 'previous', operator: '-', right: 2 },
  ],
  slip: () => 0,
})
const extractAnswer = (text: string) => /The answer is (-?\d+)\./.exec(text)?.[1]

describe('promptChain', () => {
  it('feeds each parsed step value into later templates and traces per-step usage', async () => {
    const generate = languageModelGenerator({ model, request: { temperature: 0 } })
    const chain = promptChain<{ question: string }>({ name: 'solve-then-check' })
      .step('solve', {
        template: ({ input }) => ({ prompt: `Q: ${input.question}\nA:` }),
        generator: generate,
        parse: (output) => Number(extractAnswer(output.text)),
      })
      .step('check', {
        // `steps.solve` is typed as number here.
        template: ({ steps }) => ({ prompt: `Q: check ${steps.solve.toFixed(0)}\nA: 6*7=42.` }),
        generator: generate,
        parse: (output, { steps }) => ({
          agrees: Number(extractAnswer(output.text)) === steps.solve,
        }),
      })
      .output(({ steps }) => ({
        text: String(steps.solve),
        answer: String(steps.solve),
        ...steps.check,
      }))
    const trace = createCollectingTraceSink()
    const { output, usage } = await chain.run({ question: 'x' }, createRunContext({ trace }))
    expect(output).toEqual({ text: '40', answer: '40', agrees: true })
    expect(usage.calls).toBe(2)
    expect(model.requests.at(-1)?.prompt).toBe('Q: check 40\nA: 6*7=42.')
    const stepEnds = trace.events.filter((event) => event.kind === 'span-end')
    expect(stepEnds.map((event) => event.usage?.calls)).toEqual([1, 1])
    const stepStarts = trace.events.filter((event) => event.kind === 'span-start')
    expect(stepStarts.map((event) => event.data?.step)).toEqual(['solve', 'check'])
    expect(stepEnds[0]?.usage?.outputTokens).toBe(' 6*7=42. 42-2=40. The answer is 40.'.length)
  })

  it('names the step whose parser fails', async () => {
    const chain = promptChain()
      .step('first', {
        template: ({ input }: { input: TextInput }) => input,
        generator: languageModelGenerator({ model }),
        parse: () => {
          throw new Error('no number')
        },
      })
      .output(() => ({ text: '' }))
    const error = await chain.run({ prompt: 'Q: x\nA:' }, createRunContext()).catch((e) => e)
    expect(error).toBeInstanceOf(ChainStepError)
    expect(ChainStepError.isInstance(error)).toBe(true)
    expect(MetagenError.isInstance(error)).toBe(true)
    expect(ChainStepError.isInstance(new MetagenError('other'))).toBe(false)
    expect(error.step).toBe('first')
    expect(error.message).toContain('no number')
  })

  it('rejects duplicate step names and empty chains', () => {
    const step = { template: () => ({ prompt: 'p' }), generator: languageModelGenerator({ model }) }
    expect(() => promptChain().step('a', step).step('a', step)).toThrow(InvalidArgumentError)
    expect(() => promptChain().output(() => ({ text: '' }))).toThrow(/steps/)
  })
})
