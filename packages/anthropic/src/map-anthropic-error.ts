// Maps errors of the @anthropic-ai/sdk (HTTP statuses, timeouts, aborts, bad bodies) to metagen errors.

import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk'
import { AbortedError, ApiCallError, MetagenError } from '@metagen/core'
import { type ClassifiedError, parseRetryAfter } from './call-with-retry.js'

/** HTTP statuses worth retrying: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500
}

/**
 * Classifies an error thrown while calling the Anthropic API: aborts become
 * {@link AbortedError}; HTTP errors, timeouts and connection failures become
 * {@link ApiCallError} with `status` and `isRetryable`; invalid JSON bodies become a
 * non-retryable ApiCallError that says the response was malformed.
 */
export function classifyAnthropicError(
  error: unknown,
  context: { timeoutMs: number; provider: string },
): ClassifiedError {
  if (error instanceof AbortedError) return { error, retryable: false }
  if (error instanceof APIUserAbortError) {
    return {
      error: new AbortedError('The request was aborted.', { cause: error }),
      retryable: false,
    }
  }
  if (error instanceof APIConnectionTimeoutError) {
    return {
      error: new ApiCallError({
        message: `${context.provider}: the request timed out after ${context.timeoutMs} ms.`,
        isRetryable: true,
        cause: error,
      }),
      retryable: true,
    }
  }
  if (error instanceof APIConnectionError) {
    return {
      error: new ApiCallError({
        message: `${context.provider}: connection failed: ${error.message}`,
        isRetryable: true,
        cause: error,
      }),
      retryable: true,
    }
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status
    const retryable = isRetryableStatus(status)
    const hint =
      status === 401
        ? ' Check the API key (settings.apiKey or the ANTHROPIC_API_KEY environment variable).'
        : ''
    const retryAfterMs = parseRetryAfter(error.headers)
    return {
      error: new ApiCallError({
        message: `${context.provider} API error ${status}: ${error.message}.${hint}`,
        status,
        isRetryable: retryable,
        cause: error,
      }),
      retryable,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    }
  }
  if (error instanceof SyntaxError) {
    return {
      error: new ApiCallError({
        message: `${context.provider}: malformed response body (not valid JSON): ${error.message}`,
        isRetryable: false,
        cause: error,
      }),
      retryable: false,
    }
  }
  if (error instanceof MetagenError) return { error, retryable: false }
  const message = error instanceof Error ? error.message : String(error)
  return {
    error: new ApiCallError({
      message: `${context.provider}: request failed: ${message}`,
      isRetryable: false,
      cause: error,
    }),
    retryable: false,
  }
}
