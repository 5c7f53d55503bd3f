// Creating a run context, and the helpers that generators use to call models and child
// generators through it (budget checks, concurrency, tracing and usage accounting in one place).
import {
  type Budget,
  type BudgetTracker,
  createBudgetTracker,
  createRecordingBudgetTracker,
} from './budget.js'
import { compact } from './compact.js'
import { type ConcurrencyLimiter, createConcurrencyLimiter } from './concurrency.js'
import { BudgetExhaustedError, throwIfAborted, UnsupportedCapabilityError } from './errors.js'
import type { Generator, GeneratorResult, RunContext } from './generator.js'
import type {
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  ScoreContinuationsRequest,
  ScoreContinuationsResult,
} from './language-model.js'
import { createRng, type Rng } from './rng.js'
import type { ScoreRequest, ScoreResult, Scorer } from './scorer.js'
import { noopTraceSink, type TraceSink } from './trace.js'
import { emptyUsage, type Usage } from './usage.js'

/** Options of {@link createRunContext}. */
export interface RunContextOptions {
  /** Limits; validated (each > 0). */
  budget?: Budget | BudgetTracker
  /** Seed of the run's RNG (uint32, default 0). */
  seed?: number
  /** Trace sink (default: drop events). */
  trace?: TraceSink
  /** Maximum concurrent model calls (default 8). */
  concurrency?: number
  /** Cancels the run. */
  signal?: AbortSignal
}

/** Creates the context of a new run. */
export function createRunContext(options: RunContextOptions = {}): RunContext {
  const budget =
    options.budget && 'charge' in options.budget
      ? (options.budget as BudgetTracker)
      : createBudgetTracker((options.budget as Budget | undefined) ?? {})
  const limiter = createConcurrencyLimiter(options.concurrency ?? 8)
  const start = performance.now()
  let counter = 0
  const shared = {
    budget,
    limiter,
    trace: options.trace ?? noopTraceSink,
    signal: options.signal,
    nextId: (prefix = 'n') => `${prefix}${++counter}`,
    elapsed: () => performance.now() - start,
  }
  return makeContext(shared, createRng(options.seed ?? 0), undefined)
}

interface SharedRunState {
  budget: BudgetTracker
  limiter: ConcurrencyLimiter
  trace: TraceSink
  signal: AbortSignal | undefined
  nextId(prefix?: string): string
  elapsed(): number
}

function makeContext(shared: SharedRunState, rng: Rng, spanId: string | undefined): RunContext {
  const context: RunContext = {
    ...shared,
    rng,
    spanId,
    emit(event) {
      shared.trace.emit({
        ...event,
        parentId: event.parentId ?? spanId,
        time: Math.round(shared.elapsed() * 1000) / 1000,
      } as Parameters<TraceSink['emit']>[0])
    },
    child(span) {
      return makeContext(shared, rng.fork(span.rngLabel ?? span.id), span.id)
    },
  }
  return context
}

/**
 * Runs a child generator inside its own trace span: emits `span-start` and `span-end` (with
 * the child's usage; when the child throws, with zero usage and the error in `data.error`
 * before rethrowing), and gives the child a context whose RNG is forked by `label`.
 * The child's usage is NOT charged to the budget here: model calls charge it as they happen.
 */
export async function runChild<TInput, TOutput>(
  context: RunContext,
  generator: Generator<TInput, TOutput>,
  input: TInput,
  options: { label?: string | number; data?: Record<string, unknown> } = {},
): Promise<GeneratorResult<TOutput>> {
  throwIfAborted(context.signal)
  const id = context.nextId('s')
  context.emit({
    kind: 'span-start',
    id,
    name: generator.name,
    ...compact({ data: options.data }),
  })
  const child = context.child({ id, rngLabel: options.label ?? id })
  let result: GeneratorResult<TOutput>
  try {
    result = await generator.run(input, child)
  } catch (error) {
    context.emit({
      kind: 'span-end',
      id,
      name: generator.name,
      usage: emptyUsage(),
      data: { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) },
    })
    throw error
  }
  context.emit({
    kind: 'span-end',
    id,
    name: generator.name,
    usage: result.usage,
    data: {
      output: summarise(result.output),
      ...compact({ stoppedBy: result.stoppedBy }),
    },
  })
  return result
}

/**
 * Calls `model.generate` the way every meta-generator should: waits for a concurrency slot,
 * refuses when the budget is exhausted, caps `maxTokens` so that the outputs of all `n` samples
 * fit the remaining output-token budget, reserves those tokens and one call before the call
 * starts (so concurrent and nested calls never overshoot) and refunds what the call did not
 * use, draws a seed from the context RNG when none is given, and emits a `model-call` trace
 * event. Throws {@link BudgetExhaustedError} when nothing is left.
 */
export async function callModel(
  context: RunContext,
  model: LanguageModel,
  request: GenerateRequest,
): Promise<GenerateResult> {
  throwIfAborted(context.signal)
  return context.limiter.run(async () => {
    context.budget.assertAvailable()
    const n = request.n ?? 1
    const remaining = context.budget.remainingOutputTokens()
    let maxTokens = request.maxTokens
    if (Number.isFinite(remaining)) {
      const share = Math.floor(remaining / n)
      if (share < 1) {
        throw new BudgetExhaustedError({ limit: 'outputTokens' })
      }
      maxTokens = maxTokens === undefined ? share : Math.min(maxTokens, share)
    }
    const amount = {
      outputTokens: Number.isFinite(remaining) && maxTokens !== undefined ? maxTokens * n : 0,
      calls: 1,
    }
    // The seed is drawn once the budget is reserved, so a refused call leaves the RNG untouched.
    return reservedModelCall(
      context,
      model,
      amount,
      () =>
        model.generate({
          ...request,
          ...compact({ maxTokens }),
          seed: request.seed ?? context.rng.nextSeed(),
          ...(context.signal && !request.signal ? { signal: context.signal } : {}),
        }),
      (result) => ({
        n,
        ...compact({ maxTokens }),
        prompt: truncate(request.prompt ?? JSON.stringify(request.messages ?? [])),
        outputs: result.outputs.map((output) => ({
          text: output.text,
          finishReason: output.finishReason,
          ...compact({ error: output.error?.message }),
        })),
        ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
      }),
    )
  }, context.signal)
}

