// @metagen/provider-utils: shared plumbing of metagen's remote backends (retries with backoff,
// concurrency-limited request runner, async queue, SDK error mapping, partial-failure helpers).
export { assertModelId } from './assert-model-id.js'
export type { AsyncQueue } from './async-queue.js'
export { createAsyncQueue } from './async-queue.js'
export type {
  CallWithRetryOptions,
  ClassifiedError,
  RetryPolicy,
} from './call-with-retry.js'
export {
  callWithRetry,
  defaultRetryPolicy,
  parseRetryAfter,
  resolveRetryPolicy,
} from './call-with-retry.js'
export type { ClassifyApiErrorOptions, ErrorClass, SdkErrorClasses } from './classify-api-error.js'
export {
  classifyApiError,
  createApiErrorClassifier,
  isRetryableStatus,
  malformedResponseError,
  shouldRetry,
  streamFailure,
} from './classify-api-error.js'
export { findModelPrice } from './find-model-price.js'
export {
  droppedSettingWarning,
  missingPriceWarning,
  unknownProviderOptionWarnings,
} from './generate-warnings.js'
export type { LoadApiKeyOptions } from './load-api-key.js'
export { loadApiKey, loadOptionalApiKey } from './load-api-key.js'
export type { RemoteCallRunnerOptions, RemoteCallStats } from './remote-call-runner.js'
export { RemoteCallRunner } from './remote-call-runner.js'
export type { RemoteLanguageModelSettings } from './remote-language-model.js'
export { RemoteLanguageModel } from './remote-language-model.js'
export { failedSampleOutput, throwIfAllSamplesFailed, toError } from './sample-results.js'
export type { GenerationStreamPart, TextDeltaHandler } from './stream-generation.js'
export { streamGeneration } from './stream-generation.js'
