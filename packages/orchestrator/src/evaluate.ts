// Evaluating a generator on a problem set: each problem is its own run (own budget, own seed
// derived from the base seed and the problem id), problems run concurrently up to a limit.
import { setMaxListeners } from 'node:events'
import {
  AbortedError,
  addUsage,
  answersMatch,
  assertInteger,
  type Budget,
  BudgetExhaustedError,
  compact,
  createBudgetTracker,
  createConcurrencyLimiter,
  emptyUsage,
  type Generator,
  InvalidArgumentError,
  ModelLoadError,
  mixSeed,
  run,
  type StopReason,
  type TextInput,
  type TextOutput,
  type TraceEvent,
  UnsupportedCapabilityError,
  type Usage,
} from '@metagen/core'
import { extractAnswer as extractTinymathAnswer, formatPrompt } from '@metagen/tinymath'

/** One problem: a question and its expected answer. */
export interface EvaluationProblem {
  /** Stable id; the problem's seed is derived from it. */
  id: string
  /** The question (turned into a prompt by `formatPrompt`). */
  question: string
  /** The expected final answer. */
  answer: number | string
}

/** The outcome of one problem. */
export interface ProblemResult {
  /** The problem's id. */
  id: string
  /** Position of the problem in the input list. */
  index: number
  /** The extracted answer, or null when none was found (or the run failed). */
  answer: string | null
  /** The expected answer. */
  expected: number | string
  /**
   * True when `answer` equals `expected` (numerically when both are numbers), or as decided by
   * the evaluation's `isCorrect`.
   */
  correct: boolean
  /** The output text. */
  text: string
  /**
   * Compute charged to this problem's run: every model call and scoring, including those of a
   * run that failed.
   */
  usage: Usage
  /** Wall time of this problem's run in seconds. */
  seconds: number
  /** The seed of this problem's run. */
  seed: number
  /**
   * Set when the run stopped early because its budget ran out: the limit that stopped it (see
   * `RunResult.stoppedBy`); also for a run that failed because the budget refused its first call.
   */
  stoppedBy?: StopReason
  /** Message of the error that made this problem fail (it then counts as wrong). */
  error?: string
  /** The run's trace events, when `trace` was requested. */
  trace?: TraceEvent[]
}

/** The outcome of an evaluation. */
export interface EvaluationResult {
  /** Fraction of problems answered correctly, in [0, 1] (0 for an empty set). */
  accuracy: number
  /** Number of problems. */
  n: number
  /** Number of correct answers. */
  correct: number
  /** Compute spent over all problems. */
  usage: Usage
  /** Wall time of the whole evaluation in seconds. */
  seconds: number
  /** Per-problem outcomes, in input order. */
  problems: ProblemResult[]
}

/** Progress of an evaluation, reported after each finished problem. */
export interface EvaluationProgress {
  /** Problems finished. */
  done: number
  /** Problems in total. */
  total: number
  /** Correct answers among the finished problems. */
  correct: number
  /** Usage over the finished problems. */
  usage: Usage
  /** The problem that just finished. */
  problem: ProblemResult
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** The generator to evaluate. */
  generator: Generator<TextInput, TextOutput>
  /** The problems. */
  problems: readonly EvaluationProblem[]
  /** Base seed, an integer in [0, 2^32) (default 0); problem seeds are `mixSeed(seed, id)`. */
  seed?: number
  /** Problems run at once, an integer >= 1 (default 4). */
  concurrency?: number
  /** Model calls in flight within one problem's run, an integer >= 1 (default 8). */
  runConcurrency?: number
  /** Budget of EACH problem's run. */
  budget?: Budget
  /** Prompt of a question (default: tinymath's `Q: {question}\nA:`). */
  formatPrompt?: (question: string) => string
  /** Answer extraction when the output has no `answer` (default: tinymath's). */
  extractAnswer?: (text: string) => string | undefined
  /**
   * Decides whether a run's output solves its problem, instead of comparing the extracted
   * answer with `problem.answer` (e.g. {@link codeProblemSet}'s: the program passes every test).
   * Not charged to the run. An error it throws fails the problem like a failed run.
   */
  isCorrect?: (problem: EvaluationProblem, output: TextOutput) => boolean | Promise<boolean>
  /** Keep each run's trace in its result. */
  trace?: boolean
  /** Cancels the evaluation. */
  signal?: AbortSignal
  /** Called after each finished problem (in completion order). */
  onProgress?: (progress: EvaluationProgress) => void
}

