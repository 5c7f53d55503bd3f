// Maps errors of the @anthropic-ai/sdk (HTTP statuses, timeouts, aborts, bad bodies) to metagen errors.

import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk'
import { createApiErrorClassifier } from '@metagen/provider-utils'

/**
 * Classifies an error thrown while calling the Anthropic API, given `{ timeoutMs, provider }`:
 * aborts become AbortedError; HTTP errors (529 overloaded included), timeouts and connection
 * failures become ApiCallError with `status` and `isRetryable`; invalid JSON bodies become a
 * non-retryable ApiCallError (classifyApiError of @metagen/provider-utils with this SDK's classes).
 */
export const classifyAnthropicError = createApiErrorClassifier({
  errorClasses: { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError },
  apiKeySource: 'the ANTHROPIC_API_KEY environment variable',
})
