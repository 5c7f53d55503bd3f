// A scripted solver for unit tests of chained and refinement algorithms: a language model that
// works a fixed arithmetic chain in the tinymath text format (` 4*17=68. 23+68=91. The answer is
// 91.`), continuing whatever partial solution the prompt ends with and making the slips the test
// asks for, plus the matching process checker.
import { InvalidArgumentError } from '../errors.js'
import type { GenerateRequest } from '../language-model.js'
import type { Score } from '../scorer.js'
import {
  createFakeLanguageModel,
  type FakeLanguageModel,
  type FakeLanguageModelOptions,
} from './fake-language-model.js'
import { createFakeScorer, type FakeScorer } from './fake-scorer.js'

/** One operation of the scripted chain; `left: 'previous'` uses the result written last. */
export interface ArithmeticOperation {
  left: number | 'previous'
  operator: '+' | '-' | '*' | '/'
  right: number
}

/** Options of {@link createArithmeticSolverModel}. */
export interface ArithmeticSolverOptions {
  /** The chain the solver works, in order. */
  operations: readonly ArithmeticOperation[]
  /** Added to the true value of operation `index` when the solver computes it (its slip; default 0). */
  slip?: (index: number, request: GenerateRequest) => number
  /** Other options of the underlying fake model (tokens are characters by default). */
  model?: Omit<FakeLanguageModelOptions, 'reply'>
}

/** `left operator right` with integer division rounded down, as tinymath computes. */
export function computeArithmetic(left: number, operator: string, right: number): number {
  if (operator === '+') return left + right
  if (operator === '-') return left - right
  if (operator === '*') return left * right
  if (operator === '/') return Math.floor(left / right)
  throw new InvalidArgumentError({
    argument: 'operator',
    expected: '+, -, * or /',
    received: operator,
  })
}

const stepPattern = /(-?\d+)([+\-*/])(-?\d+)=(-?\d+)\./g

/**
 * The continuation the solver writes after `text` (the solution so far): it finishes a pending
 * `a op b=` or a number missing its period, writes the remaining operations as ` a op b=c.`
 * (each result plus its slip), then ` The answer is N.` with the last result.
 */
export function arithmeticContinuation(
  options: Pick<ArithmeticSolverOptions, 'operations' | 'slip'>,
  text: string,
  request: GenerateRequest,
): string {
  const slip = options.slip ?? (() => 0)
  const steps = [...text.matchAll(stepPattern)]
  let last = Number(steps[steps.length - 1]?.[4] ?? Number.NaN)
  let index = steps.length
  let out = ''
  const pending = /(-?\d+)([+\-*/])(-?\d+)=$/.exec(text)
  if (pending) {
    last =
      computeArithmetic(Number(pending[1]), pending[2] as string, Number(pending[3])) +
      slip(index, request)
    out += `${last}.`
    index++
  } else if (/\d$/.test(text)) {
    out += '.'
    last = Number(/(-?\d+)$/.exec(text)?.[1])
    index++
  }
  for (; index < options.operations.length; index++) {
    const operation = options.operations[index] as ArithmeticOperation
    const left = operation.left === 'previous' ? last : operation.left
    last = computeArithmetic(left, operation.operator, operation.right) + slip(index, request)
    out += ` ${left}${operation.operator}${operation.right}=${last}.`
  }
  return `${out} The answer is ${last}.`
}

/**
 * Creates the scripted solver: a fake model (provider `test`, id `arithmetic-solver`, one
 * character per token, no chat, no native n) whose reply continues the solution after the
 * prompt's last `A:` (the empty solution when there is none) with {@link arithmeticContinuation}.
 */
export function createArithmeticSolverModel(options: ArithmeticSolverOptions): FakeLanguageModel {
  if (!Array.isArray(options?.operations) || options.operations.length === 0) {
    throw new InvalidArgumentError({
      argument: 'options.operations',
      expected: 'a non-empty array of operations',
      received: options?.operations,
    })
  }
  return createFakeLanguageModel({
    provider: 'test',
    modelId: 'arithmetic-solver',
    tokenUnit: 'character',
    ...options.model,
    capabilities: { nativeN: false, chat: false, ...options.model?.capabilities },
    reply: ({ request, prompt }) => {
      const answerStart = prompt.lastIndexOf('A:')
      const soFar = answerStart < 0 ? '' : prompt.slice(answerStart + 2)
      return arithmeticContinuation(options, soFar, request)
    },
  })
}

/**
 * Checks an arithmetic solution: each `a op b=c.` step scores 1 when its arithmetic is right
 * and every step before it scored 1, else 0; the outcome value is 1 when every step is right,
 * there is at least one, and `The answer is N.` repeats the last result, else 0.
 */
export function scoreArithmeticSolution(output: string): Score {
  let ok = true
  let last: number | undefined
  const steps = [...output.matchAll(stepPattern)].map((match) => {
    const value = computeArithmetic(Number(match[1]), match[2] as string, Number(match[3]))
    ok = ok && value === Number(match[4])
    last = Number(match[4])
    return { text: match[0], score: ok ? 1 : 0 }
  })
  const answer = /The answer is (-?\d+)\./.exec(output)?.[1]
  const correct = ok && steps.length > 0 && answer !== undefined && Number(answer) === last
  return { value: correct ? 1 : 0, steps }
}

/**
 * A fake outcome and process scorer (`arithmetic-checker`) over {@link scoreArithmeticSolution}.
 * Being programmatic, it reports no usage (no tokens, no model calls); `calls` counts its batches.
 */
export function createArithmeticCheckerScorer(): FakeScorer {
  return createFakeScorer({
    name: 'arithmetic-checker',
    kind: { outcome: true, process: true },
    score: (request) => scoreArithmeticSolution(request.output),
    usage: () => ({ inputTokens: 0, outputTokens: 0, calls: 0 }),
  })
}
