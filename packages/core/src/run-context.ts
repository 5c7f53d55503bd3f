// Creating a run context, and the helpers that generators use to call models and child
// generators through it (budget checks, concurrency, tracing and usage accounting in one place).
import {
  type Budget,
  type BudgetAmount,
  type BudgetReservation,
  type BudgetTracker,
  createBudgetTracker,
  createRecordingBudgetTracker,
  type StopReason,
} from './budget.js'
import { compact } from './compact.js'
import { type ConcurrencyLimiter, createConcurrencyLimiter } from './concurrency.js'
import {
  AbortedError,
  BudgetExhaustedError,
  throwIfAborted,
  UnsupportedCapabilityError,
} from './errors.js'
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
import { maxInputCostUsd, maxInputTokensOf, maxScoringInputTokensOf } from './worst-case-usage.js'

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
      data: {
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        ...(AbortedError.isInstance(error) ? { stoppedBy: 'aborted' } : {}),
      },
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
      ...compact({ stoppedBy: stopReason(context.budget, result.stoppedBy) }),
    },
  })
  return result
}

/**
 * Which limit stopped a run or span whose generator reported `stoppedBy: 'budget'`: the limit
 * that refused the latest refused call of `budget`, else the limit that is reached now, else
 * `budget` (a budget the generator keeps itself). Undefined when `stoppedBy` is undefined.
 */
export function stopReason(
  budget: BudgetTracker,
  stoppedBy: 'budget' | undefined,
): StopReason | undefined {
  if (stoppedBy === undefined) return undefined
  return budget.stoppedBy ?? budget.exhaustedLimit() ?? 'budget'
}

/**
 * Calls `model.generate` the way every meta-generator should: waits for a concurrency slot,
 * refuses when the budget is exhausted, caps `maxTokens` so that the outputs of all `n` samples
 * fit the remaining output-token, total-token and (for a model with a `price`) cost budgets,
 * reserves the call's worst case before it starts (those output tokens, its prompt tokens by
 * {@link maxInputTokensOf}, their cost and one call) so concurrent and nested calls never
 * overshoot, and settles what the call actually used; draws a seed from the context RNG when
 * none is given, and emits a `model-call` trace event. Throws {@link BudgetExhaustedError}
 * (naming the limit) when the call does not fit.
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
    const inputTokens = maxInputTokensOf(model, request)
    const price = model.price
    const inputCost = price ? maxInputCostUsd(price, inputTokens) : 0
    const perOutputToken = price ? price.outputPerMillion / 1e6 : 0
    const remaining = context.budget.remainingOutputTokens({
      inputTokens,
      costUsd: inputCost,
      costUsdPerOutputToken: perOutputToken,
    })
    let maxTokens = request.maxTokens
    if (Number.isFinite(remaining)) {
      const share = Math.floor(remaining / n)
      if (share < 1) {
        // Not even one token per sample fits: reserving one throws, naming the binding limit.
        context.budget.reserve({
          outputTokens: n,
          inputTokens,
          costUsd: inputCost + n * perOutputToken,
        })
        throw new BudgetExhaustedError({ limit: 'outputTokens' })
      }
      maxTokens = maxTokens === undefined ? share : Math.min(maxTokens, share)
    }
    const outputTokens = maxTokens !== undefined ? maxTokens * n : 0
    const amount = {
      outputTokens: Number.isFinite(remaining) ? outputTokens : 0,
      inputTokens,
      // Without a token cap the output cost is unbounded; a priced model is always capped when
      // the budget limits cost (remaining is then finite).
      costUsd: inputCost + (maxTokens !== undefined ? outputTokens * perOutputToken : 0),
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
 * refuses when the budget is exhausted, reserves one call and its worst-case prompt tokens
 * ({@link maxScoringInputTokensOf}) and their cost, charges the usage and emits a
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
    context.budget.assertAvailable()
    const inputTokens = maxScoringInputTokensOf(request)
    const price = model.price
    return reservedModelCall(
      context,
      model,
      {
        outputTokens: 0,
        inputTokens,
        costUsd: price ? maxInputCostUsd(price, inputTokens) : 0,
        calls: 1,
      },
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
  amount: BudgetAmount,
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
 * inference, a scorer that ignores the context) is charged afterwards, against the reservation
 * of the scorer's `maxOwnUsage` made before it started. When that reservation does not fit,
 * nothing is scored: every score has `error` set to the budget's message, like a judge whose
 * calls the budget refuses.
 */
export async function callScorer(
  context: RunContext,
  scorer: Scorer,
  requests: readonly ScoreRequest[],
): Promise<ScoreResult> {
  throwIfAborted(context.signal)
  const id = context.nextId('r')
  let reservation: BudgetReservation | undefined
  const own = scorer.maxOwnUsage?.(requests)
  if (own !== undefined) {
    try {
      reservation = context.budget.reserve({
        outputTokens: 0,
        inputTokens: own.inputTokens,
        calls: own.calls,
      })
    } catch (error) {
      if (!BudgetExhaustedError.isInstance(error)) throw error
      // Like a judge whose call the budget refuses: every request unscored, nothing spent.
      const refused: ScoreResult = {
        scores: requests.map(() => ({ value: undefined, error: error.message })),
        usage: emptyUsage(),
      }
      emitScore(context, id, scorer, refused, requests.length)
      return refused
    }
  }
  const recording = createRecordingBudgetTracker(context.budget)
  const scoringContext = contextWithBudget(context, recording, id, `score:${scorer.name}`)
  let result: ScoreResult
  try {
    result = await scorer.score(
      requests,
      compact({ signal: context.signal, context: scoringContext }),
    )
  } catch (error) {
    reservation?.release()
    throw error
  }
  const uncharged = subtractUsage(result.usage, recording.charged())
  if (reservation) reservation.settle(uncharged)
  else context.budget.charge(uncharged)
  emitScore(context, id, scorer, result, requests.length)
  return result
}

function emitScore(
  context: RunContext,
  id: string,
  scorer: Scorer,
  result: ScoreResult,
  count: number,
): void {
  context.emit({
    kind: 'score',
    id,
    name: scorer.name,
    usage: result.usage,
    data: { scores: result.scores.map((score) => score.value ?? null), count },
  })
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
