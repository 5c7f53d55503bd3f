import { createRunContext, InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { createDigitStepsLanguageModel } from './digit-steps.test-support.js'
import { createLanguageModelStepProposer } from './language-model-step-proposer.js'

const prompt = 'Q: pick digits\nA:'

describe('createLanguageModelStepProposer', () => {
  it('sends prompt + partial solution, stops at the delimiter and appends it back', async () => {
    const model = createDigitStepsLanguageModel(2)
    const proposer = createLanguageModelStepProposer({ model, maxStepTokens: 8 })
    const context = createRunContext({ seed: 5 })
    const { root } = await proposer.start({ prompt }, context)
    const first = await proposer.propose([{ state: root, count: 3 }], context)
    expect(model.requests[0]).toMatchObject({ prompt, n: 3, stop: ['.'], maxTokens: 8 })
    const children = first.results[0]?.children ?? []
    expect(children).toHaveLength(3)
    for (const child of children) expect(child.step).toMatch(/^ \d\.$/)
    expect(first.usage.calls).toBe(1)
    expect(children.reduce((sum, child) => sum + child.usage.calls, 0)).toBe(1)
    expect(children.reduce((sum, child) => sum + child.usage.inputTokens, 0)).toBe(prompt.length)

    const parents = children.slice(0, 2).map((child) => child.state)
    await proposer.propose(
      parents.map((state) => ({ state, count: 1 })),
      context,
    )
    expect(model.requests.slice(1).map((request) => request.prompt)).toEqual(
      parents.map((state) => prompt + state.text),
    )
  })

  it('reads an empty stopped sample as the model ending the solution', async () => {
    const model = createDigitStepsLanguageModel(1)
    const proposer = createLanguageModelStepProposer({ model })
    const context = createRunContext({ seed: 2 })
    const { root } = await proposer.start({ prompt }, context)
    const [first] = (await proposer.propose([{ state: root, count: 1 }], context)).results
    const state = first?.children[0]?.state
    if (!state) throw new Error('no child')
    const [second] = (await proposer.propose([{ state, count: 2 }], context)).results
    for (const child of second?.children ?? []) {
      expect(child.step).toBe('')
      expect(child.state.text).toBe(state.text)
      expect(child.state.finishReason).toBe('stop')
    }
  })

  it('rejects states it did not make', async () => {
    const proposer = createLanguageModelStepProposer({ model: createDigitStepsLanguageModel() })
    const fake = {
      text: '',
      steps: [],
      finished: false,
      finishReason: undefined,
      generatedTokens: 0,
    }
    await expect(
      proposer.propose([{ state: fake, count: 1 }], createRunContext()),
    ).rejects.toBeInstanceOf(InvalidArgumentError)
  })
})
