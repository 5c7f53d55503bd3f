// Creating a run context, and the helpers that generators use to call models and child
// generators through it (budget checks, concurrency, tracing and usage accounting in one place).
import { type Budget, type BudgetTracker, createBudgetTracker } from './budget.js'
import { compact } from './compact.js'
import { type ConcurrencyLimiter, createConcurrencyLimiter } from './concurrency.js'
import { BudgetExhaustedError, throwIfAborted } from './errors.js'
import type { Generator, GeneratorResult, RunContext } from './generator.js'
import type { GenerateRequest, GenerateResult, LanguageModel } from './language-model.js'
import { createRng, type Rng } from './rng.js'
import type { ScoreRequest, ScoreResult, Scorer } from './scorer.js'
import { noopTraceSink, type TraceSink } from './trace.js'

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
 * the child's usage), and gives the child a context whose RNG is forked by `label`.
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
  const result = await generator.run(input, child)
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
 * fit the remaining output-token budget, draws a seed from the context RNG when none is given,
 * charges the usage to the budget and emits a `model-call` trace event.
 * Throws {@link BudgetExhaustedError} when nothing is left.
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
    const finalRequest: GenerateRequest = {
      ...request,
      ...compact({ maxTokens }),
      seed: request.seed ?? context.rng.nextSeed(),
      ...(context.signal && !request.signal ? { signal: context.signal } : {}),
    }
    const result = await model.generate(finalRequest)
    context.budget.charge(result.usage)
    context.emit({
      kind: 'model-call',
      id: context.nextId('c'),
      name: model.modelId,
      usage: result.usage,
      data: {
        provider: model.provider,
        n,
        ...compact({ maxTokens: finalRequest.maxTokens }),
        prompt: truncate(finalRequest.prompt ?? JSON.stringify(finalRequest.messages ?? [])),
        outputs: result.outputs.map((output) => ({
          text: output.text,
          finishReason: output.finishReason,
          ...compact({ error: output.error?.message }),
        })),
        ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
      },
    })
    return result
  }, context.signal)
}

/** Scores through a scorer, charging its usage to the budget and tracing a `score` event. */
export async function callScorer(
  context: RunContext,
  scorer: Scorer,
  requests: readonly ScoreRequest[],
): Promise<ScoreResult> {
  throwIfAborted(context.signal)
  const result = await scorer.score(requests, compact({ signal: context.signal }))
  context.budget.charge(result.usage)
  context.emit({
    kind: 'score',
    id: context.nextId('r'),
    name: scorer.name,
    usage: result.usage,
    data: { scores: result.scores.map((score) => score.value ?? null), count: requests.length },
  })
  return result
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
