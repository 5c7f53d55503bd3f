// Prices of OpenAI models per million tokens, so that usage converts to an estimated cost.
import type { Usage } from '@metagen/core'
import { findModelPrice } from '@metagen/provider-utils'

/** Price of one model in US dollars per million tokens. */
export interface OpenAIModelPrice {
  /** Uncached prompt tokens, USD per 1M. */
  inputPerMillion: number
  /** Prompt tokens served from the prompt cache, USD per 1M (default: `inputPerMillion`). */
  cachedInputPerMillion?: number
  /** Generated tokens (reasoning tokens included), USD per 1M. */
  outputPerMillion: number
}

/**
 * Standard-tier list prices of OpenAI models (USD per 1M tokens), transcribed from
 * https://openai.com/api/pricing and https://platform.openai.com/docs/pricing as of 2025-11
 * (without network access while writing this package; verify before relying on them, and
 * override or extend them with `createOpenAI({ prices })`). Batch, flex and priority tiers differ.
 */
export const openaiPricesDate = '2025-11'

/** The built-in price table, keyed by model id (dated snapshots match their base id). */
export const openaiPrices: Readonly<Record<string, OpenAIModelPrice>> = {
  'gpt-5': { inputPerMillion: 1.25, cachedInputPerMillion: 0.125, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, cachedInputPerMillion: 0.025, outputPerMillion: 2 },
  'gpt-5-nano': { inputPerMillion: 0.05, cachedInputPerMillion: 0.005, outputPerMillion: 0.4 },
  'gpt-5-chat-latest': {
    inputPerMillion: 1.25,
    cachedInputPerMillion: 0.125,
    outputPerMillion: 10,
  },
  'gpt-4.1': { inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, cachedInputPerMillion: 0.1, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, cachedInputPerMillion: 0.025, outputPerMillion: 0.4 },
  'gpt-4o': { inputPerMillion: 2.5, cachedInputPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.6 },
  'gpt-4-turbo': { inputPerMillion: 10, outputPerMillion: 30 },
  'gpt-3.5-turbo': { inputPerMillion: 0.5, outputPerMillion: 1.5 },
  'gpt-3.5-turbo-instruct': { inputPerMillion: 1.5, outputPerMillion: 2 },
  'davinci-002': { inputPerMillion: 2, outputPerMillion: 2 },
  'babbage-002': { inputPerMillion: 0.4, outputPerMillion: 0.4 },
  o1: { inputPerMillion: 15, cachedInputPerMillion: 7.5, outputPerMillion: 60 },
  'o1-mini': { inputPerMillion: 1.1, cachedInputPerMillion: 0.55, outputPerMillion: 4.4 },
  o3: { inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
  'o3-mini': { inputPerMillion: 1.1, cachedInputPerMillion: 0.55, outputPerMillion: 4.4 },
  'o4-mini': { inputPerMillion: 1.1, cachedInputPerMillion: 0.275, outputPerMillion: 4.4 },
}

const snapshotSuffix = /^-(\d{4}-\d{2}-\d{2}|\d{4})$/

/**
 * The price of `modelId` in `table`: an exact match, else the longest id of which `modelId` is
 * a dated snapshot (`gpt-4o-2024-08-06` -> `gpt-4o`). Undefined when unknown.
 */
export function findOpenAIPrice(
  modelId: string,
  table: Readonly<Record<string, OpenAIModelPrice>> = openaiPrices,
): OpenAIModelPrice | undefined {
  return findModelPrice(modelId, table, snapshotSuffix)
}

/** Estimated cost in USD of `usage` at `price` (cached prompt tokens at the cached rate). */
export function computeOpenAICost(usage: Usage, price: OpenAIModelPrice): number {
  const cached = usage.cachedInputTokens ?? 0
  const uncached = usage.inputTokens - cached
  return (
    (uncached * price.inputPerMillion +
      cached * (price.cachedInputPerMillion ?? price.inputPerMillion) +
      usage.outputTokens * price.outputPerMillion) /
    1_000_000
  )
}
