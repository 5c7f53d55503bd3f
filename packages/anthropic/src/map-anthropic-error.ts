// Maps errors of the @anthropic-ai/sdk (HTTP statuses, timeouts, aborts, bad bodies) to metagen errors.

import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk'
import { type ClassifiedError, classifyApiError } from '@metagen/provider-utils'

const errorClasses = { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError }

/**
 * Classifies an error thrown while calling the Anthropic API: aborts become AbortedError;
 * HTTP errors, timeouts and connection failures become ApiCallError with `status` and
 * `isRetryable`; invalid JSON bodies become a non-retryable ApiCallError that says the
 * response was malformed (see classifyApiError of @metagen/provider-utils).
 */
export function classifyAnthropicError(
  error: unknown,
  context: { timeoutMs: number; provider: string },
): ClassifiedError {
  return classifyApiError(error, {
    ...context,
    errorClasses,
    apiKeySource: 'the ANTHROPIC_API_KEY environment variable',
  })
}
