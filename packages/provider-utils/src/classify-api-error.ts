// Maps errors of a Stainless-generated API SDK (openai, @anthropic-ai/sdk: HTTP statuses,
// timeouts, aborts, bad bodies) to metagen errors, given the SDK's error classes.
import { AbortedError, ApiCallError, compact, MetagenError } from '@metagen/core'
import { type ClassifiedError, parseRetryAfter } from './call-with-retry.js'

/** A class whose instances are recognised with `instanceof` (an SDK error class). */
// biome-ignore lint/suspicious/noExplicitAny: SDK error constructors take various arguments
export type ErrorClass = abstract new (...args: any[]) => Error

/**
 * The error classes of an SDK. Both the openai and the @anthropic-ai/sdk SDKs export these four
 * under the same names (`APIUserAbortError`, `APIConnectionTimeoutError`, `APIConnectionError`,
 * `APIError`); `APIConnectionTimeoutError` must be tested before its base `APIConnectionError`.
 */
export interface SdkErrorClasses {
  /** Thrown when the caller's signal aborted the request. */
  APIUserAbortError: ErrorClass
  /** Thrown when one HTTP attempt exceeded the client's timeout. */
  APIConnectionTimeoutError: ErrorClass
  /** Thrown when the connection failed or was dropped. */
  APIConnectionError: ErrorClass
  /** Thrown for an HTTP error status; instances carry `status` (number) and `headers` (Headers). */
  APIError: ErrorClass
}

/** Options of {@link classifyApiError}. */
export interface ClassifyApiErrorOptions {
  /** Provider name that starts every message, e.g. `openai`. */
  provider: string
  /** Timeout of one HTTP attempt in milliseconds (quoted in the timeout message). */
  timeoutMs: number
  /** The SDK's error classes. */
  errorClasses: SdkErrorClasses
  /** Where the API key comes from, quoted in the hint of a 401, e.g. `the OPENAI_API_KEY environment variable`. */
  apiKeySource: string
}

/** HTTP statuses worth retrying: timeouts (408), conflicts (409), rate limits (429) and server errors (>= 500). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500
}

/**
 * Whether an HTTP error is worth retrying, as the official SDKs decide: the server's
 * `x-should-retry` header (`true` or `false`) wins; without it, {@link isRetryableStatus}.
 */
export function shouldRetry(
  status: number,
  headers: { get(name: string): string | null } | undefined,
): boolean {
  const header = headers?.get('x-should-retry')?.trim().toLowerCase()
  if (header === 'true') return true
  if (header === 'false') return false
  return isRetryableStatus(status)
}

/**
 * Classifies an error thrown while calling a remote API: aborts become {@link AbortedError};
 * HTTP errors become {@link ApiCallError} with `status`, `isRetryable` (see
 * {@link shouldRetry}: `x-should-retry` first, then the status) and the server's retry-after; timeouts and connection failures
 * become retryable ApiCallErrors; a `SyntaxError` (invalid JSON body) becomes a non-retryable
 * ApiCallError that says the response was malformed; other metagen errors pass through
 * unretried; anything else becomes a non-retryable ApiCallError.
 */
export function classifyApiError(
  error: unknown,
  options: ClassifyApiErrorOptions,
): ClassifiedError {
  const { provider, errorClasses } = options
  if (AbortedError.isInstance(error)) return { error, retryable: false }
  if (error instanceof errorClasses.APIUserAbortError) {
    return {
      error: new AbortedError('The request was aborted.', { cause: error }),
      retryable: false,
    }
  }
  if (error instanceof errorClasses.APIConnectionTimeoutError) {
    return {
      error: new ApiCallError({
        message: `${provider}: the request timed out after ${options.timeoutMs} ms.`,
        isRetryable: true,
        cause: error,
      }),
      retryable: true,
    }
  }
  if (error instanceof errorClasses.APIConnectionError) {
    return {
      error: new ApiCallError({
        message: `${provider}: connection failed: ${error.message}`,
        isRetryable: true,
        cause: error,
      }),
      retryable: true,
    }
  }
  if (error instanceof errorClasses.APIError) {
    const { status, headers } = error as Error & { status?: unknown; headers?: unknown }
    if (typeof status === 'number') {
      const retryable = shouldRetry(status, isHeaders(headers) ? headers : undefined)
      const hint =
        status === 401 ? ` Check the API key (settings.apiKey or ${options.apiKeySource}).` : ''
      const retryAfterMs = parseRetryAfter(isHeaders(headers) ? headers : undefined)
      return {
        error: new ApiCallError({
          message: `${provider} API error ${status}: ${error.message}.${hint}`,
          status,
          isRetryable: retryable,
          cause: error,
        }),
        retryable,
        ...compact({ retryAfterMs }),
      }
    }
  }
  if (error instanceof SyntaxError) {
    return {
      error: new ApiCallError({
        message: `${provider}: malformed response body (not valid JSON): ${error.message}`,
        isRetryable: false,
        cause: error,
      }),
      retryable: false,
    }
  }
  if (MetagenError.isInstance(error)) return { error, retryable: false }
  const message = error instanceof Error ? error.message : String(error)
  return {
    error: new ApiCallError({
      message: `${provider}: request failed: ${message}`,
      isRetryable: false,
      cause: error,
    }),
    retryable: false,
  }
}

/**
 * A classifier for one SDK: `(error, { provider, timeoutMs }) => classifyApiError(error, ...)`
 * with that SDK's `errorClasses` and `apiKeySource` (see {@link ClassifyApiErrorOptions}).
 */
export function createApiErrorClassifier(
  sdk: Pick<ClassifyApiErrorOptions, 'errorClasses' | 'apiKeySource'>,
): (error: unknown, context: { provider: string; timeoutMs: number }) => ClassifiedError {
  return (error, context) => classifyApiError(error, { ...context, ...sdk })
}

/** A non-retryable {@link ApiCallError} saying `${provider}: malformed response: ${detail}.` */
export function malformedResponseError(detail: string, provider: string): ApiCallError {
  return new ApiCallError({
    message: `${provider}: malformed response: ${detail}.`,
    isRetryable: false,
  })
}

/**
 * The error to throw when a streamed response fails: when text was already emitted (`emitted`)
 * and the failure is retryable, a retry would emit the text again, so the failure becomes a
 * non-retryable {@link ApiCallError}; otherwise `error` itself (classified later by the retry loop).
 */
export function streamFailure(
  error: unknown,
  options: { emitted: boolean; provider: string; classify: (error: unknown) => ClassifiedError },
): unknown {
  if (!options.emitted) return error
  const classified = options.classify(error)
  if (!classified.retryable) return error
  return new ApiCallError({
    message: `${options.provider}: the stream failed after partial output (not retried): ${classified.error.message}`,
    isRetryable: false,
    cause: error,
  })
}

function isHeaders(value: unknown): value is Pick<Headers, 'get'> {
  return typeof (value as { get?: unknown } | null | undefined)?.get === 'function'
}
