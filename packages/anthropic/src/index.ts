// @metagen/anthropic: metagen language models over the Anthropic Messages API (@anthropic-ai/sdk).

// Retry policies and error classification come from @metagen/provider-utils (not re-exported).
export type {
  AnthropicLanguageModelConfig,
  AnthropicModelOptions,
  AnthropicModelStats,
  AnthropicPromptCaching,
  AnthropicSamplingFields,
  AnthropicStreamPart,
} from './anthropic-language-model.js'
export { AnthropicLanguageModel, anthropicPromptTokenOverhead } from './anthropic-language-model.js'
export type { AnthropicModelPrice } from './anthropic-prices.js'
export {
  anthropicPrices,
  anthropicPricesDate,
  computeAnthropicCost,
  findAnthropicPrice,
} from './anthropic-prices.js'
export type { AnthropicProviderOptions } from './anthropic-provider-options.js'
export { parseAnthropicProviderOptions } from './anthropic-provider-options.js'
export type { AnthropicProvider, AnthropicSettings } from './create-anthropic.js'
export { createAnthropic } from './create-anthropic.js'
export { classifyAnthropicError } from './map-anthropic-error.js'
