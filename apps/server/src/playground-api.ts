// The playground's JSON API under /api (behind the server's API key, Host and Origin guards):
// the served models, the strategies with their JSON Schemas, tinymath examples, and runs:
// start one (admitted like a completion request), follow its trace events and usage over
// server-sent events, cancel it.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Budget, InvalidArgumentError, type TokenModel } from '@metagen/core'
import type { ManagedStrategyEnvironment, StrategyRegistry } from '@metagen/orchestrator'
import { formatPrompt, loadDevSet } from '@metagen/tinymath'
import type { AdmissionControl } from './admission-control.js'
import { openEventStream } from './event-stream.js'
import { HttpError, toErrorResponse } from './http-error.js'
import { checkJsonContentType } from './http-guards.js'
import type { ModelCatalog } from './model-catalog.js'
import type { PlaygroundRun, PlaygroundRunRequest, PlaygroundRuns } from './playground-runs.js'
import { createServedEnvironment } from './served-environment.js'
import type { ServerMetrics } from './server-metrics.js'
import type { RequestLogEntry, ServerLimits } from './server-options.js'
import { countStrategySamples } from './strategy-samples.js'

/** What the API handler needs from its server. */
export interface PlaygroundApiContext {
  catalog: ModelCatalog
  registry: StrategyRegistry
  shared: ManagedStrategyEnvironment
  metrics: ServerMetrics
  admission: AdmissionControl
  limits: Readonly<ServerLimits>
  /** max_tokens of a run that names none. */
  defaultMaxTokens: number
  runs: PlaygroundRuns
  /** True while the server shuts down (new runs get 503). */
  draining: () => boolean
  /** Reads a JSON request body within the server's size limit. */
  readJsonBody: (request: IncomingMessage) => Promise<unknown>
  /** Sends a JSON response. */
  sendJson: (response: ServerResponse, status: number, body: unknown) => void
  /** Aborted when the server gives up on in-flight work (shutdown timeout). */
  shutdownSignal: AbortSignal
  /** Receives one entry per finished run (method `RUN`, path `/api/runs/<id>`), if logging. */
  log?: (entry: RequestLogEntry) => void
  /** The full description of an error, for the log (never sent to the client). */
  describeError: (error: unknown) => string
}

/** The fields of a `POST /api/runs` body. */
export const runRequestFields: readonly string[] = [
  'model',
  'strategy',
  'question',
  'prompt',
  'maxTokens',
  'seed',
  'budget',
]

/** The fields of `budget` in a `POST /api/runs` body. */
export const runBudgetFields: readonly string[] = ['outputTokens', 'calls', 'seconds', 'costUsd']

/**
 * Handles a request under `/api` (path without a trailing slash). Returns false when the path
 * is not one of the playground's, so that the caller answers 404.
 */
export async function handlePlaygroundApi(
  context: PlaygroundApiContext,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): Promise<boolean> {
  if (path === '/api/models') {
    requireMethod(request, 'GET')
    context.sendJson(response, 200, {
      data: context.catalog.models.map((model) => ({ id: model.id, kind: model.kind })),
      defaultMaxTokens: context.defaultMaxTokens,
      maxStrategySamples: context.limits.maxStrategySamples,
      maxInFlightWork: context.limits.maxInFlightWork,
      maxSeconds: context.limits.requestTimeoutMs / 1000,
    })
    return true
  }
  if (path === '/api/strategies') {
    requireMethod(request, 'GET')
    context.sendJson(response, 200, {
      data: context.registry.definitions.map((definition) => ({
        name: definition.name,
        package: definition.package,
        description: definition.description,
        scalable: definition.scaling !== undefined,
        schema: context.registry.jsonSchema(definition.name),
      })),
    })
    return true
  }
  if (path === '/api/examples') {
    requireMethod(request, 'GET')
    const problems = await loadDevSet()
    context.sendJson(response, 200, {
      data: problems.slice(0, 24).map((problem) => ({
        question: problem.question,
        answer: String(problem.answer),
      })),
    })
    return true
  }
  if (path === '/api/scaled-spec') {
    requireMethod(request, 'POST')
    checkJsonContentType(request)
    context.sendJson(
      response,
      200,
      scaleSpec(context.registry, await context.readJsonBody(request)),
    )
    return true
  }
  if (path === '/api/runs') {
    requireMethod(request, 'POST')
    checkJsonContentType(request)
    await startRun(context, request, response)
    return true
  }
  const match = /^\/api\/runs\/([^/]+)(\/events|\/cancel)?$/.exec(path)
  if (!match) return false
  const run = context.runs.get(decodeSegment(match[1] as string))
  if (!run) {
    throw new HttpError({
      status: 404,
      message: `No run ${JSON.stringify(match[1])}: it never existed or was dropped (the server keeps the latest finished runs only).`,
      param: 'id',
      code: 'run_not_found',
    })
  }
  if (match[2] === '/cancel') {
    requireMethod(request, 'POST')
    const cancelled = run.cancel()
    await run.ended
    context.sendJson(response, 200, { id: run.id, status: run.status, cancelled })
    return true
  }
  requireMethod(request, 'GET')
  if (match[2] === '/events') {
    streamRun(run, request, response)
    return true
  }
  context.sendJson(response, 200, run.summary())
  return true
}

