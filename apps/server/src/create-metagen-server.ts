// The OpenAI-compatible HTTP server (node:http, no framework): /v1/models, /v1/completions and
// /v1/chat/completions over one shared StrategyEnvironment (each model loads once), behind the
// guards (API key, Host, Origin, content type), the limits and the admission control.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AbortedError,
  type ChatMessage,
  compact,
  InvalidArgumentError,
  MetagenError,
} from '@metagen/core'
import {
  createDefaultStrategyRegistry,
  createStrategyEnvironment,
  type StrategyRegistry,
} from '@metagen/orchestrator'
import { createAdmissionControl } from './admission-control.js'
import { openEventStream } from './event-stream.js'
import { HttpError, toErrorResponse } from './http-error.js'
import {
  checkApiKey,
  checkHost,
  checkJsonContentType,
  checkOrigin,
  corsHeaders,
  defaultAllowedHosts,
} from './http-guards.js'
import { createModelCatalog, type ServedModel } from './model-catalog.js'
import { type ParsedRequest, parseRequest } from './parse-request.js'
import { handlePlaygroundApi, type PlaygroundApiContext } from './playground-api.js'
import { servePlaygroundAsset } from './playground-assets.js'
import { createPlaygroundRuns } from './playground-runs.js'
import {
  type Choice,
  type CompletionResult,
  runCompletion,
  type StrategyProgress,
} from './run-completion.js'
import { createServedEnvironment } from './served-environment.js'
import { createServerMetrics } from './server-metrics.js'
import { type RequestLogEntry, resolveServerLimits, type ServerLimits } from './server-options.js'
import { countStrategySamples } from './strategy-samples.js'
import {
  toChatLogprobs,
  toCompletionLogprobs,
  toEchoedLogprobs,
  toPromptLogprobs,
} from './wire-format.js'

/** The models served by default. */
export const defaultServedModels: readonly string[] = ['tinymath-generator', 'tinymath-draft']

/** Options of {@link createMetagenServer}. */
export interface MetagenServerOptions {
  /**
   * Served models (default {@link defaultServedModels}): tinymath ids, model folders (served
   * under their folder name), `NAME=FOLDER`, or remote models `openai:<id>` / `anthropic:<id>`
   * (the operator's choice; they use the operator's API key). Requests can name only these.
   */
  models?: readonly string[]
  /** Default maximum generated tokens per sample when a request has no max_tokens, an integer >= 1 (default 128). */
  maxTokens?: number
  /** onnxruntime threads per local model, an integer >= 1 (default: the backend's). */
  threads?: number
  /** Largest accepted request body in bytes (default 1 MiB); same as `limits.maxBodyBytes`. */
  maxBodyBytes?: number
  /** Limits and timeouts (see {@link ServerLimits}; defaults in `defaultServerLimits`). */
  limits?: Partial<ServerLimits>
  /** When set, every request but GET /health needs it (`Authorization: Bearer <key>`); else 401. */
  apiKey?: string
  /**
   * Host header names accepted (without port); others get 421 (DNS-rebinding protection).
   * Default: the loopback names when listening on a loopback address, any host otherwise.
   */
  allowedHosts?: readonly string[]
  /** Origins allowed to call the API from a browser (CORS); `*` for any. Default: none. */
  corsOrigins?: readonly string[]
  /** Folders whose model sub-folders requests may name by path (default: none). */
  allowedModelDirectories?: readonly string[]
  /** Remote providers requests may name as `provider:<id>` (default: none). */
  allowedRemoteProviders?: readonly string[]
  /** Base URL of the remote API for served remote models. */
  remoteBaseUrl?: string
  /** The strategy registry (default: `createDefaultStrategyRegistry()`). */
  registry?: StrategyRegistry
  /** Receives one entry per finished request (default: a JSON line on stderr; `false`: none). */
  log?: ((entry: RequestLogEntry) => void) | false
}

