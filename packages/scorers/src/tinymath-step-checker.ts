// The exact tinymath verifier: checks each `a op b=c.` step arithmetically (integer division
// floors, as in training/mathgen.py) and that it only uses numbers of the question or results
// of earlier steps. Usable as an outcome verifier and as a process verifier, on partial solutions too.
import { compact, emptyUsage, type Score, type ScoreRequest, type Scorer } from '@metagen/core'
import { unscorable, validateScoreRequests } from './score-requests.js'

/** The verdict on one step of a tinymath solution. */
export interface TinymathStepVerdict {
  /** The step's sentence, e.g. `4*17=68.`. */
  text: string
  /** True when the step parses, its arithmetic is right and its operands are available. */
  correct: boolean
  /** Why the step is wrong (undefined when correct). */
  reason?: string
  /** The step's stated result `c`, when it parses. */
  result?: number
}

/** The result of {@link checkTinymathSolution}. */
export interface TinymathSolutionCheck {
  /** One verdict per complete step, in order (the answer sentence is not a step). */
  steps: TinymathStepVerdict[]
  /** The number in `The answer is N.`, when present. */
  answer: number | undefined
  /**
   * Outcome verdict. For a finished solution: at least one step, every step correct, exactly
   * one final `The answer is N.` sentence equal to the last step's result and nothing after
   * it. For a partial solution: no wrong step and nothing malformed so far.
   */
  correct: boolean
  /** Why the solution is rejected (undefined when correct). */
  reason?: string
}

const questionBlockPattern = /Q:\s*([\s\S]*?)\s*\nA:\s*$/
const finishedStepPattern = /^(-?\d+)\s*([+\-*/])\s*(-?\d+)\s*=\s*(-?\d+)\s*\.$/
const answerSentencePattern = /^The answer is (-?\d+)\.$/

const numberWords: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  twice: 2,
  thrice: 3,
  double: 2,
  triple: 3,
  half: 2,
}

/**
 * The question of a tinymath prompt: the text of the last `Q: ...\nA:` block, or the whole
 * prompt when it has no such block.
 */
export function extractTinymathQuestion(prompt: string): string {
  return questionBlockPattern.exec(prompt)?.[1] ?? prompt
}

/**
 * Numbers a question makes available: every integer written in digits and every number word
 * (`twice` = 2, `four times` = 4, `one` ... `twelve`). Order of appearance, duplicates kept once.
 */
export function extractQuestionNumbers(question: string): number[] {
  const numbers = new Set<number>()
  for (const match of question.matchAll(/\d+|[A-Za-z]+/g)) {
    const token = match[0]
    if (/^\d+$/.test(token)) numbers.add(Number(token))
    else {
      const word = numberWords[token.toLowerCase()]
      if (word !== undefined) numbers.add(word)
    }
  }
  return [...numbers]
}

/** `a op b` with tinymath's semantics (`/` floors like Python's `//`); undefined for `x/0`. */
export function applyTinymathOperation(a: number, op: string, b: number): number | undefined {
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    case '/':
      return b === 0 ? undefined : Math.floor(a / b)
    default:
      return undefined
  }
}

/**
 * Checks a tinymath solution against its question. `output` is the text after `A:`, e.g.
 * ` 4*17=68. 23+68=91. The answer is 91.`. With `partial`, an unfinished trailing sentence is
 * ignored and no answer is required.
 */