/**
 * Runs the generator once per problem and scores the answers. Results do not depend on the
 * order or concurrency of the runs: each problem has its own seed and budget. A run that fails
 * with an ordinary error counts as wrong (its message kept); configuration errors
 * (InvalidArgumentError, UnsupportedCapabilityError, ModelLoadError) and cancellation abort the
 * whole evaluation.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const seed = options.seed ?? 0
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidArgumentError({
      argument: 'seed',
      expected: 'an integer in [0, 4294967295]',
      received: seed,
    })
  }
  const concurrency = options.concurrency ?? 4
  assertInteger('concurrency', concurrency, 1)
  const prompt = options.formatPrompt ?? formatPrompt
  const extract = options.extractAnswer ?? extractTinymathAnswer
  const limiter = createConcurrencyLimiter(concurrency)
  const results: ProblemResult[] = new Array(options.problems.length)
  const started = performance.now()
  let done = 0
  let correct = 0
  let usage = emptyUsage()
  // Aborts the remaining problems as soon as one configuration error surfaces.
  const controller = new AbortController()
  // Every run listens on this signal (and its model calls too): lift the listener warning.
  setMaxListeners(0, controller.signal)

  const solve = async (problem: EvaluationProblem, index: number): Promise<void> => {
    const problemSeed = mixSeed(seed, problem.id)
    const base = { id: problem.id, index, expected: problem.answer, seed: problemSeed }
    let result: ProblemResult
    const runStarted = performance.now()
    // Kept here so that a run that throws still reports what it was charged.
    const tracker = createBudgetTracker(options.budget ?? {})
    try {
      const outcome = await run(
        options.generator,
        { prompt: prompt(problem.question) },
        {
          seed: problemSeed,
          budget: tracker,
          ...compact({ concurrency: options.runConcurrency }),
          signal: controller.signal,
          ...(options.trace ? { trace: true } : {}),
        },
      )
      const answer = outcome.output.answer ?? extract(outcome.output.text) ?? null
      const correct = options.isCorrect
        ? (await options.isCorrect(problem, outcome.output)) === true
        : answersMatch(answer, problem.answer)
      result = {
        ...base,
        answer,
        correct,
        text: outcome.output.text,
        usage: outcome.charged,
        seconds: outcome.seconds,
        ...compact({ stoppedBy: outcome.stoppedBy }),
        ...(options.trace ? { trace: outcome.trace } : {}),
      }
    } catch (error) {
      if (
        InvalidArgumentError.isInstance(error) ||
        UnsupportedCapabilityError.isInstance(error) ||
        ModelLoadError.isInstance(error) ||
        AbortedError.isInstance(error)
      ) {
        throw error
      }
      result = {
        ...base,
        answer: null,
        correct: false,
        text: '',
        usage: { ...tracker.spent },
        seconds: (performance.now() - runStarted) / 1000,
        ...(BudgetExhaustedError.isInstance(error)
          ? { stoppedBy: tracker.stoppedBy ?? tracker.exhaustedLimit() ?? 'budget' }
          : {}),
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }
    }
    results[index] = result
    done++
    if (result.correct) correct++
    usage = addUsage(usage, result.usage)
    options.onProgress?.({ done, total: options.problems.length, correct, usage, problem: result })
  }

  const relay = () => controller.abort(options.signal?.reason)
  if (options.signal?.aborted) relay()
  else options.signal?.addEventListener('abort', relay, { once: true })
  try {
    await Promise.all(
      options.problems.map((problem, index) =>
        limiter
          .run(() => solve(problem, index), controller.signal)
          .catch((error) => {
            controller.abort(error)
            throw error
          }),
      ),
    )
  } catch (error) {
    // Prefer the root cause over the AbortedErrors of problems cancelled because of it.
    const reason = controller.signal.reason
    throw reason instanceof Error && !AbortedError.isInstance(reason) ? reason : error
  } finally {
    options.signal?.removeEventListener('abort', relay)
  }
  const n = results.length
  return {
    accuracy: n === 0 ? 0 : correct / n,
    n,
    correct,
    usage,
    seconds: (performance.now() - started) / 1000,
    problems: results,
  }
}
