// @metagen/server: an OpenAI-compatible HTTP server over metagen's local models and strategies.

export type { Admission, AdmissionControl, AdmissionControlOptions } from './admission-control.js'
export { createAdmissionControl, tooManyRequests } from './admission-control.js'
export { chatMessagesToPrompt, parseChatMessages } from './chat-prompt.js'
export type { MetagenServer, MetagenServerOptions } from './create-metagen-server.js'
export { createMetagenServer, defaultServedModels } from './create-metagen-server.js'
export type { EventStream } from './event-stream.js'
export { openEventStream } from './event-stream.js'
export type { ErrorResponse, OpenAiErrorBody } from './http-error.js'
export { HttpError, scrubMessage, toErrorResponse } from './http-error.js'
export {
  checkApiKey,
  checkHost,
  checkJsonContentType,
  checkOrigin,
  corsHeaders,
  defaultAllowedHosts,
  hostWithoutPort,
  loopbackHostNames,
} from './http-guards.js'
export type { ModelCatalog, ModelCatalogOptions, ServedModel } from './model-catalog.js'
export { createModelCatalog } from './model-catalog.js'
export type { ParsedRequest } from './parse-request.js'
export { maxSamplesPerRequest, parseRequest } from './parse-request.js'
export type { PlaygroundApiContext } from './playground-api.js'
export {
  handlePlaygroundApi,
  parseRunRequest,
  runBudgetFields,
  runRequestFields,
  scaleSpec,
} from './playground-api.js'
export type { TracePageOptions } from './playground-assets.js'
export {
  playgroundAssetFolder,
  playgroundAssetNames,
  readPlaygroundAsset,
  renderPlaygroundPage,
  renderTracePage,
  servePlaygroundAsset,
} from './playground-assets.js'
export type {
  PlaygroundMessage,
  PlaygroundRun,
  PlaygroundRunExecution,
  PlaygroundRunRequest,
  PlaygroundRunStatus,
  PlaygroundRunSummary,
  PlaygroundRuns,
  PlaygroundRunsOptions,
} from './playground-runs.js'
export { createPlaygroundRuns } from './playground-runs.js'
export type { ServeArguments, ServeIo } from './serve-command.js'
export {
  parseServeArguments,
  playgroundUsage,
  runServeCommand,
  serveFlags,
  serveUsage,
} from './serve-command.js'
export type { ServedEnvironmentOptions } from './served-environment.js'
export { createServedEnvironment } from './served-environment.js'
export type { ModelLoadState, ServerMetrics } from './server-metrics.js'
export { createServerMetrics } from './server-metrics.js'
export type { RequestLogEntry, ServerLimits } from './server-options.js'
export { defaultServerLimits, resolveServerLimits } from './server-options.js'
export { countStrategySamples, sampleCountOptions } from './strategy-samples.js'
export type { ChatTokenLogprob, CompletionLogprobs } from './wire-format.js'
export { toChatLogprobs, toCompletionLogprobs, toWireFinishReason } from './wire-format.js'