/** A running (or ready to run) metagen server. */
export interface MetagenServer {
  /**
   * Starts listening on `port` (0 picks a free one) and `host` (default 127.0.0.1); resolves
   * with the base URL, e.g. `http://127.0.0.1:8080` (the API is under `/v1`).
   */
  listen(port: number, host?: string): Promise<string>
  /**
   * Graceful shutdown: stops accepting connections, answers new requests on open connections
   * with 503, lets in-flight and queued requests finish (up to `limits.shutdownTimeoutMs`, then
   * they are cancelled), closes the connections and every loaded model. Idempotent.
   */
  close(): Promise<void>
  /** The base URL once listening (throws before `listen` resolved). */
  readonly url: string
  /** The effective limits. */
  readonly limits: Readonly<ServerLimits>
}

/**
 * Creates the server. Models load lazily on the first request that needs them and are shared
 * by all requests; requests run concurrently (the local backend batches their passes) within
 * the admission control's bound on work in flight.
 */
export function createMetagenServer(options: MetagenServerOptions = {}): MetagenServer {
  const limits = resolveServerLimits({
    ...compact({ maxBodyBytes: options.maxBodyBytes }),
    ...options.limits,
  })
  if (options.apiKey !== undefined && options.apiKey.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'apiKey',
      expected: 'a non-empty string (or no apiKey for an open server)',
      received: options.apiKey,
    })
  }
  const catalog = createModelCatalog({
    models: options.models ?? defaultServedModels,
    ...compact({
      allowedModelDirectories: options.allowedModelDirectories,
      allowedRemoteProviders: options.allowedRemoteProviders,
    }),
  })
  const registry = options.registry ?? createDefaultStrategyRegistry()
  const shared = createStrategyEnvironment({
    modelId: (catalog.models[0] as ServedModel).reference,
    registry,
    ...compact({
      maxTokens: options.maxTokens,
      threads: options.threads,
      baseUrl: options.remoteBaseUrl,
    }),
  })
  const defaultMaxTokens = options.maxTokens ?? 128
  const admission = createAdmissionControl({
    maxInFlightWork: limits.maxInFlightWork,
    maxQueued: limits.maxQueued,
    retryAfterSeconds: limits.retryAfterSeconds,
  })
  const metrics = createServerMetrics()
  for (const model of catalog.models) metrics.setModelState(model.id, 'unloaded')
  const corsOrigins = options.corsOrigins ?? []
  const log =
    options.log === false
      ? undefined
      : (options.log ??
        ((entry: RequestLogEntry) => process.stderr.write(`${JSON.stringify(entry)}\n`)))
  const created = Math.floor(Date.now() / 1000)
  let allowedHosts = options.allowedHosts
  let url: string | undefined
  let closing: Promise<void> | undefined
  let draining = false
  const running = new Set<AbortController>()
  // Aborted when shutdown stops waiting for in-flight work: it cancels the playground's runs.
  const shutdown = new AbortController()
  const playground: PlaygroundApiContext = {
    catalog,
    registry,
    shared,
    metrics,
    admission,
    limits,
    defaultMaxTokens,
    runs: createPlaygroundRuns(),
    draining: () => draining,
    readJsonBody: (request) => readJsonBody(request, limits.maxBodyBytes),
    sendJson,
    shutdownSignal: shutdown.signal,
    ...(log ? { log } : {}),
    describeError,
  }

  // node:http enforces headersTimeout/requestTimeout on a timer (30 s by default): check often
  // enough that the timeouts hold to within a second.
  const connectionsCheckingInterval = Math.max(
    50,
    Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.bodyTimeoutMs) / 2)),
  )
  const server = createServer({ connectionsCheckingInterval }, (request, response) => {
    const started = Date.now()
    const entry: RequestLogEntry = {
      time: '',
      id: `req-${randomUUID()}`,
      method: request.method ?? '',
      path: safePath(request.url),
      status: 0,
      ms: 0,
    }
    response.setHeader('x-request-id', entry.id)
    response.on('close', () => {
      entry.status = response.statusCode
      entry.ms = Date.now() - started
      entry.time = new Date().toISOString()
      metrics.recordRequest(entry.status)
      log?.(entry)
    })
    handle(request, response, entry).catch((error: unknown) => {
      const { status, body, headers } = toErrorResponse(error, entry.id)
      if (status >= 500 || entry.error === undefined) entry.error = describeError(error)
      sendJson(response, status, body, headers)
    })
  })
  server.headersTimeout = limits.headersTimeoutMs
  server.requestTimeout = limits.bodyTimeoutMs
  server.keepAliveTimeout = limits.keepAliveTimeoutMs
  server.maxConnections = limits.maxConnections

  const handle = async (
    request: IncomingMessage,
    response: ServerResponse,
    entry: RequestLogEntry,
  ): Promise<void> => {
    checkHost(request, allowedHosts)
    const origin = checkOrigin(request, corsOrigins)
    for (const [name, value] of Object.entries(corsHeaders(origin))) response.setHeader(name, value)
    if (request.method === 'OPTIONS') {
      if (origin === undefined) {
        throw new HttpError({
          status: 403,
          message: 'CORS is not enabled on this server (start it with --cors ORIGIN).',
          code: 'origin_not_allowed',
        })
      }
      response.writeHead(204)
      response.end()
      return
    }
    const path = entry.path.replace(/\/+$/, '')
    if (path === '/health') {
      requireMethod(request, 'GET')
      const status = draining ? 503 : 200
      sendJson(response, status, {
        status: draining ? 'draining' : 'ok',
        models: Object.fromEntries(
          catalog.models.map((model) => [model.id, metrics.modelState(model.id)]),
        ),
        queued: admission.queued,
        inFlightRequests: admission.inFlightRequests,
      })
      return
    }
    if (request.method === 'GET' && servePlaygroundAsset(path, response)) return
    checkApiKey(request, options.apiKey)
    if (path.startsWith('/api/')) {
      if (await handlePlaygroundApi(playground, request, response, path)) return
      throw new HttpError({
        status: 404,
        message: `Unknown path ${path}: the playground API has /api/models, /api/strategies, /api/examples, /api/runs, /api/runs/ID, /api/runs/ID/events, /api/runs/ID/cancel.`,
        code: 'not_found',
      })
    }
    if (path === '/metrics') {
      requireMethod(request, 'GET')
      const text = metrics.render({
        queued: admission.queued,
        inFlightRequests: admission.inFlightRequests,
        inFlightWork: admission.inFlightWork,
      })
      response.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      })
      response.end(text)
      return
    }
    if (path === '/v1/models' || path.startsWith('/v1/models/')) {
      requireMethod(request, 'GET')
      const list = catalog.models.map((model) => ({
        id: model.id,
        object: 'model',
        created,
        owned_by: 'metagen',
      }))
      if (path === '/v1/models') return sendJson(response, 200, { object: 'list', data: list })
      let id: string
      try {
        id = decodeURIComponent(path.slice('/v1/models/'.length))
      } catch {
        throw new HttpError({
          status: 400,
          message: 'The model id in the path is not valid percent-encoding.',
          param: 'model',
          code: 'invalid_path',
        })
      }
      const model = list.find((item) => item.id === id)
      if (!model) throw modelNotFound(id)
      return sendJson(response, 200, model)
    }
    const kind =
      path === '/v1/completions'
        ? 'completion'
        : path === '/v1/chat/completions'
          ? 'chat'
          : undefined
    if (!kind) {
      throw new HttpError({
        status: 404,
        message: `Unknown path ${path}: see /v1/models, /v1/completions, /v1/chat/completions, /health, /metrics, /api/models (the playground API) and / (the playground page).`,
        code: 'not_found',
      })
    }
    requireMethod(request, 'POST')
    checkJsonContentType(request)
    if (draining) throw shuttingDown()
    const body = await readJsonBody(request, limits.maxBodyBytes)
    // A served local model with its own chat template renders chat messages with it.
    const named = (body as { model?: unknown } | null)?.model
    const servedForChat =
      kind === 'chat' && typeof named === 'string' ? catalog.find(named) : undefined
    const tokenizer =
      servedForChat?.kind === 'local'
        ? (await shared.tokenModel(servedForChat.reference)).tokenizer
        : undefined
    const chatTemplate = tokenizer?.applyChatTemplate
      ? (messages: readonly ChatMessage[]) =>
          (tokenizer.applyChatTemplate as (messages: readonly ChatMessage[]) => string)(messages)
      : undefined
    const parsed = parseRequest(body, kind, {
      ...(chatTemplate ? { chatTemplate } : {}),
      ...(servedForChat?.kind === 'remote' ? { keepMessages: true } : {}),
    })
    entry.model = parsed.model
    entry.prompts = parsed.prompts.length
    entry.n = parsed.n
    entry.stream = parsed.stream
    checkRequestLimits(parsed, limits)
    const served = catalog.find(parsed.model)
    if (!served) throw modelNotFound(parsed.model)
    const strategy =
      parsed.strategy !== undefined
        ? registry.validate(parsed.strategy, 'metagen.strategy')
        : undefined
    if (strategy) entry.strategy = strategy.strategy
    const strategySamples = strategy ? countStrategySamples(strategy, limits.maxStrategySamples) : 1
    const maxTokens = parsed.maxTokens ?? defaultMaxTokens
    const environment = createServedEnvironment({
      shared,
      catalog,
      registry,
      model: served,
      metrics,
      maxTokens,
    })
    // Served models only, each loaded once: loading before admission is bounded.
    const tokenModel = served.kind === 'local' ? await environment.tokenModel() : undefined
    if (tokenModel) checkContextLength(parsed, maxTokens, tokenModel)
    const work =
      parsed.prompts.length * (parsed.bestOf ?? parsed.n) * strategySamples * Math.max(1, maxTokens)
    if (work > limits.maxInFlightWork) {
      throw new InvalidArgumentError({
        argument: strategy
          ? 'metagen.strategy'
          : parsed.maxTokens !== undefined
            ? 'max_tokens'
            : 'n',
        expected: `a request of at most ${limits.maxInFlightWork} sample-tokens (prompts x n (or best_of) x strategy samples x max_tokens; this one needs ${parsed.prompts.length} x ${parsed.bestOf ?? parsed.n} x ${strategySamples} x ${maxTokens} = ${work})`,
        received: strategy
          ? `${strategy.strategy} with ${strategySamples} samples per run`
          : parsed.maxTokens !== undefined
            ? parsed.maxTokens
            : parsed.n,
      })
    }

    const abort = new AbortController()
    const deadline = AbortSignal.timeout(limits.requestTimeoutMs)
    const started = Date.now()
    const onClose = () => {
      if (!response.writableFinished)
        abort.abort(new AbortedError('The client closed the request.'))
    }
    response.on('close', onClose)
    const signal = AbortSignal.any([abort.signal, deadline])
    running.add(abort)
    let admitted: Awaited<ReturnType<typeof admission.acquire>>
    try {
      admitted = await admission.acquire(work, signal)
    } catch (error) {
      running.delete(abort)
      if (deadline.aborted) {
        throw new HttpError({
          status: 503,
          message: `The request waited ${limits.requestTimeoutMs} ms for admission: the server is overloaded. Retry later.`,
          code: 'queue_timeout',
          headers: { 'retry-after': String(limits.retryAfterSeconds) },
        })
      }
      throw error
    }
    entry.queueMs = admitted.queuedMs
    const finished = (result: CompletionResult) => {
      entry.promptTokens = result.usage.inputTokens
      entry.completionTokens = result.usage.outputTokens
      metrics.recordTokens(result.usage.inputTokens, result.usage.outputTokens)
    }
    try {
      const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`
      const wallTimeMs = limits.requestTimeoutMs - (Date.now() - started) - 1000
      const runOptions = {
        request: parsed,
        ...(strategy ? { strategy } : {}),
        ...(tokenModel && !strategy ? { tokenModel } : {}),
        environment,
        maxTokens,
        strategySamples,
        wallTimeMs,
        signal,
      }
      try {
        if (parsed.stream) {
          await streamCompletion({
            response,
            kind,
            id,
            parsed,
            created: Math.floor(Date.now() / 1000),
            run: (hooks) =>
              runCompletion({
                ...runOptions,
                ...hooks,
              }),
            requestId: entry.id,
            onError: (error) => {
              entry.error = describeError(error)
            },
            onFinished: finished,
          })
        } else {
          const result = await runCompletion(runOptions)
          finished(result)
          sendJson(response, 200, renderCompletion(kind, id, parsed, result))
        }
      } catch (error) {
        if (deadline.aborted && !abort.signal.aborted) {
          throw new HttpError({
            status: 504,
            message: `The request did not finish within its deadline of ${limits.requestTimeoutMs} ms.`,
            code: 'timeout',
          })
        }
        throw error
      }
    } finally {
      admitted.release()
      running.delete(abort)
      response.off('close', onClose)
    }
  }

  return {
    limits,
    listen(port, host = '127.0.0.1') {
      allowedHosts ??= defaultAllowedHosts(host)
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          const address = server.address() as AddressInfo
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
          url = `http://${shownHost}:${address.port}`
          resolve(url)
        })
      })
    },
    close() {
      closing ??= (async () => {
        draining = true
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), limits.shutdownTimeoutMs)
        })
        const outcome = await Promise.race([admission.idle().then(() => 'idle' as const), timeout])
        clearTimeout(timer)
        if (outcome === 'timeout') {
          for (const controller of running) {
            controller.abort(new AbortedError('The server is shutting down.'))
          }
          shutdown.abort(new AbortedError('The server is shutting down.'))
          await admission.idle()
        }
        server.closeAllConnections()
        await stopped
        await shared.close()
      })()
      return closing
    },
    get url() {
      if (url === undefined)
        throw new MetagenError('The server is not listening: call listen() first.')
      return url
    },
  }
}

