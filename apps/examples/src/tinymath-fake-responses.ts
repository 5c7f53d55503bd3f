// Scripted answers for the examples' local fake API servers (used when no API key is set): the
// gold tinymath solution of a dev question, or a plausibly wrong one (one step off by a small
// amount, carried through), chosen deterministically.
import { checkTinymathSolution, corruptTinymathSolution } from '@metagen/scorers'
import { formatSolution, type TinymathProblem } from '@metagen/tinymath'

/** Looks up dev problems by question text. */
export function indexProblems(problems: readonly TinymathProblem[]): Map<string, TinymathProblem> {
  return new Map(problems.map((problem) => [problem.question, problem]))
}

/** The gold solution, or with `wrong` a solution whose step `variant % steps` is off by 1..3. */
export function scriptedSolution(
  problem: TinymathProblem,
  wrong: boolean,
  variant: number,
): string {
  if (!wrong) return formatSolution(problem).trim()
  return corruptTinymathSolution({
    steps: problem.steps,
    stepIndex: variant % problem.steps.length,
    delta: 1 + (variant % 3),
  }).text.trim()
}

/** Feedback of a careful reviewer: `DONE`, or the first wrong step and its correct value. */
export function scriptedFeedback(question: string, attempt: string): string {
  const check = checkTinymathSolution({ question, output: attempt })
  if (check.correct) return 'DONE'
  const wrong = check.steps.find((step) => !step.correct)
  return wrong
    ? `The step "${wrong.text}" is wrong (${wrong.reason ?? 'recompute it'}).`
    : `The solution is malformed (${check.reason ?? 'no final answer'}).`
}