/**
 * `POST /api/scaled-spec` with `{ strategy, budget }`: the spec at that budget through the
 * strategy's scaling knob (e.g. `n = budget` for votes), validated, with the knob's label.
 * Throws InvalidArgumentError naming `strategy` or `budget`.
 */
export function scaleSpec(
  registry: StrategyRegistry,
  body: unknown,
): { spec: Record<string, unknown>; label: string } {
  const record = (body ?? {}) as Record<string, unknown>
  const spec = registry.validate(record.strategy, 'strategy')
  const budget = record.budget
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1) {
    throw new InvalidArgumentError({
      argument: 'budget',
      expected: 'an integer >= 1 (the scaling knob setting, e.g. samples)',
      received: budget,
    })
  }
  const definition = registry.get(spec.strategy)
  if (!definition.scaling) {
    throw new InvalidArgumentError({
      argument: 'strategy',
      expected: `a strategy with a scaling knob (${registry.definitions
        .filter((entry) => entry.scaling)
        .map((entry) => entry.name)
        .join(', ')})`,
      received: spec.strategy,
    })
  }
  const scaled = definition.scaling(spec, budget)
  return { spec: registry.validate(scaled.spec, 'strategy'), label: scaled.label }
}

/** Validates a run request, admits it (429 when the queue is full) and answers 201 with its id. */
async function startRun(
  context: PlaygroundApiContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (context.draining()) {
    throw new HttpError({
      status: 503,
      message: 'The server is shutting down.',
      code: 'shutting_down',
    })
  }
  const body = await context.readJsonBody(request)
  const parsed = parseRunRequest(body, context)
  const served = context.catalog.resolve(parsed.model, 'model')
  const strategy = context.registry.validate(parsed.strategy, 'strategy')
  const samples = countStrategySamples(strategy, context.limits.maxStrategySamples, 'strategy')
  const environment = createServedEnvironment({
    shared: context.shared,
    catalog: context.catalog,
    registry: context.registry,
    model: served,
    metrics: context.metrics,
    maxTokens: parsed.maxTokens,
  })
  const prompt = parsed.prompt ?? formatPrompt((parsed.question as string).trim())
  if (served.kind === 'local') {
    checkContext(await environment.tokenModel(), prompt, parsed.maxTokens)
  }
  const ceiling = samples * parsed.maxTokens
  const outputTokens = parsed.budget.outputTokens ?? ceiling
  const work = Math.ceil(Math.min(outputTokens, ceiling))
  if (work > context.limits.maxInFlightWork) {
    throw new InvalidArgumentError({
      argument: parsed.budget.outputTokens !== undefined ? 'budget.outputTokens' : 'strategy',
      expected: `a run of at most ${context.limits.maxInFlightWork} sample-tokens (strategy samples x maxTokens, or budget.outputTokens when smaller; this one needs ${samples} x ${parsed.maxTokens} = ${ceiling}${parsed.budget.outputTokens !== undefined ? `, budget ${parsed.budget.outputTokens}` : ''}): lower a sample count, maxTokens or the output-token budget`,
      received: work,
    })
  }
  const budget: Budget = {
    outputTokens,
    wallTimeMs: parsed.budget.wallTimeMs ?? context.limits.requestTimeoutMs,
    ...(parsed.budget.calls !== undefined ? { calls: parsed.budget.calls } : {}),
    ...(parsed.budget.costUsd !== undefined ? { costUsd: parsed.budget.costUsd } : {}),
  }
  const runRequest: PlaygroundRunRequest = {
    model: served.id,
    strategy,
    prompt,
    ...(parsed.question !== undefined ? { question: parsed.question } : {}),
    maxTokens: parsed.maxTokens,
    seed: parsed.seed,
    budget,
  }
  let admitted: Promise<unknown> = Promise.resolve()
  let failure: unknown
  let queuedMs: number | undefined
  const run = context.runs.start(runRequest, {
    build: () => environment.build(strategy),
    admit: (signal) => {
      const pending = context.admission.acquire(work, signal)
      admitted = pending
      return pending.then((admission) => {
        queuedMs = admission.queuedMs
        return () => admission.release()
      })
    },
    describeError: (error) => {
      failure = error
      return toErrorResponse(error, run.id).body.error
    },
    signal: context.shutdownSignal,
  })
  const started = Date.now()
  void run.ended.then(() => {
    const end = run.messages[run.messages.length - 1]
    const usage = end?.type === 'end' ? end.usage : undefined
    context.log?.({
      time: new Date().toISOString(),
      id: run.id,
      method: 'RUN',
      path: `/api/runs/${run.id}`,
      status:
        run.status === 'done'
          ? 200
          : run.status === 'cancelled'
            ? 499
            : toErrorResponse(failure).status,
      ms: Date.now() - started,
      ...(queuedMs !== undefined ? { queueMs: queuedMs } : {}),
      model: served.id,
      strategy: strategy.strategy,
      ...(usage ? { promptTokens: usage.inputTokens, completionTokens: usage.outputTokens } : {}),
      ...(failure !== undefined ? { error: context.describeError(failure) } : {}),
    })
  })
  // A full queue rejects at once: answer 429 instead of a run that fails immediately.
  const outcome = await Promise.race([
    admitted.then(
      () => 'admitted' as const,
      (error: unknown) => error,
    ),
    new Promise<'queued'>((resolve) => setImmediate(() => resolve('queued'))),
  ])
  if (outcome !== 'admitted' && outcome !== 'queued') throw outcome
  context.sendJson(response, 201, {
    id: run.id,
    status: run.status,
    events: `/api/runs/${run.id}/events`,
  })
}

