import { createCollectingTraceSink, createRunContext, InvalidArgumentError } from '@metagen/core'
import { createArithmeticSolverModel, createFakeLanguageModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { calculatorTool, evaluateArithmetic } from './calculator-tool.js'
import { toolUse } from './tool-use.js'

const operations = [
  { left: 4, operator: '*', right: 17 },
  { left: 'previous', operator: '+', right: 23 },
] as const
const prompt = 'Q: Ava has 23 apples. She buys 4 bags with 17 apples each. How many?\nA:'

describe('calculatorTool', () => {
  it('computes integer arithmetic with floor division as the tinymath data', () => {
    expect(evaluateArithmetic(7n, '/', 2n)).toBe(3n)
    expect(evaluateArithmetic(-7n, '/', 2n)).toBe(-4n)
    expect(evaluateArithmetic(-7n, '/', 2n, 'trunc')).toBe(-3n)
    expect(evaluateArithmetic(1n, '/', 0n)).toBeUndefined()
    expect(evaluateArithmetic(123456789n, '*', 987654321n)).toBe(121932631112635269n)
  })

  it('matches only an expression right before the trigger', () => {
    const tool = calculatorTool()
    expect(tool.match(' 4*17')).toEqual({ input: '4*17', result: '68' })
    expect(tool.match(' 4*17=68. 68+23')).toEqual({ input: '68+23', result: '91' })
    expect(tool.match(' 91-100')).toEqual({ input: '91-100', result: '-9' })
    expect(tool.match(' The answer is')).toBeUndefined()
    expect(tool.match(' 5/0')).toBeUndefined()
  })

  it('rejects an unknown division mode', () => {
    expect(() => calculatorTool({ division: 'round' as 'floor' })).toThrow(InvalidArgumentError)
  })
})

describe('toolUse', () => {
  it('splices the true value at each `=` so the model continues after it', async () => {
    const model = createArithmeticSolverModel({
      operations,
      slip: (index) => (index === 0 ? 1 : 0), // the model gets 4*17 wrong on its own
    })
    const trace = createCollectingTraceSink()
    const generator = toolUse({ model, tools: [calculatorTool()] })
    const { output, usage } = await generator.run({ prompt }, createRunContext({ trace }))
    expect(output.text).toBe(' 4*17=68. 68+23=91. The answer is 91.')
    expect(output.toolCalls).toEqual([
      { tool: 'calculator', input: '4*17', result: '68', offset: 6 },
      { tool: 'calculator', input: '68+23', result: '91', offset: 16 },
    ])
    expect(usage.calls).toBe(3)
    expect(model.requests[1]?.prompt).toBe(`${prompt} 4*17=68`)
    expect(
      trace.events.filter((event) => event.kind === 'note').map((event) => event.data),
    ).toEqual([
      { tool: 'calculator', input: '4*17', result: '68', offset: 6 },
      { tool: 'calculator', input: '68+23', result: '91', offset: 16 },
    ])
  })

  it('continues by a trailing assistant message on an assistant-prefill chat model', async () => {
    const model = createArithmeticSolverModel({
      operations,
      model: { capabilities: { chat: true, continuation: 'assistant-prefill' } },
    })
    const { output } = await toolUse({ model, tools: [calculatorTool()] }).run(
      { prompt },
      createRunContext(),
    )
    expect(output.answer ?? output.text).toContain('91')
    expect(model.requests[0]).toMatchObject({ prompt })
    expect(model.requests[1]?.messages).toEqual([
      { role: 'user', content: prompt },
      { role: 'assistant', content: ' 4*17=68' },
    ])
  })

  it('refuses a model that cannot continue a partial turn (OpenAI chat)', () => {
    const model = createArithmeticSolverModel({
      operations,
      model: { capabilities: { chat: true, continuation: 'none' } },
    })
    expect(() => toolUse({ model, tools: [calculatorTool()] })).toThrow(
      /Invalid argument options\.model: .*tool use.*completion model/,
    )
  })

  it('without tools the same model is wrong (the baseline the tool fixes)', async () => {
    const model = createArithmeticSolverModel({
      operations,
      slip: (index) => (index === 0 ? 1 : 0),
    })
    const result = await model.generate({ prompt })
    expect(result.outputs[0]?.text).toBe(' 4*17=69. 69+23=92. The answer is 92.')
  })

  it('bounds the whole output by request.maxTokens and the calls by maxToolCalls', async () => {
    const model = createArithmeticSolverModel({ operations, slip: () => 1 })
    const limited = toolUse({ model, tools: [calculatorTool()], request: { maxTokens: 12 } })
    const short = await limited.run({ prompt }, createRunContext())
    expect(short.usage.outputTokens).toBeLessThanOrEqual(12)
    expect(short.output.finishReason).toBe('length')

    const once = toolUse({ model, tools: [calculatorTool()], maxToolCalls: 1 })
    const { output } = await once.run({ prompt }, createRunContext())
    expect(output.toolCalls).toHaveLength(1)
    expect(output.text).toBe(' 4*17=68. 68+23=92. The answer is 92.')
  })

  it('makes no tool call beyond maxToolCalls, even when the model stops right before a trigger', async () => {
    // the model ends its text (end-of-text, not a stop sequence) where a call would match
    const model = createFakeLanguageModel({ reply: ' 4*17', tokenUnit: 'character' })
    const none = toolUse({ model, tools: [calculatorTool()], maxToolCalls: 0 })
    const { output } = await none.run({ prompt }, createRunContext())
    expect(output.toolCalls).toEqual([])
    expect(output.text).toBe(' 4*17')
    // with calls allowed, the same text gets the tool's result spliced in
    const one = toolUse({ model, tools: [calculatorTool()], maxToolCalls: 1 })
    const called = await one.run({ prompt }, createRunContext())
    expect(called.output.toolCalls).toHaveLength(1)
    expect(called.output.text.startsWith(' 4*17=68')).toBe(true)
  })

  it('rejects bad options with errors naming the argument', () => {
    const model = createArithmeticSolverModel({ operations, slip: () => 0 })
    expect(() => toolUse({ model, tools: [] })).toThrow(/options\.tools/)
    expect(() => toolUse({ model, tools: [calculatorTool(), calculatorTool()] })).toThrow(
      /options\.tools\[1\]\.trigger/,
    )
    expect(() => toolUse({ model, tools: [calculatorTool()], maxToolCalls: -1 })).toThrow(
      /options\.maxToolCalls/,
    )
  })
})
