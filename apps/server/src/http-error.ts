// Errors of the HTTP layer and their mapping to OpenAI's error body and status codes.
import { AbortedError, InvalidArgumentError, UnsupportedCapabilityError } from '@metagen/core'

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
  constructor(options: { status: number; message: string; param?: string; code?: string }) {
    super(options.message)
    this.status = options.status
    this.param = options.param ?? null
    this.code = options.code ?? null
  }
}

/**
 * Maps any error to a status and an OpenAI error body: HttpError keeps its own; InvalidArgumentError
 * and UnsupportedCapabilityError give 400 (`invalid_request_error`, `param` = the argument);
 * AbortedError 499 (client closed the request); anything else 500 (`server_error`).
 */
export function toErrorResponse(error: unknown): { status: number; body: OpenAiErrorBody } {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: {
        error: {
          message: error.message,
          type: error.status >= 500 ? 'server_error' : 'invalid_request_error',
          param: error.param,
          code: error.code,
        },
      },
    }
  }
  if (error instanceof InvalidArgumentError) {
    return {
      status: 400,
      body: {
        error: {
          message: error.message,
          type: 'invalid_request_error',
          param: error.argument,
          code: 'invalid_argument',
        },
      },
    }
  }
  if (error instanceof UnsupportedCapabilityError) {
    return {
      status: 400,
      body: {
        error: {
          message: error.message,
          type: 'invalid_request_error',
          param: null,
          code: 'unsupported_capability',
        },
      },
    }
  }
  if (error instanceof AbortedError) {
    return {
      status: 499,
      body: {
        error: { message: error.message, type: 'invalid_request_error', param: null, code: null },
      },
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return {
    status: 500,
    body: { error: { message, type: 'server_error', param: null, code: null } },
  }
}
