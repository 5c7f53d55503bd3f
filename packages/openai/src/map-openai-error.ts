// Maps errors of the openai SDK (HTTP statuses, timeouts, aborts, bad bodies) to metagen errors.
import { type ClassifiedError, classifyApiError } from '@metagen/provider-utils'
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai'

const errorClasses = { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError }

/**
 * Classifies an error thrown while calling an OpenAI(-compatible) API: aborts become
 * AbortedError; HTTP errors, timeouts and connection failures become ApiCallError with
 * `status` and `isRetryable`; invalid JSON bodies become a non-retryable ApiCallError that
 * says the response was malformed (see classifyApiError of @metagen/provider-utils).
 */
export function classifyOpenAIError(
  error: unknown,
  context: { timeoutMs: number; provider: string },
): ClassifiedError {
  return classifyApiError(error, {
    ...context,
    errorClasses,
    apiKeySource: 'the OPENAI_API_KEY environment variable',
  })
}
