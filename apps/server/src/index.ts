// @metagen/server: an OpenAI-compatible HTTP server over metagen's local models and strategies.

export { chatMessagesToPrompt } from './chat-prompt.js'
export type { MetagenServer, MetagenServerOptions } from './create-metagen-server.js'
export { createMetagenServer, defaultServedModels } from './create-metagen-server.js'
export type { OpenAiErrorBody } from './http-error.js'
export { HttpError, toErrorResponse } from './http-error.js'
export type { ParsedRequest } from './parse-request.js'
export { maxSamplesPerRequest, parseRequest } from './parse-request.js'
export type { ChatTokenLogprob, CompletionLogprobs } from './wire-format.js'
export { toChatLogprobs, toCompletionLogprobs, toWireFinishReason } from './wire-format.js'
