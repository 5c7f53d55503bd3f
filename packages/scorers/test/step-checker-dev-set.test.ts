// The tinymath step checker on the shipped dev set: every gold solution is accepted, and a
// corrupted step is rejected in each problem (both as outcome and at the right process step).
import { formatPrompt, formatSolution, loadDevSet, type TinymathProblem } from '@metagen/tinymath'
import { beforeAll, describe, expect, it } from 'vitest'
import { corruptTinymathSolution } from '../src/corrupt-tinymath-solution.js'
import { checkTinymathSolution, createTinymathStepChecker } from '../src/tinymath-step-checker.js'

const deltas = [1, -1, 2, -3, 5, 7, -9, 10]

describe('tinymath step checker on the dev set (300 problems)', () => {
  let problems: TinymathProblem[]
  beforeAll(async () => {
    problems = await loadDevSet()
  })

  it('accepts every gold solution, with every step scored 1', async () => {
    expect(problems).toHaveLength(300)
    const checker = createTinymathStepChecker()
    const { scores } = await checker.score(
      problems.map((problem) => ({
        prompt: formatPrompt(problem.question),
        output: formatSolution(problem),
      })),
    )
    const rejected = problems.filter((_, index) => scores[index]?.value !== 1)
    expect(rejected.map((problem) => problem.id)).toEqual([])
    scores.forEach((score, index) => {
      expect(score.steps?.map((step) => step.score)).toEqual(
        (problems[index] as TinymathProblem).steps.map(() => 1),
      )
    })
  })

  it('rejects a corrupted step in each problem and marks the process from that step on', async () => {
    const checker = createTinymathStepChecker()
    for (const propagate of [true, false]) {
      const corrupted = problems.map((problem, index) => {
        const stepIndex = index % problem.steps.length
        const delta = deltas[index % deltas.length] as number
        return {
          stepIndex,
          ...corruptTinymathSolution({ steps: problem.steps, stepIndex, delta, propagate }),
        }
      })
      const { scores } = await checker.score(
        problems.map((problem, index) => ({
          prompt: formatPrompt(problem.question),
          output: (corrupted[index] as { text: string }).text,
        })),
      )
      scores.forEach((score, index) => {
        const { stepIndex } = corrupted[index] as { stepIndex: number }
        const problem = problems[index] as TinymathProblem
        expect(score.value, problem.id).toBe(0)
        expect(score.steps?.map((step) => step.score)).toEqual(
          problem.steps.map((_, step) => (step < stepIndex ? 1 : 0)),
        )
      })
    }
  })

  it('checks partial solutions step by step, as step-level search needs', () => {
    const problem = problems.find((candidate) => candidate.steps.length >= 3) as TinymathProblem
    const steps = problem.steps.map((step) => `${step}.`)
    for (let count = 1; count <= steps.length; count++) {
      const output = ` ${steps.slice(0, count).join(' ')}`
      const check = checkTinymathSolution({ question: problem.question, output, partial: true })
      expect(check.correct).toBe(true)
      expect(check.steps).toHaveLength(count)
      // Unfinished: the same text is not a finished solution.
      expect(checkTinymathSolution({ question: problem.question, output }).correct).toBe(false)
    }
  })
})
