import { BudgetExhaustedError, createRunContext, InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { createDigitStepsTokenModel } from './digit-steps.test-support.js'
import { createTokenModelStepProposer } from './token-model-step-proposer.js'

const prompt = 'Q: pick digits\nA:'

describe('createTokenModelStepProposer', () => {
  it('prefills the prompt once and feeds only the new tokens of forked children', async () => {
    const model = createDigitStepsTokenModel()
    const proposer = createTokenModelStepProposer({ model })
    const context = createRunContext({ seed: 7 })
    const { root, usage } = await proposer.start({ prompt }, context)
    expect(usage.inputTokens).toBe(prompt.length)
    expect(model.stats().tokensProcessed).toBe(prompt.length)

    const before = model.stats()
    const response = await proposer.propose([{ state: root, count: 5 }], context)
    const { results } = response
    const after = model.stats()
    const children = results[0]?.children ?? []
    expect(children).toHaveLength(5)
    for (const child of children) {
      expect(child.step).toMatch(/^ \d\.$/)
      expect(child.state.finished).toBe(false)
      expect(child.state.generatedTokens).toBe(3)
    }
    expect(after.forks - before.forks).toBe(5)
    // Each child's first token is drawn from the root's cached logits and its second and third
    // from the logits of feeding the one before; the closing '.' waits until the child is
    // expanded: 2 passes of 5 rows each, 10 tokens, and the 18-token prompt is never fed again.
    expect(after.tokensProcessed - before.tokensProcessed).toBe(10)
    expect(after.forwardPasses - before.forwardPasses).toBe(2)
    expect(response.usage.flops).toBe(2 * model.parameterCount * 10)

    // A grandchild extends its parent's cache, it does not recompute it: the parent's pending
    // '.' is fed once (one row), then each of the 2 grandchildren feeds 2 of its 3 tokens.
    const parent = children[0]?.state
    if (!parent) throw new Error('no child')
    const second = await proposer.propose([{ state: parent, count: 2 }], context)
    expect(second.results[0]?.children.map((child) => child.state.steps.length)).toEqual([2, 2])
    expect(model.stats().tokensProcessed - after.tokensProcessed).toBe(5)
    expect(model.stats().forwardPasses - after.forwardPasses).toBe(3)
    // Each grandchild's share holds half of the parent's feed.
    const shares = second.results[0]?.children.map((child) => child.usage.flops) ?? []
    expect(shares).toEqual([2.5, 2.5].map((tokens) => 2 * model.parameterCount * tokens))
    expect(second.usage.flops).toBe(2 * model.parameterCount * 5)

    // Expanded again (e.g. by a tree search), the parent is not fed twice.
    const third = await proposer.propose([{ state: parent, count: 1 }], context)
    expect(third.usage.flops).toBe(2 * model.parameterCount * 2)
  })

  it('feeds a state expanded by two concurrent calls once', async () => {
    const model = createDigitStepsTokenModel()
    const proposer = createTokenModelStepProposer({ model })
    const context = createRunContext({ seed: 5 })
    const { root } = await proposer.start({ prompt }, context)
    const first = await proposer.propose([{ state: root, count: 1 }], context)
    const parent = first.results[0]?.children[0]?.state
    if (!parent) throw new Error('no child')
    const before = model.stats().tokensProcessed
    const [a, b] = await Promise.all([
      proposer.propose([{ state: parent, count: 2 }], context),
      proposer.propose(
        [
          { state: parent, count: 1 },
          { state: parent, count: 1 },
        ],
        context,
      ),
    ])
    for (const response of [a, b]) {
      const children = response.results.flatMap((result) => result.children)
      expect(children).toHaveLength(2)
      for (const child of children) expect(child.state.steps.length).toBe(2)
    }
    // The parent's closing '.' once, then 2 of the 3 tokens of each of the 4 grandchildren.
    expect(model.stats().tokensProcessed - before).toBe(1 + 4 * 2)
    expect((a.usage.flops ?? 0) + (b.usage.flops ?? 0)).toBe(2 * model.parameterCount * 9)
  })

  it('finishes a solution at end-of-text and replays exactly for a fixed seed', async () => {
    const run = async () => {
      const model = createDigitStepsTokenModel(1)
      const proposer = createTokenModelStepProposer({ model })
      const context = createRunContext({ seed: 3 })
      const { root } = await proposer.start({ prompt }, context)
      const first = await proposer.propose([{ state: root, count: 3 }], context)
      const states = first.results[0]?.children.map((child) => child.state) ?? []
      const second = await proposer.propose(
        states.map((state) => ({ state, count: 1 })),
        context,
      )
      return { states, second, model }
    }
    const { states, second, model } = await run()
    for (const result of second.results) {
      const child = result.children[0]
      expect(child?.step).toBe('')
      expect(child?.state.finished).toBe(true)
      expect(child?.state.finishReason).toBe('stop')
    }
    // End-of-text is sampled from cached logits and never fed; finished states drop their caches.
    expect(second.usage.outputTokens).toBe(3)
    const again = await run()
    expect(again.states.map((state) => state.text)).toEqual(states.map((state) => state.text))
    expect(model.stats().liveSequences).toBe(4)
  })

  it('uses the completion test and caps steps at maxStepTokens', async () => {
    const model = createDigitStepsTokenModel()
    const complete = createTokenModelStepProposer({
      model,
      isComplete: (text) => text.includes('.'),
    })
    const context = createRunContext({ seed: 1 })
    const { root } = await complete.start({ prompt }, context)
    const done = await complete.propose([{ state: root, count: 2 }], context)
    expect(done.results[0]?.children.every((child) => child.state.finishReason === 'stop')).toBe(
      true,
    )

    const capped = createTokenModelStepProposer({ model, maxStepTokens: 2 })
    const start = await capped.start({ prompt }, context)
    const cut = await capped.propose([{ state: start.root, count: 2 }], context)
    for (const child of cut.results[0]?.children ?? []) {
      expect(child.state.finishReason).toBe('length')
      expect(child.state.generatedTokens).toBe(2)
    }
  })

  it('keeps samples inside the output-token budget and refuses when it is spent', async () => {
    const model = createDigitStepsTokenModel()
    const proposer = createTokenModelStepProposer({ model })
    const context = createRunContext({ seed: 1, budget: { outputTokens: 10 } })
    const { root } = await proposer.start({ prompt }, context)
    const response = await proposer.propose([{ state: root, count: 4 }], context)
    expect(response.usage.outputTokens).toBeLessThanOrEqual(10)
    expect(context.budget.spent.outputTokens).toBe(response.usage.outputTokens)
    // 10 tokens for 4 samples: 2 each, shorter than a 3-token step, so each is cut.
    expect(
      response.results[0]?.children.every((child) => child.state.finishReason === 'length'),
    ).toBe(true)
    await expect(proposer.propose([{ state: root, count: 3 }], context)).rejects.toBeInstanceOf(
      BudgetExhaustedError,
    )
  })

  it('rejects bad arguments with named errors', async () => {
    const model = createDigitStepsTokenModel()
    expect(() => createTokenModelStepProposer({ model, delimiter: '' })).toThrow(/delimiter/)
    expect(() => createTokenModelStepProposer({ model, maxStepTokens: 0 })).toThrow(/maxStepTokens/)
    expect(() => createTokenModelStepProposer({ model, temperature: -1 })).toThrow(/temperature/)
    const proposer = createTokenModelStepProposer({ model })
    const context = createRunContext()
    const { root } = await proposer.start({ prompt }, context)
    await expect(proposer.propose([{ state: root, count: 0 }], context)).rejects.toThrow(
      /requests\[0\]\.count/,
    )
    proposer.release(root)
    await expect(proposer.propose([{ state: root, count: 1 }], context)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
    await expect(proposer.start({ prompt: '' }, context)).rejects.toThrow(/input\.prompt/)
  })
})
