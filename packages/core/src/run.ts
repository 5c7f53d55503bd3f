// Running a generator: one call that sets up the run context (budget, seed, concurrency,
// cancellation, trace sink, progress) and returns the output with its usage, trace and time.

import type { Budget, BudgetTracker, StopReason } from './budget.js'
import { compact } from './compact.js'
import type { Generator, RunContext } from './generator.js'
import { createRunContext, runChild, stopReason } from './run-context.js'
import { noopTraceSink, type TraceEvent, type TraceSink } from './trace.js'
import type { Usage } from './usage.js'

/** What a progress callback receives: spending so far, after each model call or scoring. */
export interface RunProgress {
  /** Usage charged so far (every model call and scoring of the run). */
  usage: Readonly<Usage>
  /** Seconds since the run started. */
  seconds: number
  /** The event that triggered this report (a `model-call` or `score` event). */
  event: TraceEvent
}

/** Options of {@link run}. */
export interface RunOptions {
  /**
   * Limits for the whole run (tokens, calls, cost, wall time); each must be > 0. Or a tracker the
   * caller keeps, to read what the run was charged even when it throws.
   */
  budget?: Budget | BudgetTracker
  /** Maximum concurrent model calls, an integer >= 1 (default 8). */
  concurrency?: number
  /** Cancels the run; the generator then rejects with AbortedError. */
  signal?: AbortSignal
  /** Seed of the run's RNG, an integer in [0, 2^32) (default 0). Same seed, same output. */
  seed?: number
  /**
   * Tracing: `true` collects the events into the result's `trace`; a sink receives them as
   * they happen (and they are collected too). Default: no trace (no cost).
   */
  trace?: boolean | TraceSink
  /** Called after each model call and scoring with the spending so far. */
  onProgress?: (progress: RunProgress) => void
}

/** What {@link run} returns. */
export interface RunResult<TOutput> {
  /** The generator's output (its best so far when the budget ran out). */
  output: TOutput
  /** Compute the run spent: the generator's own account of it. */
  usage: Usage
  /** Usage charged to the budget (every model call and scoring); equals `usage` for well-behaved generators. */
  charged: Usage
  /** The trace events in emission order; empty unless `trace` was requested. */
  trace: TraceEvent[]
  /** Wall time of the run in seconds. */
  seconds: number
  /**
   * Set when the generator stopped early because the budget ran out: the limit that stopped it
   * (`outputTokens`, `inputTokens`, `totalTokens`, `calls`, `costUsd`, `flops`, `wallTimeMs`; see
   * {@link stopReason}). A cancelled run rejects with AbortedError instead; its trace's root
   * `span-end` then has `data.stoppedBy: 'aborted'`.
   */
  stoppedBy?: StopReason
}

/**
 * Runs `generator` on `input` in a fresh run context, inside a root trace span named after
 * the generator. Invalid options throw InvalidArgumentError before anything runs.
 */
export async function run<TInput, TOutput>(
  generator: Generator<TInput, TOutput>,
  input: TInput,
  options: RunOptions = {},
): Promise<RunResult<TOutput>> {
  const events: TraceEvent[] = []
  const collect = options.trace !== undefined && options.trace !== false
  const forward = typeof options.trace === 'object' ? options.trace : undefined
  const onProgress = options.onProgress
  let context: RunContext | undefined
  let sink: TraceSink = noopTraceSink
  if (collect || onProgress) {
    sink = {
      emit(event) {
        if (collect) events.push(event)
        forward?.emit(event)
        if (onProgress && context && (event.kind === 'model-call' || event.kind === 'score')) {
          onProgress({ usage: context.budget.spent, seconds: context.elapsed() / 1000, event })
        }
      },
    }
  }
  context = createRunContext({
    ...compact({
      budget: options.budget,
      seed: options.seed,
      concurrency: options.concurrency,
      signal: options.signal,
    }),
    trace: sink,
  })
  const started = performance.now()
  const result = await runChild(context, generator, input, { label: 'root' })
  return {
    output: result.output,
    usage: result.usage,
    charged: { ...context.budget.spent },
    trace: events,
    seconds: (performance.now() - started) / 1000,
    ...compact({ stoppedBy: stopReason(context.budget, result.stoppedBy) }),
  }
}
