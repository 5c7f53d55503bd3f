// @metagen/anthropic: metagen language models over the Anthropic Messages API (@anthropic-ai/sdk).

export type { ClassifiedError, RetryPolicy } from '@metagen/provider-utils'
export {
  callWithRetry,
  defaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
} from '@metagen/provider-utils'
export type {
  AnthropicLanguageModelConfig,
  AnthropicModelOptions,
  AnthropicModelStats,
  AnthropicPromptCaching,
  AnthropicProviderOptions,
  AnthropicStreamPart,
} from './anthropic-language-model.js'
export { AnthropicLanguageModel } from './anthropic-language-model.js'
export type { AnthropicModelPrice } from './anthropic-prices.js'
export {
  anthropicPrices,
  anthropicPricesDate,
  computeAnthropicCost,
  findAnthropicPrice,
} from './anthropic-prices.js'
export type { AnthropicProvider, AnthropicSettings } from './create-anthropic.js'
export { createAnthropic } from './create-anthropic.js'
export { classifyAnthropicError } from './map-anthropic-error.js'
