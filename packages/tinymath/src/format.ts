// The tinymath text format: prompt, solution, answer extraction and answer checking.
import { InvalidArgumentError } from '@metagen/core'

/** A tinymath problem as stored in the data sets. */
export interface TinymathProblem {
  /** Stable id, e.g. `1001-0`. */
  id: string
  /** The word problem. */
  question: string
  /** Gold solution steps, each `a op b=c` without the closing period. */
  steps: string[]
  /** The gold final answer. */
  answer: number
  /** Number of operations (1..5 in the dev set). */
  n_ops: number
}

/** The answer sentence's pattern: `The answer is N.` */
export const answerPattern = /The answer is (-?\d+)\./

/** The pattern of one solution step: `a op b=c`. */
export const stepPattern = /^\s*(-?\d+)\s*([+\-*/])\s*(-?\d+)\s*=\s*(-?\d+)\s*$/

/** The prompt for a question: `Q: {question}\nA:`. Throws on an empty question. */
export function formatPrompt(question: string): string {
  if (typeof question !== 'string' || question.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'question',
      expected: 'a non-empty question',
      received: question,
    })
  }
  return `Q: ${question.trim()}\nA:`
}

/** The gold solution text of a problem: ` 4*17=68. 23+68=91. The answer is 91.` */
export function formatSolution(problem: Pick<TinymathProblem, 'steps' | 'answer'>): string {
  return ` ${problem.steps.map((step) => `${step}.`).join(' ')} The answer is ${problem.answer}.`
}

/** The final answer of a solution text (the first `The answer is N.`), or undefined. */
export function extractAnswer(text: string): string | undefined {
  return answerPattern.exec(text)?.[1]
}

/** True when the solution's extracted answer equals `expected`. */
export function isCorrect(text: string, expected: number | string): boolean {
  const answer = extractAnswer(text)
  return answer !== undefined && Number(answer) === Number(expected)
}