/** Streams a run's messages as server-sent events (`data: {json}`), then `data: [DONE]`. */
function streamRun(run: PlaygroundRun, request: IncomingMessage, response: ServerResponse): void {
  const stream = openEventStream(response)
  let unsubscribe: (() => void) | undefined
  unsubscribe = run.subscribe((message) => {
    stream.send(message)
    if (message.type === 'end') {
      unsubscribe?.()
      stream.done()
    }
  })
  if (run.status !== 'queued' && run.status !== 'running') {
    // Already ended: the replay above included the end message.
    stream.done()
    return
  }
  request.on('close', () => unsubscribe?.())
}

interface ParsedRunRequest {
  model: unknown
  strategy: unknown
  question?: string
  prompt?: string
  maxTokens: number
  seed: number
  budget: { outputTokens?: number; calls?: number; wallTimeMs?: number; costUsd?: number }
}

/**
 * Checks the shape of a `POST /api/runs` body: `model` (a served id), `strategy` (a spec or a
 * strategy name), exactly one of `question` (formatted as a tinymath prompt) or `prompt`
 * (sent as is), optional `maxTokens` (integer >= 1), `seed` (integer in [0, 2^32)) and `budget`
 * ({ outputTokens > 0, calls >= 1 integer, seconds > 0 up to the server's deadline, costUsd > 0 }).
 * Throws InvalidArgumentError naming the field.
 */
