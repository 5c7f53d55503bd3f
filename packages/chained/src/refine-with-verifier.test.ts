import {
  BudgetExhaustedError,
  createBudgetTracker,
  createCollectingTraceSink,
  createRunContext,
  InvalidArgumentError,
} from '@metagen/core'
import { createArithmeticCheckerScorer, createArithmeticSolverModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { refineWithVerifier } from './refine-with-verifier.js'

const operations = [
  { left: 4, operator: '*', right: 17 },
  { left: 'previous', operator: '+', right: 23 },
  { left: 'previous', operator: '-', right: 10 },
] as const
const prompt = 'Q: Ava has 23 apples. She buys 4 bags with 17 apples each. She loses 10.\nA:'
const extractAnswer = (text: string) => /The answer is (-?\d+)\./.exec(text)?.[1]

describe('refineWithVerifier', () => {
  it('continues from the steps before the first wrong one until the verifier accepts', async () => {
    // Greedy slips on step 2; sampled continuations (temperature > 0) are right.
    const model = createArithmeticSolverModel({
      operations,
      slip: (index, request) => (index === 1 && (request.temperature ?? 1) === 0 ? 5 : 0),
    })
    const scorer = createArithmeticCheckerScorer()
    const trace = createCollectingTraceSink()
    const generator = refineWithVerifier({
      model,
      scorer,
      request: { temperature: 0 },
      extractAnswer,
    })
    const { output, usage } = await generator.run({ prompt }, createRunContext({ trace }))
    expect(output.attempts.map((attempt) => attempt.text)).toEqual([
      ' 4*17=68. 68+23=96. 96-10=86. The answer is 86.',
      ' 4*17=68. 68+23=91. 91-10=81. The answer is 81.',
    ])
    expect(output.attempts[0]?.feedback).toBe('Step 2 ("68+23=96.") is wrong.')
    expect(output.answer).toBe('81')
    expect(output.stopReason).toBe('critic-done')
    expect(output.rounds).toBe(1)
    // The revision is a continuation of the prompt plus the correct step, sampled.
    expect(model.requests[1]?.prompt).toBe(`${prompt} 4*17=68.`)
    expect(model.requests[1]?.temperature).toBe(1)
    expect(usage.calls).toBe(2)
    expect(scorer.calls).toBe(2)
    const rounds = trace.events.filter((event) => event.name === 'refine-with-verifier-round')
    expect(rounds.map((event) => [event.kind, event.data?.round])).toEqual([
      ['span-start', 0],
      ['span-end', 0],
      ['span-start', 1],
      ['span-end', 1],
    ])
    expect(rounds[1]?.usage?.calls).toBe(1)
  })

  it('always stops at the round limit and traces every round', async () => {
    const model = createArithmeticSolverModel({
      operations,
      slip: (index) => (index === 2 ? 1 : 0),
    })
    const trace = createCollectingTraceSink()
    const generator = refineWithVerifier({
      model,
      scorer: createArithmeticCheckerScorer(),
      maxRounds: 3,
      extractAnswer,
    })
    const { output, usage } = await generator.run({ prompt }, createRunContext({ trace }))
    expect(output.stopReason).toBe('max-rounds')
    expect(output.rounds).toBe(3)
    expect(output.attempts).toHaveLength(4)
    expect(usage.calls).toBe(4)
    const ends = trace.events.filter(
      (event) => event.kind === 'span-end' && event.name === 'refine-with-verifier-round',
    )
    expect(ends.map((event) => event.data?.round)).toEqual([0, 1, 2, 3])
    expect(ends.every((event) => event.data?.feedback === 'Step 3 ("91-10=82.") is wrong.')).toBe(
      true,
    )
    // Model calls of each round sit inside that round's span.
    const roundIds = new Set(ends.map((event) => event.id))
    const calls = trace.events.filter((event) => event.kind === 'model-call')
    const spans = new Map(
      trace.events.filter((event) => event.kind === 'span-start').map((e) => [e.id, e.parentId]),
    )
    for (const call of calls) expect(roundIds.has(spans.get(call.parentId ?? '') ?? '')).toBe(true)
  })

  it('keeps earlier failed attempts in the prompt with memory (Reflexion)', async () => {
    const model = createArithmeticSolverModel({
      operations,
      slip: (index) => (index === 0 ? 1 : 0),
    })
    const generator = refineWithVerifier({
      model,
      scorer: createArithmeticCheckerScorer(),
      maxRounds: 2,
      memory: 1,
    })
    await generator.run({ prompt }, createRunContext())
    expect(model.requests[1]?.prompt).toBe(
      `Earlier wrong attempts:\nAttempt 1: 4*17=69. 69+23=92. 92-10=82. The answer is 82.\nFeedback: Step 1 ("4*17=69.") is wrong.\n\n${prompt}`,
    )
  })

  it('returns the best attempt so far when the budget runs out', async () => {
    const model = createArithmeticSolverModel({
      operations,
      slip: (index) => (index === 2 ? 1 : 0),
    })
    const generator = refineWithVerifier({ model, scorer: createArithmeticCheckerScorer() })
    const result = await generator.run({ prompt }, createRunContext({ budget: { calls: 2 } }))
    expect(result.stoppedBy).toBe('budget')
    expect(result.output.stopReason).toBe('budget')
    expect(result.output.attempts).toHaveLength(2)
    expect(result.usage.calls).toBe(2)
    const spent = createBudgetTracker({ calls: 1 })
    spent.charge({ inputTokens: 0, outputTokens: 0, calls: 1 })
    // Nothing to return when not even the first attempt can be made.
    await expect(
      generator.run({ prompt }, createRunContext({ budget: spent })),
    ).rejects.toBeInstanceOf(BudgetExhaustedError)
  })

  it('uses a given reviser (e.g. tool use) for the revisions', async () => {
    const model = createArithmeticSolverModel({
      operations,
      slip: (index) => (index === 1 ? 5 : 0),
    })
    const revisionPrompts: string[] = []
    const generator = refineWithVerifier({
      model,
      scorer: createArithmeticCheckerScorer(),
      maxRounds: 1,
      reviser: {
        name: 'fixed-reviser',
        async run(input) {
          revisionPrompts.push(input.prompt ?? '')
          return {
            output: { text: ' 68+23=91. 91-10=81. The answer is 81.' },
            usage: { inputTokens: 0, outputTokens: 0, calls: 0 },
          }
        },
      },
    })
    const { output } = await generator.run({ prompt }, createRunContext())
    expect(revisionPrompts).toEqual([`${prompt} 4*17=68.`])
    expect(output.text).toBe(' 4*17=68. 68+23=91. 91-10=81. The answer is 81.')
    expect(output.stopReason).toBe('critic-done')
  })

  it('rejects bad options', () => {
    const model = createArithmeticSolverModel({ operations, slip: () => 0 })
    const scorer = createArithmeticCheckerScorer()
    expect(() => refineWithVerifier({ model, scorer, maxRounds: -1 })).toThrow(InvalidArgumentError)
    expect(() => refineWithVerifier({ model, scorer, threshold: 2 })).toThrow(/options\.threshold/)
    expect(() => refineWithVerifier({ model, scorer, memory: 1.5 })).toThrow(/options\.memory/)
  })
})
