// Test support: a hand-written LanguageModel of our own interface that "solves" a fixed
// arithmetic chain in the tinymath format, with deliberate arithmetic slips, honouring stop
// sequences and maxTokens (one character = one token), so chained algorithms can be unit-tested.
import {
  emptyUsage,
  type GenerateRequest,
  type GenerateResult,
  type LanguageModel,
  type Score,
  type ScoreRequest,
  type Scorer,
} from '@metagen/core'

/** One operation of the scripted problem; `left: 'previous'` uses the last written result. */
export interface ScriptedOperation {
  left: number | 'previous'
  operator: '+' | '-' | '*' | '/'
  right: number
}

/** Options of {@link createScriptedSolverModel}. */
export interface ScriptedSolverOptions {
  operations: readonly ScriptedOperation[]
  /** Added to the true value of operation `index` when the model computes it (its slip). */
  slip: (index: number, request: GenerateRequest) => number
}

/** The scripted model plus the requests it received. */
export interface ScriptedSolverModel extends LanguageModel {
  readonly requests: GenerateRequest[]
}

function compute(left: number, operator: string, right: number): number {
  if (operator === '+') return left + right
  if (operator === '-') return left - right
  if (operator === '*') return left * right
  return Math.floor(left / right)
}

const stepPattern = /(-?\d+)([+\-*/])(-?\d+)=(-?\d+)\./g

/** The continuation the scripted solver writes after `text` (everything after `A:`). */
export function scriptedContinuation(
  options: ScriptedSolverOptions,
  text: string,
  request: GenerateRequest,
): string {
  const steps = [...text.matchAll(stepPattern)]
  let last = Number(steps[steps.length - 1]?.[4] ?? Number.NaN)
  let index = steps.length
  let out = ''
  const pending = /(-?\d+)([+\-*/])(-?\d+)=$/.exec(text)
  if (pending) {
    const value = compute(Number(pending[1]), pending[2] as string, Number(pending[3]))
    last = value + options.slip(index, request)
    out += `${last}.`
    index++
  } else if (/\d$/.test(text)) {
    out += '.'
    last = Number(/(-?\d+)$/.exec(text)?.[1])
    index++
  }
  for (; index < options.operations.length; index++) {
    const operation = options.operations[index] as ScriptedOperation
    const left = operation.left === 'previous' ? last : operation.left
    last = compute(left, operation.operator, operation.right) + options.slip(index, request)
    out += ` ${left}${operation.operator}${operation.right}=${last}.`
  }
  return `${out} The answer is ${last}.`
}

/** Creates the scripted solver; prompts must contain `A:` (the text after it is the solution so far). */
export function createScriptedSolverModel(options: ScriptedSolverOptions): ScriptedSolverModel {
  const requests: GenerateRequest[] = []
  return {
    specificationVersion: 'v1',
    provider: 'test',
    modelId: 'scripted-solver',
    capabilities: { logprobs: false, nativeN: false, seed: true, scoring: false, chat: false },
    requests,
    async generate(request): Promise<GenerateResult> {
      requests.push(request)
      const prompt = request.prompt ?? ''
      const answerStart = prompt.lastIndexOf('A:')
      const soFar = answerStart < 0 ? '' : prompt.slice(answerStart + 2)
      const full = scriptedContinuation(options, soFar, request)
      return {
        outputs: [applyLimits(full, request)],
        usage: usageOf(prompt, full, request),
        warnings: [],
      }
    },
  }
}

/** Cuts `text` at the first stop sequence and at maxTokens characters. */
export function applyLimits(
  text: string,
  request: GenerateRequest,
): { text: string; finishReason: 'stop' | 'length' } {
  let cut = text.length
  for (const stop of request.stop ?? []) {
    const at = text.indexOf(stop)
    if (at >= 0 && at < cut) cut = at
  }
  let result = text.slice(0, cut)
  if (request.maxTokens !== undefined && result.length > request.maxTokens) {
    return { text: result.slice(0, request.maxTokens), finishReason: 'length' }
  }
  result = result.slice(0, cut)
  return { text: result, finishReason: 'stop' }
}

function usageOf(prompt: string, text: string, request: GenerateRequest) {
  const limited = applyLimits(text, request).text
  return { ...emptyUsage(), inputTokens: prompt.length, outputTokens: limited.length, calls: 1 }
}

/**
 * A process scorer of our own interface for unit tests: each `a op b=c.` step passes when the
 * arithmetic is right and every step before it passed; the outcome is 1 when every step
 * passes and `The answer is N.` repeats the last result.
 */
export function createArithmeticProcessScorer(): Scorer & { calls: number } {
  const scorer = {
    specificationVersion: 'v1' as const,
    name: 'arithmetic-checker',
    kind: { outcome: true, process: true },
    calls: 0,
    async score(requests: readonly ScoreRequest[]) {
      scorer.calls++
      const scores = requests.map((request): Score => {
        let ok = true
        let last: number | undefined
        const steps = [...request.output.matchAll(stepPattern)].map((match) => {
          const value = compute(Number(match[1]), match[2] as string, Number(match[3]))
          ok = ok && value === Number(match[4])
          last = Number(match[4])
          return { text: match[0], score: ok ? 1 : 0 }
        })
        const answer = /The answer is (-?\d+)\./.exec(request.output)?.[1]
        const correct = ok && steps.length > 0 && answer !== undefined && Number(answer) === last
        return { value: correct ? 1 : 0, steps }
      })
      return { scores, usage: emptyUsage() }
    },
  }
  return scorer
}
