// Scorer factories of @metagen/scorers, by the names used in specs and on the CLI
// (`--scorer step-checker|verifier|logprob|judge|exact-answer|tests`).
import { compact, InvalidArgumentError, type Scorer } from '@metagen/core'
import { codeProblems, createTestRunnerScorer, testsByPrompt } from '@metagen/execution'
import type { OnnxDtype } from '@metagen/onnx'
import {
  createExactAnswerScorer,
  createJudgeScorer,
  createLogprobScorer,
  createRewardModelScorer,
  createTinymathStepChecker,
  tinymathStepSplitter,
} from '@metagen/scorers'
import { formatPrompt, loadDevSet, loadProblems, tinymathModelPaths } from '@metagen/tinymath'
import { loadBackend } from '../load-backend.js'
import type { StrategyEnvironment } from '../strategy.js'

/** Options of a scorer factory (from a spec or CLI flags); each factory documents its own. */
export type ScorerFactoryOptions = Readonly<Record<string, unknown>>

/** Builds a scorer for a run. */
export type ScorerFactory = (
  environment: StrategyEnvironment,
  options: ScorerFactoryOptions,
) => Promise<Scorer>

/** A scorer that holds resources (a model worker); call `close` when the run is over. */
export type ClosableScorer = Scorer & { close(): Promise<void> }

function readString(options: ScorerFactoryOptions, key: string): string | undefined {
  const value = options[key]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError({
      argument: `options.${key}`,
      expected: 'a non-empty string',
      received: value,
    })
  }
  return value
}

function readNumber(options: ScorerFactoryOptions, key: string): number | undefined {
  const value = options[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError({
      argument: `options.${key}`,
      expected: 'a finite number',
      received: value,
    })
  }
  return value
}

/**
 * Scorer factories by CLI name:
 * - `step-checker`: exact tinymath step checker (outcome and process; no model).
 * - `verifier`: the tinymath-verifier reward model (or `options.path`, a reward-model folder),
 *   sigmoid link, process scores at each step's `.`; `options.batchSize`, `options.threads`,
 *   `options.dtype` (weight variant, e.g. `q8`; a missing file is a ModelLoadError listing those present).
 *   The returned scorer has `close()` to end its worker.
 * - `logprob`: log-probability of the output under `options.model` (default: the run model);
 *   `options.reduction` `sum` (default) or `mean`. Needs a model that scores continuations.
 * - `judge`: LLM-as-judge with `options.model` (default: the run model), grades
 *   `options.min`..`options.max` (default 1..10) mapped to [0, 1].
 * - `exact-answer`: oracle that compares the extracted answer with the gold answer of the
 *   tinymath dev set (or of `options.referencesPath`, a tinymath JSON-lines file); prompts
 *   without a gold answer are unscorable.
 * - `tests`: the sandboxed JavaScript test runner of @metagen/execution: runs the program in
 *   each output against the tests of its prompt (the prompts of `codeProblems` written by
 *   `formatCodePrompt`); value = fraction of tests passed, feedback = the failing tests' errors.
 *   `options.timeoutMs`, `options.testTimeoutMs`, `options.memoryLimitMb` set the sandbox limits.
 *   Prompts of other problems are unscorable.
 */
export const scorerFactories: Readonly<Record<string, ScorerFactory>> = {
  'step-checker': async () => createTinymathStepChecker(),

  verifier: async (_environment, options): Promise<ClosableScorer> => {
    const path = readString(options, 'path') ?? tinymathModelPaths['tinymath-verifier']
    const threads = readNumber(options, 'threads')
    const batchSize = readNumber(options, 'batchSize')
    const dtype = readString(options, 'dtype')
    const { loadOnnxRewardModel } = await loadBackend('@metagen/onnx', path)
    const model = await loadOnnxRewardModel(path, {
      ...compact({ threads }),
      ...(dtype !== undefined ? { dtype: dtype as OnnxDtype } : {}),
    })
    const scorer = createRewardModelScorer({
      model,
      link: 'sigmoid',
      stepSplitter: tinymathStepSplitter,
      ...compact({ batchSize }),
      name: 'verifier',
    })
    return Object.assign(scorer, { close: () => model.close() })
  },

  logprob: async (environment, options) => {
    const reduction = readString(options, 'reduction') ?? 'sum'
    if (reduction !== 'sum' && reduction !== 'mean') {
      throw new InvalidArgumentError({
        argument: 'options.reduction',
        expected: "'sum' or 'mean'",
        received: reduction,
      })
    }
    const model = await environment.languageModel(readString(options, 'model'))
    return createLogprobScorer({ model, reduction, name: 'logprob' })
  },

  judge: async (environment, options) => {
    const model = await environment.languageModel(readString(options, 'model'))
    const min = readNumber(options, 'min') ?? 1
    const max = readNumber(options, 'max') ?? 10
    return createJudgeScorer({ model, scale: { min, max }, name: 'judge' })
  },

  tests: async (_environment, options) => {
    const limits = {
      timeoutMs: readNumber(options, 'timeoutMs'),
      testTimeoutMs: readNumber(options, 'testTimeoutMs'),
      memoryLimitMb: readNumber(options, 'memoryLimitMb'),
    }
    return createTestRunnerScorer({
      tests: testsByPrompt(codeProblems),
      ...compact(limits),
      name: 'tests',
    })
  },

  'exact-answer': async (environment, options) => {
    const referencesPath = readString(options, 'referencesPath')
    const problems = referencesPath ? await loadProblems(referencesPath) : await loadDevSet()
    const references = new Map<string, number>(
      problems.map((problem) => [formatPrompt(problem.question), problem.answer]),
    )
    return createExactAnswerScorer({
      extractAnswer: (text) => environment.extractAnswer(text),
      references,
      name: 'exact-answer',
    })
  },
}
