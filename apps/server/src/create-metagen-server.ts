// The OpenAI-compatible HTTP server (node:http, no framework): /v1/models, /v1/completions and
// /v1/chat/completions over one shared StrategyEnvironment, so each model loads once.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AbortedError,
  addUsage,
  emptyUsage,
  type GenerateOutput,
  type TextOutput,
  type Usage,
} from '@metagen/core'
import {
  createDefaultStrategyRegistry,
  createStrategyEnvironment,
  type ManagedStrategyEnvironment,
  run,
} from '@metagen/orchestrator'
import { HttpError, toErrorResponse } from './http-error.js'
import { type ParsedRequest, parseRequest } from './parse-request.js'
import { toChatLogprobs, toCompletionLogprobs, toWireFinishReason } from './wire-format.js'

/** The models served by default. */
export const defaultServedModels: readonly string[] = ['tinymath-generator', 'tinymath-draft']

/** Options of {@link createMetagenServer}. */
export interface MetagenServerOptions {
  /** Model ids listed by /v1/models and accepted in requests (default {@link defaultServedModels}). */
  models?: readonly string[]
  /** Default maximum generated tokens per sample when a request has no max_tokens, an integer >= 1 (default 128). */
  maxTokens?: number
  /** onnxruntime threads per local model, an integer >= 1 (default: the backend's). */
  threads?: number
  /** Largest accepted request body in bytes (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number
}

/** A running (or ready to run) metagen server. */
export interface MetagenServer {
  /**
   * Starts listening on `port` (0 picks a free one) and `host` (default 127.0.0.1); resolves
   * with the base URL, e.g. `http://127.0.0.1:8080` (the API is under `/v1`).
   */
  listen(port: number, host?: string): Promise<string>
  /** Stops accepting connections, ends open ones and closes every loaded model. Idempotent. */
  close(): Promise<void>
  /** The base URL once listening (throws before `listen` resolved). */
  readonly url: string
}

/**
 * Creates the server. Models load lazily on the first request that needs them and are shared
 * by all requests; requests run concurrently (the local backend batches their passes).
 */
export function createMetagenServer(options: MetagenServerOptions = {}): MetagenServer {
  const models = options.models ?? defaultServedModels
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
  const registry = createDefaultStrategyRegistry()
  const environment = createStrategyEnvironment({
    modelId: models[0] ?? 'tinymath-generator',
    registry,
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  })
  const created = Math.floor(Date.now() / 1000)
  let url: string | undefined
  let closing: Promise<void> | undefined

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendError(response, error))
  })

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '')
    if (path === '/v1/models' || path.startsWith('/v1/models/')) {
      requireMethod(request, 'GET')
      const list = models.map((id) => ({ id, object: 'model', created, owned_by: 'metagen' }))
      if (path === '/v1/models') return sendJson(response, 200, { object: 'list', data: list })
      const id = decodeURIComponent(path.slice('/v1/models/'.length))
      const model = list.find((entry) => entry.id === id)
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
      throw new HttpError({ status: 404, message: `Unknown path ${path}.`, code: 'not_found' })
    }
    requireMethod(request, 'POST')
    const body = await readJsonBody(request, maxBodyBytes)
    const parsed = parseRequest(body, kind)
    if (!models.includes(parsed.model)) throw modelNotFound(parsed.model)
    const abort = new AbortController()
    response.on('close', () => {
      if (!response.writableFinished)
        abort.abort(new AbortedError('The client closed the request.'))
    })
    const result = await complete(environment.forModel(parsed.model), parsed, abort.signal)
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`
    const usage = {
      prompt_tokens: result.usage.inputTokens,
      completion_tokens: result.usage.outputTokens,
      total_tokens: result.usage.inputTokens + result.usage.outputTokens,
    }
    const choices = result.choices.map((choice, index) => {
      const extension = {
        ...(choice.answer !== undefined ? { answer: choice.answer } : {}),
        ...(choice.score !== undefined ? { score: choice.score } : {}),
        ...(choice.candidates !== undefined ? { candidates: choice.candidates } : {}),
        ...(choice.error !== undefined ? { error: choice.error } : {}),
      }
      const metagen = Object.keys(extension).length > 0 ? { metagen: extension } : {}
      if (kind === 'chat') {
        return {
          index,
          message: { role: 'assistant', content: choice.text, refusal: null },
          finish_reason: choice.finishReason,
          logprobs: choice.logprobs ? toChatLogprobs(choice.logprobs) : null,
          ...metagen,
        }
      }
      return {
        index,
        text: choice.text,
        finish_reason: choice.finishReason,
        logprobs: choice.logprobs ? toCompletionLogprobs(choice.logprobs, choice.prompt) : null,
        ...metagen,
      }
    })
    sendJson(response, 200, {
      id,
      object: kind === 'chat' ? 'chat.completion' : 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: parsed.model,
      choices,
      usage,
      system_fingerprint: null,
    })
  }

  return {
    listen(port, host = '127.0.0.1') {
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
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }).then(() => environment.close())
      return closing
    },
    get url() {
      if (url === undefined) throw new Error('The server is not listening: call listen() first.')
      return url
    },
  }
}

/** One choice before rendering to the wire format. */
interface Choice {
  prompt: string
  text: string
  finishReason: string
  logprobs?: GenerateOutput['logprobs']
  answer?: string
  score?: number
  /** Number of candidates the strategy considered, where it reports them. */
  candidates?: number
  error?: string
}

/**
 * Runs a parsed request: plain sampling through the model's LanguageModel (one `generate`
 * with `n` samples per prompt), or with `metagen.strategy` the built strategy, run `n` times per
 * prompt with seeds `seed + i` (seed default 0). Choices are ordered by prompt, then sample.
 * A failed sample becomes a choice with finish_reason `error`; when every sample fails, the
 * first error is thrown.
 */
async function complete(
  environment: ManagedStrategyEnvironment,
  request: ParsedRequest,
  signal: AbortSignal,
): Promise<{ choices: Choice[]; usage: Usage }> {
  const maxTokens = request.maxTokens ?? environment.maxTokens
  const sampling = {
    maxTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    ...(request.stop !== undefined ? { stop: request.stop } : {}),
  }
  const errors: unknown[] = []
  let choices: Choice[]
  let usage: Usage
  if (request.strategy === undefined) {
    const model = await environment.languageModel()
    const results = await Promise.all(
      request.prompts.map((prompt) =>
        model.generate({
          prompt,
          n: request.n,
          ...sampling,
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          ...(request.logprobs ? { logprobs: true, topLogprobs: request.topLogprobs ?? 0 } : {}),
          signal,
        }),
      ),
    )
    usage = addUsage(...results.map((result) => result.usage))
    choices = results.flatMap((result, promptIndex) =>
      result.outputs.map((output) => {
        const prompt = request.prompts[promptIndex] as string
        if (output.error) {
          errors.push(output.error)
          return { prompt, text: '', finishReason: 'error', error: output.error.message }
        }
        return {
          prompt,
          text: output.text,
          finishReason: toWireFinishReason(output.finishReason),
          ...(output.logprobs ? { logprobs: output.logprobs } : {}),
        }
      }),
    )
  } else {
    const generator = await environment.build(request.strategy as never)
    const baseSeed = request.seed ?? 0
    const runs = request.prompts.flatMap((prompt) =>
      Array.from({ length: request.n }, (_, index) =>
        run(
          generator,
          { prompt, request: sampling },
          { seed: (baseSeed + index) % 2 ** 32, signal },
        ),
      ),
    )
    const settled = await Promise.allSettled(runs)
    usage = emptyUsage()
    choices = settled.map((outcome, index) => {
      const prompt = request.prompts[Math.floor(index / request.n)] as string
      if (outcome.status === 'rejected') {
        errors.push(outcome.reason)
        const message =
          outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)
        return { prompt, text: '', finishReason: 'error', error: message }
      }
      usage = addUsage(usage, outcome.value.usage)
      const output: TextOutput = outcome.value.output
      return {
        prompt,
        text: output.text,
        finishReason: toWireFinishReason(output.finishReason),
        ...(output.answer !== undefined ? { answer: output.answer } : {}),
        ...(output.score !== undefined ? { score: output.score } : {}),
        ...(output.candidates !== undefined ? { candidates: output.candidates.length } : {}),
      }
    })
  }
  if (errors.length === choices.length && errors.length > 0) throw errors[0]
  return { choices, usage }
}

function modelNotFound(id: string): HttpError {
  return new HttpError({
    status: 404,
    message: `The model ${JSON.stringify(id)} does not exist. Served models: see GET /v1/models.`,
    param: 'model',
    code: 'model_not_found',
  })
}

function requireMethod(request: IncomingMessage, method: string): void {
  if (request.method !== method) {
    throw new HttpError({
      status: 405,
      message: `Method ${request.method ?? ''} is not allowed here: use ${method}.`,
      code: 'method_not_allowed',
    })
  }
}

async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > maxBytes) {
      throw new HttpError({
        status: 413,
        message: `The request body exceeds ${maxBytes} bytes.`,
        code: 'request_too_large',
      })
    }
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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

function sendError(response: ServerResponse, error: unknown): void {
  const { status, body } = toErrorResponse(error)
  sendJson(response, status, body)
}