/**
 * Calls `model.scoreContinuations` through the run context: waits for a concurrency slot,
 * refuses when the budget is exhausted, reserves one call, charges the usage and emits a
 * `model-call` trace event (`data.scoring: true`). Throws {@link BudgetExhaustedError} when
 * nothing is left and UnsupportedCapabilityError when the model cannot score.
 */
export async function callScoreContinuations(
  context: RunContext,
  model: LanguageModel,
  request: ScoreContinuationsRequest,
): Promise<ScoreContinuationsResult> {
  throwIfAborted(context.signal)
  if (typeof model.scoreContinuations !== 'function') {
    throw new UnsupportedCapabilityError({
      capability: 'scoring',
      message: `${model.provider}:${model.modelId} cannot score continuations (capabilities.scoring).`,
    })
  }
  const scoreContinuations = model.scoreContinuations.bind(model)
  return context.limiter.run(async () => {
    return reservedModelCall(
      context,
      model,
      { outputTokens: 0, calls: 1 },
      () =>
        scoreContinuations({
          ...request,
          ...(context.signal && !request.signal ? { signal: context.signal } : {}),
        }),
      () => ({
        scoring: true,
        prompt: truncate(request.prompt),
        continuations: request.continuations.length,
      }),
    )
  }, context.signal)
}

/**
 * Reserves `amount` of the budget, runs `call`, refunds the reservation when the call throws or
 * settles it against the call's reported usage, and emits the `model-call` trace event whose
 * data is the model's provider plus `data(result)`.
 */
async function reservedModelCall<R extends { usage: Usage }>(
  context: RunContext,
  model: LanguageModel,
  amount: { outputTokens: number; calls: number },
  call: () => Promise<R>,
  data: (result: R) => Record<string, unknown>,
): Promise<R> {
  const reservation = context.budget.reserve(amount)
  let result: R
  try {
    result = await call()
  } catch (error) {
    reservation.release()
    throw error
  }
  reservation.settle(result.usage)
  context.emit({
    kind: 'model-call',
    id: context.nextId('c'),
    name: model.modelId,
    usage: result.usage,
    data: { provider: model.provider, ...data(result) },
  })
  return result
}

/**
 * Scores through a scorer and traces a `score` event. The scorer gets a context (same budget,
 * limiter, signal and trace; the score event is the parent of its events) so that its own model
 * calls go through {@link callModel} and are charged as they happen; whatever part of the
 * scorer's reported usage was not charged through that context (a reward model's own
 * inference, a scorer that ignores the context) is charged afterwards.
 */
export async function callScorer(
  context: RunContext,
  scorer: Scorer,
  requests: readonly ScoreRequest[],
): Promise<ScoreResult> {
  throwIfAborted(context.signal)
  const id = context.nextId('r')
  const recording = createRecordingBudgetTracker(context.budget)
  const scoringContext = contextWithBudget(context, recording, id, `score:${scorer.name}`)
  const result = await scorer.score(
    requests,
    compact({ signal: context.signal, context: scoringContext }),
  )
  context.budget.charge(subtractUsage(result.usage, recording.charged()))
  context.emit({
    kind: 'score',
    id,
    name: scorer.name,
    usage: result.usage,
    data: { scores: result.scores.map((score) => score.value ?? null), count: requests.length },
  })
  return result
}

/** A context like `context` (limiter, signal, trace, ids) with `budget`, inside span `spanId`. */
function contextWithBudget(
  context: RunContext,
  budget: BudgetTracker,
  spanId: string,
  rngLabel: string,
): RunContext {
  return makeContext(
    {
      budget,
      limiter: context.limiter,
      trace: { emit: (event) => context.trace.emit(event) },
      signal: context.signal,
      nextId: (prefix) => context.nextId(prefix),
      elapsed: () => context.elapsed(),
    },
    context.rng.fork(rngLabel),
    spanId,
  )
}

/** `total` less `part`, field by field, never below zero. */
function subtractUsage(total: Usage, part: Usage): Usage {
  const difference = emptyUsage()
  difference.inputTokens = Math.max(0, total.inputTokens - part.inputTokens)
  difference.outputTokens = Math.max(0, total.outputTokens - part.outputTokens)
  difference.calls = Math.max(0, total.calls - part.calls)
  for (const field of ['cachedInputTokens', 'cacheWriteInputTokens', 'flops', 'costUsd'] as const) {
    const value = total[field]
    if (value !== undefined) {
      const rest = value - (part[field] ?? 0)
      if (rest > 0) difference[field] = rest
    }
  }
  return difference
}

function truncate(text: string, length = 400): string {
  return text.length > length ? `${text.slice(0, length)}...` : text
}

function summarise(output: unknown): unknown {
  if (output && typeof output === 'object' && 'text' in output) {
    const { text, answer, score } = output as { text: unknown; answer?: unknown; score?: unknown }
    return { text, ...compact({ answer, score }) }
  }
  return output
}
