// Maps errors of the openai SDK (HTTP statuses, timeouts, aborts, bad bodies) to metagen errors.
import { createApiErrorClassifier } from '@metagen/provider-utils'
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai'

/**
 * Classifies an error thrown while calling an OpenAI(-compatible) API, given
 * `{ timeoutMs, provider }`: aborts become AbortedError; HTTP errors, timeouts and connection
 * failures become ApiCallError with `status` and `isRetryable`; invalid JSON bodies become a
 * non-retryable ApiCallError that says the response was malformed (classifyApiError of
 * @metagen/provider-utils with the openai SDK's error classes).
 */
export const classifyOpenAIError = createApiErrorClassifier({
  errorClasses: { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError },
  apiKeySource: 'the OPENAI_API_KEY environment variable',
})
