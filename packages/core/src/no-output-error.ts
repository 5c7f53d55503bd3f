// The error for a model call that came back without the one output it was asked for: the
// backend broke the LanguageModel contract, so it is a non-retryable ApiCallError.
import { ApiCallError } from './errors.js'
import type { LanguageModel } from './language-model.js'

/** A non-retryable ApiCallError saying that `model` returned no output for a request of n = 1. */
export function noOutputError(model: LanguageModel): ApiCallError {
  return new ApiCallError({
    message: `${model.provider}:${model.modelId} returned no output for a request of n = 1.`,
    isRetryable: false,
  })
}