export function parseRunRequest(
  body: unknown,
  context: Pick<PlaygroundApiContext, 'defaultMaxTokens' | 'limits'>,
): ParsedRunRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidArgumentError({
      argument: 'body',
      expected: `a JSON object with ${runRequestFields.join(', ')}`,
      received: body,
    })
  }
  const record = body as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!runRequestFields.includes(key)) {
      throw new InvalidArgumentError({
        argument: key,
        expected: `one of the fields ${runRequestFields.join(', ')}`,
        received: record[key],
      })
    }
  }
  if (record.strategy === undefined) {
    throw new InvalidArgumentError({
      argument: 'strategy',
      expected: 'a strategy spec (an object with a "strategy" field) or a strategy name',
      received: undefined,
    })
  }
  const question = optionalText(record, 'question', context.limits.maxPromptChars)
  const prompt = optionalText(record, 'prompt', context.limits.maxPromptChars)
  if ((question === undefined) === (prompt === undefined)) {
    throw new InvalidArgumentError({
      argument: question === undefined ? 'question' : 'prompt',
      expected: 'exactly one of question (a tinymath question) or prompt (sent as is)',
      received: question === undefined ? 'neither' : 'both',
    })
  }
  const maxTokens = optionalNumber(record, 'maxTokens', { integer: true, minimum: 1 })
  const seed = optionalNumber(record, 'seed', { integer: true, minimum: 0, below: 2 ** 32 })
  const budget: ParsedRunRequest['budget'] = {}
  if (record.budget !== undefined && record.budget !== null) {
    if (typeof record.budget !== 'object' || Array.isArray(record.budget)) {
      throw new InvalidArgumentError({
        argument: 'budget',
        expected: `an object with any of ${runBudgetFields.join(', ')}`,
        received: record.budget,
      })
    }
    const fields = record.budget as Record<string, unknown>
    for (const key of Object.keys(fields)) {
      if (!runBudgetFields.includes(key)) {
        throw new InvalidArgumentError({
          argument: `budget.${key}`,
          expected: `one of ${runBudgetFields.join(', ')}`,
          received: fields[key],
        })
      }
    }
    const outputTokens = optionalNumber(fields, 'outputTokens', { above: 0 }, 'budget.')
    const calls = optionalNumber(fields, 'calls', { integer: true, minimum: 1 }, 'budget.')
    const maxSeconds = context.limits.requestTimeoutMs / 1000
    const seconds = optionalNumber(fields, 'seconds', { above: 0, maximum: maxSeconds }, 'budget.')
    const costUsd = optionalNumber(fields, 'costUsd', { above: 0 }, 'budget.')
    if (outputTokens !== undefined) budget.outputTokens = outputTokens
    if (calls !== undefined) budget.calls = calls
    if (seconds !== undefined) budget.wallTimeMs = seconds * 1000
    if (costUsd !== undefined) budget.costUsd = costUsd
  }
  return {
    model: record.model,
    strategy: record.strategy,
    ...(question !== undefined ? { question } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    maxTokens: maxTokens ?? context.defaultMaxTokens,
    seed: seed ?? 0,
    budget,
  }
}

function optionalText(
  record: Record<string, unknown>,
  key: string,
  maxChars: number,
): string | undefined {
  const value = record[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxChars) {
    throw new InvalidArgumentError({
      argument: key,
      expected: `a non-empty string of at most ${maxChars} characters`,
      received: typeof value === 'string' ? `${value.length} characters` : value,
    })
  }
  return value
}

function optionalNumber(
  record: Record<string, unknown>,
  key: string,
  rule: { integer?: boolean; minimum?: number; above?: number; maximum?: number; below?: number },
  prefix = '',
): number | undefined {
  const value = record[key]
  if (value === undefined || value === null) return undefined
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.minimum === undefined || value >= rule.minimum) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.maximum === undefined || value <= rule.maximum) &&
    (rule.below === undefined || value < rule.below)
  if (!ok) {
    const range = [
      rule.minimum !== undefined ? `>= ${rule.minimum}` : '',
      rule.above !== undefined ? `> ${rule.above}` : '',
      rule.maximum !== undefined ? `<= ${rule.maximum}` : '',
      rule.below !== undefined ? `< ${rule.below}` : '',
    ]
      .filter(Boolean)
      .join(' and ')
    throw new InvalidArgumentError({
      argument: `${prefix}${key}`,
      expected: `${rule.integer ? 'an integer' : 'a number'} ${range}`.trim(),
      received: value,
    })
  }
  return value as number
}

function checkContext(model: TokenModel, prompt: string, maxTokens: number): void {
  const tokenizer = model.tokenizer as TokenModel['tokenizer'] & {
    encodePrompt?: (text: string) => number[]
  }
  const promptTokens = (
    tokenizer.encodePrompt ? tokenizer.encodePrompt(prompt) : tokenizer.encode(prompt)
  ).length
  if (promptTokens + maxTokens > model.maxSequenceLength) {
    throw new InvalidArgumentError({
      argument: 'maxTokens',
      expected: `at most ${Math.max(0, model.maxSequenceLength - promptTokens)}: the model's context is ${model.maxSequenceLength} tokens and the prompt has ${promptTokens}`,
      received: maxTokens,
    })
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new HttpError({
      status: 400,
      message: 'The run id in the path is not valid percent-encoding.',
      param: 'id',
      code: 'invalid_path',
    })
  }
}

function requireMethod(request: IncomingMessage, method: string): void {
  if (request.method !== method) {
    throw new HttpError({
      status: 405,
      message: `Method ${request.method ?? ''} is not allowed here: use ${method}.`,
      code: 'method_not_allowed',
      headers: { allow: method },
    })
  }
}