/** Options of {@link streamCompletion}. */
interface StreamCompletionOptions {
  response: ServerResponse
  kind: 'completion' | 'chat'
  id: string
  parsed: ParsedRequest
  created: number
  run: (hooks: {
    onDelta?: (text: string) => void
    onProgress?: (progress: StrategyProgress) => void
  }) => Promise<CompletionResult>
  requestId: string
  onError: (error: unknown) => void
  /** Called with the result before the stream ends. */
  onFinished: (result: CompletionResult) => void
}

/**
 * Streams a completion as OpenAI does: chunks (`text_completion` or `chat.completion.chunk`),
 * the text of one prompt with n = 1 as it is decoded, otherwise each choice when it is done
 * (one chunk per token when log-probabilities were requested), a last chunk per choice with
 * its finish_reason, a usage chunk with `stream_options.include_usage`, then `[DONE]`. Strategy
 * progress goes out as chunks with empty `choices` and a `metagen.progress` field (at most
 * every 200 ms; the latest held-back one of each run is sent before the answer). A failure after the stream started is sent as an error event.
 */
async function streamCompletion(options: StreamCompletionOptions): Promise<CompletionResult> {
  const { kind, parsed } = options
  const stream = openEventStream(options.response, {})
  const includeUsage = parsed.includeUsage === true
  const base = {
    id: options.id,
    object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: options.created,
    model: parsed.model,
    ...(kind === 'chat' ? { system_fingerprint: null } : {}),
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    stream.send({ ...base, choices, ...(includeUsage ? { usage: null } : {}), ...extra })
  const total = parsed.prompts.length * parsed.n
  const textChoice = (index: number, text: string, logprobs: unknown = null) =>
    kind === 'chat'
      ? { index, delta: { content: text }, logprobs, finish_reason: null }
      : { index, text, logprobs, finish_reason: null }
  if (kind === 'chat') {
    chunk(
      Array.from({ length: total }, (_, index) => ({
        index,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      })),
    )
  }
  let streamed = ''
  let lastProgress = 0
  // The latest progress of each run that the 200 ms throttle held back, sent before the answer.
  const unsent = new Map<number, StrategyProgress>()
  let result: CompletionResult
  try {
    result = await options.run({
      ...(total === 1 && !parsed.logprobs && parsed.strategy === undefined
        ? {
            onDelta: (text: string) => {
              streamed += text
              chunk([textChoice(0, text)])
            },
          }
        : {}),
      ...(parsed.strategy !== undefined
        ? {
            onProgress: (progress) => {
              const now = Date.now()
              if (now - lastProgress < 200) {
                unsent.set(progress.index, progress)
                return
              }
              lastProgress = now
              unsent.delete(progress.index)
              chunk([], { metagen: { progress } })
            },
          }
        : {}),
    })
  } catch (error) {
    options.onError(error)
    stream.fail(toErrorResponse(error, options.requestId).body)
    throw new StreamAlreadyAnswered(error)
  }
  for (const progress of unsent.values()) chunk([], { metagen: { progress } })
  result.choices.forEach((choice: Choice, index) => {
    if (streamed !== '' && index === 0) {
      const rest = choice.text.startsWith(streamed) ? choice.text.slice(streamed.length) : ''
      if (rest !== '') chunk([textChoice(index, rest)])
    } else if (choice.logprobs && choice.logprobs.length > 0) {
      let offset = choice.prompt.length
      for (const entry of choice.logprobs) {
        const logprobs =
          kind === 'chat'
            ? toChatLogprobs([entry])
            : { ...toCompletionLogprobs([entry], ''), text_offset: [offset] }
        offset += entry.token.length
        chunk([textChoice(index, entry.token, logprobs)])
      }
    } else if (choice.text !== '') {
      chunk([textChoice(index, choice.text)])
    }
    const extension = choiceExtension(choice)
    chunk([
      kind === 'chat'
        ? { index, delta: {}, logprobs: null, finish_reason: choice.finishReason, ...extension }
        : { index, text: '', logprobs: null, finish_reason: choice.finishReason, ...extension },
    ])
  })
  if (includeUsage) {
    stream.send({ ...base, choices: [], usage: wireUsage(result) })
  }
  options.onFinished(result)
  stream.done()
  return result
}

/** Thrown after an error event was streamed: the response is complete, nothing more to send. */
class StreamAlreadyAnswered extends Error {
  constructor(readonly original: unknown) {
    super('The stream already carries the error.')
  }
}

function wireUsage(result: CompletionResult) {
  return {
    prompt_tokens: result.usage.inputTokens,
    completion_tokens: result.usage.outputTokens,
    total_tokens: result.usage.inputTokens + result.usage.outputTokens,
  }
}

function choiceExtension(choice: Choice): { metagen?: Record<string, unknown> } {
  const extension = {
    ...compact({
      answer: choice.answer,
      score: choice.score,
      candidates: choice.candidates,
      stoppedBy: choice.stoppedBy,
      error: choice.error,
    }),
  }
  return Object.keys(extension).length > 0 ? { metagen: extension } : {}
}

/** The non-streaming response body of a completion or chat completion. */
function renderCompletion(
  kind: 'completion' | 'chat',
  id: string,
  parsed: ParsedRequest,
  result: CompletionResult,
): unknown {
  const model = parsed.model
  const echo = parsed.echo === true
  const promptLogprobs = parsed.promptLogprobs !== undefined
  const choices = result.choices.map((choice, index) => {
    if (kind === 'chat') {
      return {
        index,
        message: { role: 'assistant', content: choice.text, refusal: null },
        finish_reason: choice.finishReason,
        logprobs: choice.logprobs ? toChatLogprobs(choice.logprobs) : null,
        ...choiceExtension(choice),
      }
    }
    return {
      index,
      text: echo ? choice.prompt + choice.text : choice.text,
      finish_reason: choice.finishReason,
      logprobs: choice.logprobs
        ? echo && choice.promptTokens
          ? toEchoedLogprobs(choice.promptTokens, choice.logprobs, choice.prompt)
          : toCompletionLogprobs(choice.logprobs, choice.prompt)
        : null,
      ...(promptLogprobs && choice.promptTokens
        ? { prompt_logprobs: toPromptLogprobs(choice.promptTokens) }
        : {}),
      ...choiceExtension(choice),
    }
  })
  return {
    id,
    object: kind === 'chat' ? 'chat.completion' : 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices,
    usage: wireUsage(result),
    system_fingerprint: null,
  }
}

/** Per-request limits on prompts and n (400 naming the field). */
function checkRequestLimits(parsed: ParsedRequest, limits: ServerLimits): void {
  if (parsed.prompts.length > limits.maxPrompts) {
    throw new InvalidArgumentError({
      argument: 'prompt',
      expected: `at most ${limits.maxPrompts} prompts per request (this server's limit)`,
      received: `${parsed.prompts.length} prompts`,
    })
  }
  const chars = parsed.prompts.reduce((sum, prompt) => Math.max(sum, prompt.length), 0)
  if (chars > limits.maxPromptChars) {
    throw new InvalidArgumentError({
      argument: parsed.kind === 'chat' ? 'messages' : 'prompt',
      expected: `at most ${limits.maxPromptChars} characters per prompt (this server's limit)`,
      received: `${chars} characters`,
    })
  }
  if (parsed.n > limits.maxN) {
    throw new InvalidArgumentError({
      argument: 'n',
      expected: `an integer in [1, ${limits.maxN}] (this server's limit)`,
      received: parsed.n,
    })
  }
}

/**
 * OpenAI and vLLM answer 400 when prompt + max_tokens exceed the context; so does this server
 * (argument `max_tokens`), instead of cutting the output short.
 */
function checkContextLength(
  parsed: ParsedRequest,
  maxTokens: number,
  model: {
    maxSequenceLength: number
    tokenizer: { encode(text: string): number[]; encodePrompt?(text: string): number[] }
  },
): void {
  for (const prompt of parsed.prompts) {
    const { tokenizer } = model
    const promptTokens = (
      tokenizer.encodePrompt ? tokenizer.encodePrompt(prompt) : tokenizer.encode(prompt)
    ).length
    if (promptTokens + maxTokens > model.maxSequenceLength) {
      throw new InvalidArgumentError({
        argument:
          parsed.kind === 'chat' && parsed.maxTokensField ? parsed.maxTokensField : 'max_tokens',
        expected: `at most ${Math.max(0, model.maxSequenceLength - promptTokens)}: this model's context is ${model.maxSequenceLength} tokens and the prompt has ${promptTokens}`,
        received: maxTokens,
      })
    }
  }
}

function modelNotFound(id: string): HttpError {
  return new HttpError({
    status: 404,
    message: `The model ${JSON.stringify(id)} does not exist. Served models: see GET /v1/models.`,
    param: 'model',
    code: 'model_not_found',
  })
}

function shuttingDown(): HttpError {
  return new HttpError({
    status: 503,
    message: 'The server is shutting down.',
    code: 'shutting_down',
    headers: { connection: 'close' },
  })
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

/** The path of a request URL without its query (`/` for an unparsable URL). */
function safePath(rawUrl: string | undefined): string {
  try {
    return new URL(rawUrl ?? '/', 'http://localhost').pathname
  } catch {
    return '/'
  }
}

function describeError(error: unknown): string {
  if (error instanceof StreamAlreadyAnswered) return describeError(error.original)
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : ''
    return `${error.name}: ${error.message}${cause}`
  }
  return String(error)
}

/**
 * Bytes of an over-limit request body that the server still reads and throws away after
 * answering 413, so that a client still writing its body gets to read the answer (closing at
 * once resets the connection under its writes: it would see EPIPE or ECONNRESET, not 413). A
 * body declared or sent beyond the limit plus this is cut off by closing the connection.
 */
const DISCARDED_BODY_BYTES = 16 * 1024 * 1024

async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw discardBody(request, 0, maxBytes, declared)
  }
  const chunks: Buffer[] = []
  let size = 0
  // Leaving the loop early must not destroy the request: discardBody still reads it.
  for await (const chunk of request.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length
    if (size > maxBytes) throw discardBody(request, size, maxBytes)
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpError({
      status: 400,
      message: `The request body is not valid JSON: ${(error as Error).message}`,
      code: 'invalid_json',
    })
  }
}

/**
 * The 413 for a body over `maxBytes` (`received` bytes of it read so far, `declared` by its
 * Content-Length if it had one). The rest of the body is read and thrown away on a connection
 * kept open, up to {@link DISCARDED_BODY_BYTES} more; a body declared larger than that gets
 * `Connection: close`, and one that turns out larger has its connection closed when it passes.
 */
function discardBody(
  request: IncomingMessage,
  received: number,
  maxBytes: number,
  declared?: number,
): HttpError {
  const cutOff = maxBytes + DISCARDED_BODY_BYTES
  const closing = declared !== undefined && declared > cutOff
  if (!closing) {
    let discarded = received
    request.on('data', (chunk: Buffer) => {
      discarded += chunk.length
      if (discarded > cutOff) request.socket.destroy()
    })
  }
  request.resume()
  return new HttpError({
    status: 413,
    message: `The request body exceeds ${maxBytes} bytes.`,
    code: 'request_too_large',
    headers: closing ? { connection: 'close' } : {},
  })
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (response.headersSent || response.destroyed) return
  const text = JSON.stringify(body)
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}
