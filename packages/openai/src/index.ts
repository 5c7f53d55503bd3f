// @metagen/openai: metagen language models over the openai SDK (OpenAI and compatible servers).
// Retry policies and error classification come from @metagen/provider-utils (not re-exported).

export type { OpenAIProvider, OpenAISettings } from './create-openai.js'
export { createOpenAI, defaultOpenAIApi } from './create-openai.js'
export type { GuidedDecodingSpec } from './guided-language-model.js'
export { createGuidedLanguageModel } from './guided-language-model.js'
export { classifyOpenAIError } from './map-openai-error.js'
export { OpenAIChatLanguageModel } from './openai-chat-language-model.js'
export { OpenAICompletionLanguageModel } from './openai-completion-language-model.js'
export type {
  CompatibleServerFields,
  OpenAIApi,
  OpenAIBatch,
  OpenAICompatibility,
  OpenAILanguageModelConfig,
  OpenAIModelOptions,
  OpenAIModelStats,
  OpenAIParsedResponse,
  OpenAIPreparedRequest,
  OpenAIRequestParts,
  OpenAISamplingFields,
  OpenAIStreamPart,
} from './openai-language-model.js'
export {
  isOpenAIReasoningModel,
  OpenAILanguageModel,
  openAIPromptTokenOverhead,
} from './openai-language-model.js'
export type { OpenAIModelPrice } from './openai-prices.js'
export {
  computeOpenAICost,
  findOpenAIPrice,
  openaiPrices,
  openaiPricesDate,
} from './openai-prices.js'
export type { OpenAIProviderOptions } from './openai-provider-options.js'
export { parseOpenAIProviderOptions } from './openai-provider-options.js'
export type {
  OpenAIStructuredOutputFields,
  OpenAIStructuredOutputTarget,
  VllmGuidedDecodingFields,
  VllmStructuredOutputs,
} from './openai-structured-output.js'
export {
  defaultResponseFormatName,
  mapGuidedProviderOptions,
  mapOpenAIResponseFormat,
} from './openai-structured-output.js'
