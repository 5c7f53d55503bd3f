// A scorer that executes each output as a JavaScript program against the tests of its prompt:
// the score is the fraction of tests passed and the feedback names the failing tests and their
// errors, so it ranks (best-of-N), verifies, and drives repair (Self-Debug, Treefinement).
import { availableParallelism } from 'node:os'
import {
  assertInteger,
  assertNonEmptyString,
  createConcurrencyLimiter,
  emptyUsage,
  InvalidArgumentError,
  type Score,
  type ScoreRequest,
  type Scorer,
} from '@metagen/core'
import { extractCode } from './extract-code.js'
import { type FormatTestFeedbackOptions, formatTestFeedback } from './format-test-feedback.js'
import {
  runJavaScriptTests,
  type SandboxLimits,
  type TestRunResult,
  validateSandboxLimits,
} from './run-javascript-tests.js'

/** The tests of each prompt: a map from prompt to tests, or a function of the prompt. */
export type PromptTests =
  | ReadonlyMap<string, readonly string[]>
  | ((prompt: string) => readonly string[] | undefined)

/** Options of {@link createTestRunnerScorer}. */
export interface TestRunnerScorerOptions extends SandboxLimits {
  /** The tests of each prompt (see {@link runJavaScriptTests} for their form). */
  tests: PromptTests
  /** The program in an output (default {@link extractCode}: the first JavaScript code block). */
  extractCode?: (output: string) => string
  /** Candidates run at once, each in its own worker (integer >= 1, default: the CPU count). */
  concurrency?: number
  /** How the feedback text is written. */
  feedback?: FormatTestFeedbackOptions
  /** Called with each run's full result (e.g. to log or to keep the per-test outcomes). */
  onResult?: (request: ScoreRequest, result: TestRunResult) => void
  /** Scorer name (default `tests`). */
  name?: string
}

/**
 * A scorer that runs each output's program against its prompt's tests in the sandbox of
 * {@link runJavaScriptTests}. `value` is the fraction of tests passed, in [0, 1] (0 for a
 * program that does not load, loops past the time limit or exceeds the memory limit);
 * `feedback` is {@link formatTestFeedback} of the run. A prompt without tests (or with an
 * empty list) is unscorable. Costs no model call; candidates run in parallel up to
 * `concurrency` workers.
 */
export function createTestRunnerScorer(options: TestRunnerScorerOptions): Scorer {
  if (!options || typeof options !== 'object') {
    throw new InvalidArgumentError({
      argument: 'options',
      expected: 'an options object',
      received: options,
    })
  }
  const tests = options.tests
  const lookup =
    typeof tests === 'function'
      ? tests
      : tests instanceof Map
        ? (prompt: string) => tests.get(prompt)
        : undefined
  if (!lookup) {
    throw new InvalidArgumentError({
      argument: 'options.tests',
      expected: 'a Map from prompt to test list or a function (prompt) => tests',
      received: tests,
    })
  }
  validateSandboxLimits(options)
  const concurrency = options.concurrency ?? availableParallelism()
  assertInteger('options.concurrency', concurrency, 1)
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  const extract = options.extractCode ?? extractCode
  const limits: SandboxLimits = {}
  if (options.timeoutMs !== undefined) limits.timeoutMs = options.timeoutMs
  if (options.testTimeoutMs !== undefined) limits.testTimeoutMs = options.testTimeoutMs
  if (options.memoryLimitMb !== undefined) limits.memoryLimitMb = options.memoryLimitMb
  const limiter = createConcurrencyLimiter(concurrency)

  const scoreOne = async (
    request: ScoreRequest,
    signal: AbortSignal | undefined,
  ): Promise<Score> => {
    if (typeof request?.prompt !== 'string' || typeof request.output !== 'string') {
      throw new InvalidArgumentError({
        argument: 'requests',
        expected: 'an array of { prompt: string, output: string }',
        received: request,
      })
    }
    const promptTests = lookup(request.prompt)
    if (promptTests === undefined || promptTests.length === 0) {
      return { value: undefined, error: 'no tests for this prompt' }
    }
    const result = await limiter.run(
      () =>
        runJavaScriptTests({
          code: extract(request.output),
          tests: promptTests,
          ...limits,
          ...(signal ? { signal } : {}),
        }),
      signal,
    )
    options.onResult?.(request, result)
    return {
      value: result.passed / result.total,
      feedback: formatTestFeedback(result, options.feedback),
    }
  }

  return {
    specificationVersion: 'v1',
    name: options.name ?? 'tests',
    kind: { outcome: true, process: false },
    async score(requests, scoreOptions) {
      if (!Array.isArray(requests)) {
        throw new InvalidArgumentError({
          argument: 'requests',
          expected: 'an array of { prompt, output } objects',
          received: requests,
        })
      }
      const signal = scoreOptions?.signal
      const scores = await Promise.all(requests.map((request) => scoreOne(request, signal)))
      return { scores, usage: emptyUsage() }
    },
  }
}
