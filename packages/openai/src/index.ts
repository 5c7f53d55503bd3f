// @metagen/openai: metagen language models over the openai SDK (OpenAI and compatible servers).

export type { ClassifiedError, RetryPolicy } from '@metagen/provider-utils'
export {
  callWithRetry,
  defaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
} from '@metagen/provider-utils'
export type { OpenAIProvider, OpenAISettings } from './create-openai.js'
export { createOpenAI } from './create-openai.js'
export { classifyOpenAIError } from './map-openai-error.js'
export type {
  OpenAIApi,
  OpenAICompatibility,
  OpenAILanguageModelConfig,
  OpenAIModelOptions,
  OpenAIModelStats,
  OpenAIStreamPart,
} from './openai-language-model.js'
export { isOpenAIReasoningModel, OpenAILanguageModel } from './openai-language-model.js'
export type { OpenAIModelPrice } from './openai-prices.js'
export {
  computeOpenAICost,
  findOpenAIPrice,
  openaiPrices,
  openaiPricesDate,
} from './openai-prices.js'
export type { OpenAIProviderOptions } from './openai-provider-options.js'
export { parseOpenAIProviderOptions } from './openai-provider-options.js'
