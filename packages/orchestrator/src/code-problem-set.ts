// The JavaScript problems of @metagen/execution as an evaluation set: the prompt of a problem
// is `formatCodePrompt` (which the `tests` scorer recognises), and a problem is solved when the
// program in the output passes every one of its tests in the sandbox.
import type { TextOutput } from '@metagen/core'
import {
  type CodeProblem,
  codeProblems,
  extractCode,
  formatCodePrompt,
  runJavaScriptTests,
} from '@metagen/execution'
import type { EvaluateOptions, EvaluationProblem } from './evaluate.js'

/** The `answer` every code problem expects (shown in reports; correctness runs the tests). */
export const codeProblemExpectedAnswer = 'passes every test'

/** An evaluation set: problems plus the prompt format and correctness rule that go with them. */
export interface EvaluationProblemSet {
  problems: EvaluationProblem[]
  formatPrompt: NonNullable<EvaluateOptions['formatPrompt']>
  isCorrect: NonNullable<EvaluateOptions['isCorrect']>
}

/**
 * `problems` (default: every problem of `codeProblems`) as an evaluation set: each problem's
 * `question` is its full prompt (`formatCodePrompt`, tests shown), `formatPrompt` is the
 * identity, and `isCorrect` extracts the program of the output (`extractCode`) and runs it
 * against the problem's tests with the sandbox's default limits: correct when all pass.
 */
export function codeProblemSet(
  problems: readonly CodeProblem[] = codeProblems,
): EvaluationProblemSet {
  const byId = new Map(problems.map((problem) => [problem.id, problem]))
  return {
    problems: problems.map((problem) => ({
      id: problem.id,
      question: formatCodePrompt(problem),
      answer: codeProblemExpectedAnswer,
    })),
    formatPrompt: (question) => question,
    isCorrect: async (problem: EvaluationProblem, output: TextOutput) => {
      const code = byId.get(problem.id)
      if (!code) return false
      const result = await runJavaScriptTests({ code: extractCode(output.text), tests: code.tests })
      return result.total > 0 && result.passed === result.total
    },
  }
}
