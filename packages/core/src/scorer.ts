// Scorers: what meta-generators rank, vote and search with. A scorer gives an outcome score for
// a whole output, process scores for each of its steps, or both.
import type { RunContext } from './generator.js'
import type { Usage } from './usage.js'

/** One output to score. */
export interface ScoreRequest {
  /** The prompt (or question) the output answers. */
  prompt: string
  /** The output to score. */
  output: string
  /**
   * True when `output` is an unfinished solution (step-level search scores partial solutions):
   * outcome scorers then score what is there, process scorers score the steps so far.
   */
  partial?: boolean
}

/** Score of one step of an output. */
export interface StepScore {
  /** The step's text. */
  text: string
  /** The step's score; for process reward models P(every step up to here is right), in [0, 1]. */
  score: number
}

/** The score of one {@link ScoreRequest}. */
export interface Score {
  /** Outcome score of the whole output; higher is better. Undefined when unscorable or not produced. */
  value: number | undefined
  /** Process scores, one per step, where the scorer produces them. */
  steps?: StepScore[]
  /** Why this item could not be scored (never NaN instead). */
  error?: string
  /**
   * Text that explains the score to a reviser, where the scorer produces it (e.g. a test
   * runner's failing tests and error messages). Refinement loops use it as external feedback.
   */
  feedback?: string
}

/** What a scorer produces. */
export interface ScorerKind {
  /** Produces `Score.value`. */
  outcome: boolean
  /** Produces `Score.steps`. */
  process: boolean
}

/** The result of {@link Scorer.score}. */
export interface ScoreResult {
  /** One score per request, in order. */
  scores: Score[]
  /** Compute spent scoring (model calls of judges and reward models). */
  usage: Usage
}

/** Options of {@link Scorer.score}. */
export interface ScoreOptions {
  /** Cancels the scoring. */
  signal?: AbortSignal
  /**
   * The run context of the caller (set by `callScorer`). A scorer that calls models makes those
   * calls through it (`callModel`, `callScoreContinuations`), so that they are held to the
   * run's budget, concurrency limit and seed and appear in its trace. Without it (a scorer used
   * on its own) the scorer calls its models directly.
   */
  context?: RunContext
}

/** Scores outputs. */
export interface Scorer {
  /** Interface version. */
  readonly specificationVersion: 'v1'
  /** Name for traces and reports, e.g. `step-checker`. */
  readonly name: string
  /** What it produces. */
  readonly kind: ScorerKind
  /**
   * Scores a batch of outputs (one batched model call where the scorer has a model). `usage` of
   * the result is everything the scoring spent, including the calls made through
   * `options.context` (which `callScorer` does not charge twice).
   */
  score(requests: readonly ScoreRequest[], options?: ScoreOptions): Promise<ScoreResult>
  /**
   * Optional, for a scorer that runs a model itself rather than through `options.context` (a
   * reward model): an upper bound on the prompt tokens and calls that scoring `requests` spends
   * that way. `callScorer` reserves it from the budget before scoring, so concurrent scorings
   * cannot overshoot the inputTokens, totalTokens or calls limits; a scorer without it is
   * charged only after it returns.
   */
  maxOwnUsage?(requests: readonly ScoreRequest[]): { inputTokens: number; calls: number }
}
