import { describe, expect, it } from 'vitest'
import { createRunContext } from '../run-context.js'
import { createFakeGenerator } from './fake-generator.js'
import { createFakeLanguageModel } from './fake-language-model.js'

describe('createFakeGenerator', () => {
  it('calls the model in sequence through callModel and sums the usage', async () => {
    const model = createFakeLanguageModel({ reply: ({ callIndex }) => `call ${callIndex}` })
    const generator = createFakeGenerator({ model, calls: 3 })
    const context = createRunContext({ seed: 1, budget: { calls: 5 } })
    const { output, usage } = await generator.run({ prompt: 'a b' }, context)
    expect(output).toEqual({ text: 'call 2' })
    expect(usage).toEqual({ inputTokens: 6, outputTokens: 6, calls: 3 })
    expect(context.budget.spent.calls).toBe(3)
    expect(model.requests.every((request) => request.n === 1 && request.maxTokens === 16)).toBe(
      true,
    )
    expect(() => createFakeGenerator({ model, calls: 0 })).toThrow(/options\.calls/)
  })
})
