import { describe, expect, it } from 'vitest'
import {
  arithmeticContinuation,
  createArithmeticCheckerScorer,
  createArithmeticSolverModel,
  scoreArithmeticSolution,
} from './arithmetic-solver-model.js'

describe('the arithmetic solver and checker', () => {
  const operations = [
    { left: 4, operator: '*', right: 17 },
    { left: 'previous', operator: '+', right: 23 },
  ] as const

  it('writes the whole chain, with slips, and continues a partial solution', () => {
    expect(arithmeticContinuation({ operations }, '', {})).toBe(
      ' 4*17=68. 68+23=91. The answer is 91.',
    )
    expect(arithmeticContinuation({ operations, slip: (index) => index }, '', {})).toBe(
      ' 4*17=68. 68+23=92. The answer is 92.',
    )
    expect(arithmeticContinuation({ operations }, ' 4*17=', {})).toBe(
      '68. 68+23=91. The answer is 91.',
    )
    expect(arithmeticContinuation({ operations }, ' 4*17=70', {})).toBe(
      '. 70+23=93. The answer is 93.',
    )
  })

  it('answers after the last A: with stop and maxTokens in characters', async () => {
    const model = createArithmeticSolverModel({ operations: [...operations] })
    const result = await model.generate({ prompt: 'Q: ...\nA: 4*17=68.', stop: ['.'] })
    expect(result.outputs[0]).toEqual({ text: ' 68+23=91', finishReason: 'stop' })
    expect(result.usage).toEqual({ inputTokens: 18, outputTokens: 9, calls: 1 })
    expect(model.capabilities.chat).toBe(false)
    expect(() => createArithmeticSolverModel({ operations: [] })).toThrow(/operations/)
  })

  it('checks each step and the final answer', async () => {
    expect(scoreArithmeticSolution(' 4*17=68. 68+23=91. The answer is 91.')).toEqual({
      value: 1,
      steps: [
        { text: '4*17=68.', score: 1 },
        { text: '68+23=91.', score: 1 },
      ],
    })
    const wrong = scoreArithmeticSolution(' 4*17=69. 69+23=92. The answer is 92.')
    expect(wrong.value).toBe(0)
    expect(wrong.steps?.map((step) => step.score)).toEqual([0, 0])
    expect(scoreArithmeticSolution(' 4*17=68. The answer is 67.').value).toBe(0)
    const scorer = createArithmeticCheckerScorer()
    const result = await scorer.score([{ prompt: 'p', output: ' 8/3=2. The answer is 2.' }])
    expect(result.scores[0]?.value).toBe(1)
    expect(result.usage.calls).toBe(0)
    expect(scorer.kind).toEqual({ outcome: true, process: true })
  })
})
