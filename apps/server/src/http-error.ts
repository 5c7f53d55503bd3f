// Errors of the HTTP layer and their mapping to OpenAI's error body and status codes.
import { homedir, tmpdir } from 'node:os'
import {
  AbortedError,
  ApiCallError,
  BudgetExhaustedError,
  InvalidArgumentError,
  ModelLoadError,
  UnsupportedCapabilityError,
} from '@metagen/core'

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export interface OpenAiErrorBody {
  error: {
    /** Human-readable description naming the bad argument where there is one. */
    message: string
    /** `invalid_request_error` (4xx) or `server_error` (5xx). */
    type: string
    /** The request field concerned, or null. */
    param: string | null
    /** A machine-readable code (e.g. `model_not_found`), or null. */
    code: string | null
  }
}

/** An error that carries its HTTP status and OpenAI error fields. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  /** HTTP status code, e.g. 400, 404, 405, 413. */
  readonly status: number
  /** OpenAI error `param` (the request field concerned), or null. */
  readonly param: string | null
  /** OpenAI error `code`, or null. */
  readonly code: string | null
  /** OpenAI error `type` (default: `invalid_request_error` below 500, `server_error` from 500). */
  readonly type: string
  /** Extra response headers, e.g. `retry-after` of a 429. */
  readonly headers: Readonly<Record<string, string>>
  constructor(options: {
    status: number
    message: string
    param?: string
    code?: string
    type?: string
    headers?: Record<string, string>
  }) {
    super(options.message)
    this.status = options.status
    this.param = options.param ?? null
    this.code = options.code ?? null
    this.type = options.type ?? (options.status >= 500 ? 'server_error' : 'invalid_request_error')
    this.headers = options.headers ?? {}
  }
}

/** What {@link toErrorResponse} returns. */
export interface ErrorResponse {
  status: number
  body: OpenAiErrorBody
  headers: Readonly<Record<string, string>>
}

/**
 * Maps any error to a status and an OpenAI error body: HttpError keeps its own; InvalidArgumentError
 * and UnsupportedCapabilityError give 400 (`invalid_request_error`, `param` = the argument);
 * AbortedError 499 (client closed the request); ModelLoadError 503 and any other error 500, both
 * with a fixed message (`requestId` only): the details (paths, native messages) go to the log,
 * never to the client. Messages of 4xx errors pass through {@link scrubMessage}.
 */
export function toErrorResponse(error: unknown, requestId = ''): ErrorResponse {
  const body = (message: string, type: string, param: string | null, code: string | null) => ({
    error: { message: scrubMessage(message), type, param, code },
  })
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: body(error.message, error.type, error.param, error.code),
      headers: error.headers,
    }
  }
  if (InvalidArgumentError.isInstance(error)) {
    return {
      status: 400,
      body: body(error.message, 'invalid_request_error', error.argument, 'invalid_argument'),
      headers: {},
    }
  }
  if (UnsupportedCapabilityError.isInstance(error)) {
    return {
      status: 400,
      body: body(error.message, 'invalid_request_error', null, 'unsupported_capability'),
      headers: {},
    }
  }
  if (BudgetExhaustedError.isInstance(error)) {
    return {
      status: 400,
      body: body(error.message, 'invalid_request_error', null, 'budget_exhausted'),
      headers: {},
    }
  }
  if (AbortedError.isInstance(error)) {
    return {
      status: 499,
      body: body('The client closed the request.', 'invalid_request_error', null, null),
      headers: {},
    }
  }
  const suffix = requestId ? ` (request ${requestId})` : ''
  if (ModelLoadError.isInstance(error)) {
    return {
      status: 503,
      body: body(
        `The model could not be loaded${suffix}; the server log has the details.`,
        'server_error',
        null,
        'model_unavailable',
      ),
      headers: {},
    }
  }
  if (ApiCallError.isInstance(error) && error.isRetryable) {
    return {
      status: 503,
      body: body(`The model backend is unavailable${suffix}.`, 'server_error', null, null),
      headers: { 'retry-after': '1' },
    }
  }
  return {
    status: 500,
    body: body(
      `Internal server error${suffix}; the server log has the details.`,
      'server_error',
      null,
      null,
    ),
    headers: {},
  }
}

/** Prefixes that must not reach a client: the working directory, the home folder, the temp folder. */
const privatePrefixes = [process.cwd(), homedir(), tmpdir()]
  .filter((prefix) => prefix.length > 1)
  .sort((a, b) => b.length - a.length)

/**
 * Removes local paths from an error message: any occurrence of the server's working directory,
 * home folder or temp folder (and what follows up to a space or quote) becomes `<path>`.
 */
export function scrubMessage(message: string): string {
  let scrubbed = message
  for (const prefix of privatePrefixes) {
    let index = scrubbed.indexOf(prefix)
    while (index >= 0) {
      let end = index + prefix.length
      while (end < scrubbed.length && !/[\s"'`,)]/.test(scrubbed[end] as string)) end++
      scrubbed = `${scrubbed.slice(0, index)}<path>${scrubbed.slice(end)}`
      index = scrubbed.indexOf(prefix)
    }
  }
  return scrubbed
}
