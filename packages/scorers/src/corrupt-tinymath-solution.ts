// Deliberately wrong tinymath solutions, for measuring verifiers: one step's result is changed
// and, optionally, the error is carried through the later steps and the answer.
import { InvalidArgumentError } from '@metagen/core'
import { applyTinymathOperation } from './tinymath-step-checker.js'

/** Options of {@link corruptTinymathSolution}. */
export interface CorruptTinymathSolutionOptions {
  /** Gold steps, each `a op b=c` without the period. */
  steps: readonly string[]
  /** Which step to corrupt, 0-based. */
  stepIndex: number
  /** Added to that step's result, a non-zero integer. */
  delta: number
  /**
   * Carry the wrong result through the later steps (they stay arithmetically right on the wrong
   * value, as a model that slipped once would write them) and into the answer (default true).
   * When false only the one step and, if it is the last, the answer change.
   */
  propagate?: boolean
}

/** A corrupted solution. */
export interface CorruptedTinymathSolution {
  /** The steps after corruption, `a op b=c` without periods. */
  steps: string[]
  /** The stated final answer (the last step's result). */
  answer: number
  /** The solution text in the tinymath format: ` s1. s2. The answer is N.` */
  text: string
}

const stepPattern = /^(-?\d+)([+\-*/])(-?\d+)=(-?\d+)$/

/**
 * Changes the result of `steps[stepIndex]` by `delta` (so that step's arithmetic is wrong) and
 * returns the whole solution text. Throws {@link InvalidArgumentError} on a step that does not
 * parse, an index out of range or a zero delta.
 */
export function corruptTinymathSolution(
  options: CorruptTinymathSolutionOptions,
): CorruptedTinymathSolution {
  const { steps, stepIndex, delta } = options
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex >= steps.length) {
    throw new InvalidArgumentError({
      argument: 'stepIndex',
      expected: `an integer in [0, ${steps.length - 1}]`,
      received: stepIndex,
    })
  }
  if (!Number.isInteger(delta) || delta === 0) {
    throw new InvalidArgumentError({
      argument: 'delta',
      expected: 'a non-zero integer',
      received: delta,
    })
  }
  const propagate = options.propagate ?? true
  const parsed = steps.map((step, index) => {
    const match = stepPattern.exec(step)
    if (!match) {
      throw new InvalidArgumentError({
        argument: `steps[${index}]`,
        expected: 'a op b=c',
        received: step,
      })
    }
    return { a: Number(match[1]), op: match[2] as string, b: Number(match[3]), c: Number(match[4]) }
  })
  const replaced = new Map<number, number>()
  const output = parsed.map((step, index) => {
    if (index < stepIndex) return step
    if (index === stepIndex) {
      const c = step.c + delta
      replaced.set(step.c, c)
      return { ...step, c }
    }
    if (!propagate) return step
    const a = replaced.get(step.a) ?? step.a
    const b = replaced.get(step.b) ?? step.b
    const c = applyTinymathOperation(a, step.op, b) ?? step.c
    if (c !== step.c) replaced.set(step.c, c)
    return { a, op: step.op, b, c }
  })
  const texts = output.map((step) => `${step.a}${step.op}${step.b}=${step.c}`)
  const answer = (output.at(-1) as { c: number }).c
  return {
    steps: texts,
    answer,
    text: ` ${texts.map((step) => `${step}.`).join(' ')} The answer is ${answer}.`,
  }
}