export function checkTinymathSolution(options: {
  question: string
  output: string
  partial?: boolean
}): TinymathSolutionCheck {
  const partial = options.partial ?? false
  const available = new Set(extractQuestionNumbers(options.question))
  const steps: TinymathStepVerdict[] = []
  let answer: number | undefined
  let reason: string | undefined
  const reject = (why: string) => {
    reason ??= why
  }
  const sentences = splitSentences(options.output)
  for (let index = 0; index < sentences.length; index++) {
    const sentence = sentences[index] as { text: string; terminated: boolean }
    if (!sentence.terminated) {
      if (!partial) reject(`unfinished sentence "${sentence.text}"`)
      continue
    }
    const answerMatch = answerSentencePattern.exec(sentence.text)
    if (answerMatch) {
      if (answer !== undefined) reject('more than one answer sentence')
      answer = Number(answerMatch[1])
      const rest = sentences.slice(index + 1)
      if (rest.length > 0) reject(`text after the answer: "${rest.map((s) => s.text).join(' ')}"`)
      break
    }
    const verdict = checkStep(sentence.text, available)
    steps.push(verdict)
    if (verdict.result !== undefined) available.add(verdict.result)
    if (!verdict.correct) reject(`step ${steps.length} "${verdict.text}": ${verdict.reason}`)
  }
  if (!partial) {
    if (steps.length === 0) reject('no solution step')
    if (answer === undefined) reject('no "The answer is N." sentence')
    const last = steps.at(-1)?.result
    if (answer !== undefined && last !== undefined && answer !== last) {
      reject(`the answer ${answer} is not the last step's result ${last}`)
    }
  }
  return {
    steps,
    answer,
    correct: reason === undefined,
    ...compact({ reason }),
  }
}

function checkStep(text: string, available: ReadonlySet<number>): TinymathStepVerdict {
  const match = finishedStepPattern.exec(text)
  if (!match) return { text, correct: false, reason: 'not of the form a op b=c.' }
  const a = Number(match[1])
  const op = match[2] as string
  const b = Number(match[3])
  const c = Number(match[4])
  const expected = applyTinymathOperation(a, op, b)
  if (expected === undefined) return { text, correct: false, reason: 'division by zero', result: c }
  if (expected !== c) {
    return { text, correct: false, reason: `${a}${op}${b} is ${expected}, not ${c}`, result: c }
  }
  for (const operand of [a, b]) {
    if (!available.has(operand)) {
      return {
        text,
        correct: false,
        reason: `${operand} is neither in the question nor an earlier result`,
        result: c,
      }
    }
  }
  return { text, correct: true, result: c }
}

function splitSentences(output: string): Array<{ text: string; terminated: boolean }> {
  const sentences: Array<{ text: string; terminated: boolean }> = []
  let start = 0
  for (let index = 0; index < output.length; index++) {
    if (output[index] === '.') {
      const text = output.slice(start, index + 1).trim()
      sentences.push({ text, terminated: true })
      start = index + 1
    }
  }
  const rest = output.slice(start).trim()
  if (rest.length > 0) sentences.push({ text: rest, terminated: false })
  return sentences
}

/** Options of {@link createTinymathStepChecker}. */
export interface TinymathStepCheckerOptions {
  /** Scorer name for traces (default `step-checker`). */
  name?: string
}

/**
 * The tinymath step checker as a {@link Scorer}: outcome `value` 1 when
 * {@link checkTinymathSolution} accepts the output and 0 otherwise; `steps` has one entry per
 * complete step with score 1 while every step up to it is correct, then 0 (the process
 * reward semantics). Partial requests are checked as partial solutions. An empty output is
 * reported unscorable. Costs no model call.
 */
export function createTinymathStepChecker(options: TinymathStepCheckerOptions = {}): Scorer {
  return {
    specificationVersion: 'v1',
    name: options.name ?? 'step-checker',
    kind: { outcome: true, process: true },
    async score(requests: readonly ScoreRequest[]) {
      validateScoreRequests(requests)
      const scores = requests.map((request): Score => {
        if (request.output.trim().length === 0) return unscorable('empty output: nothing to check')
        const check = checkTinymathSolution({
          question: extractTinymathQuestion(request.prompt),
          output: request.output,
          partial: request.partial ?? false,
        })
        let prefixCorrect = true
        const steps = check.steps.map((step) => {
          prefixCorrect = prefixCorrect && step.correct
          return { text: step.text, score: prefixCorrect ? 1 : 0 }
        })
        return { value: check.correct ? 1 : 0, steps }
      })
      return { scores, usage: emptyUsage() }
    },
  }
}
