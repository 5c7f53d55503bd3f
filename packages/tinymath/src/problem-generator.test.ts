import { createRng } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { extractAnswer, formatSolution, stepPattern } from './format.js'
import { applyOperation, generateProblem, generateProblems } from './problem-generator.js'

describe('generateProblems', () => {
  it('is reproducible from its seed and balanced over 1..5 operations', () => {
    const first = generateProblems(7, 50)
    expect(generateProblems(7, 50)).toEqual(first)
    expect(generateProblems(8, 50)).not.toEqual(first)
    expect(first.map((problem) => problem.n_ops).slice(0, 5)).toEqual([1, 2, 3, 4, 5])
    expect(new Set(first.map((problem) => problem.question)).size).toBe(50)
  })

  it('writes solutions whose steps are right and chain into the answer', () => {
    for (const problem of generateProblems(3, 200)) {
      expect(problem.steps.length).toBeGreaterThanOrEqual(problem.n_ops)
      expect(problem.steps.length).toBeLessThanOrEqual(2 * problem.n_ops)
      for (const step of problem.steps) {
        const match = stepPattern.exec(step)
        expect(match, step).not.toBeNull()
        const [, a, operator, b, c] = match as RegExpExecArray
        expect(applyOperation(Number(a), operator as string, Number(b)).result).toBe(Number(c))
      }
      expect(Number(extractAnswer(formatSolution(problem)))).toBe(problem.answer)
      expect(problem.question).toMatch(
        /^[A-Z][a-z]+ has \d+ [a-z]+\..* How many [a-z]+ does [A-Z][a-z]+ have now\?$/,
      )
    }
  })

  it('rejects bad arguments', () => {
    expect(() => generateProblems(1, 0)).toThrow(/count/)
    expect(() => generateProblem(createRng(1), { operations: 0 })).toThrow(/operations/)
    expect(() => generateProblem(createRng(1), { operations: 10 })).toThrow(/operations/)
  })
})
