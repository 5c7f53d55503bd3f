// Prices of Anthropic models per million tokens, including prompt-cache writes and reads.
import type { Usage } from '@metagen/core'
import { findModelPrice } from '@metagen/provider-utils'

/** Price of one model in US dollars per million tokens. */
export interface AnthropicModelPrice {
  /** Uncached input tokens, USD per 1M. */
  inputPerMillion: number
  /** Generated tokens (thinking included), USD per 1M. */
  outputPerMillion: number
  /** Input tokens written to the 5-minute cache, USD per 1M (default 1.25 x input). */
  cacheWritePerMillion?: number
  /** Input tokens written to the 1-hour cache, USD per 1M (default 2 x input). */
  cacheWrite1hPerMillion?: number
  /** Input tokens read from the cache, USD per 1M (default 0.1 x input). */
  cacheReadPerMillion?: number
}

/**
 * Standard list prices of Anthropic models (USD per 1M tokens), transcribed from
 * https://docs.anthropic.com/en/docs/about-claude/pricing as of 2025-11 (without network
 * access while writing this package; verify before relying on them, and override or extend
 * them with `createAnthropic({ prices })`). Cache writes cost 1.25x (5 min) or 2x (1 h) the
 * input price and cache reads 0.1x. Models newer than that date (e.g. the claude-*-5 family
 * that SDK 1.14.0 lists) are not in the table: their usage has no costUsd and a warning.
 */
export const anthropicPricesDate = '2025-11'

const price = (input: number, output: number): AnthropicModelPrice => ({
  inputPerMillion: input,
  outputPerMillion: output,
})

/** The built-in price table, keyed by model id (dated snapshots match their base id). */
export const anthropicPrices: Readonly<Record<string, AnthropicModelPrice>> = {
  'claude-opus-4-5': price(5, 25),
  'claude-opus-4-1': price(15, 75),
  'claude-opus-4': price(15, 75),
  'claude-opus-4-0': price(15, 75),
  'claude-sonnet-4-5': price(3, 15),
  'claude-sonnet-4': price(3, 15),
  'claude-sonnet-4-0': price(3, 15),
  'claude-3-7-sonnet': price(3, 15),
  'claude-3-7-sonnet-latest': price(3, 15),
  'claude-haiku-4-5': price(1, 5),
  'claude-3-5-haiku': price(0.8, 4),
  'claude-3-5-haiku-latest': price(0.8, 4),
  'claude-3-haiku': price(0.25, 1.25),
}

const snapshotSuffix = /^-(\d{8}|\d{4}-\d{2}-\d{2})$/

/**
 * The price of `modelId` in `table`: an exact match, else the longest id of which `modelId` is
 * a dated snapshot (`claude-haiku-4-5-20251001` -> `claude-haiku-4-5`). Undefined when unknown.
 */
export function findAnthropicPrice(
  modelId: string,
  table: Readonly<Record<string, AnthropicModelPrice>> = anthropicPrices,
): AnthropicModelPrice | undefined {
  return findModelPrice(modelId, table, snapshotSuffix)
}

/**
 * Estimated cost in USD of `usage` at `price`: uncached input, cache writes (`cacheWrite1hTokens`
 * of them at the 1-hour rate, the rest at the 5-minute rate), cache reads and output.
 */
export function computeAnthropicCost(
  usage: Usage,
  price: AnthropicModelPrice,
  cacheWrite1hTokens = 0,
): number {
  const read = usage.cachedInputTokens ?? 0
  const written = usage.cacheWriteInputTokens ?? 0
  const uncached = usage.inputTokens - read - written
  const write5m = price.cacheWritePerMillion ?? price.inputPerMillion * 1.25
  const write1h = price.cacheWrite1hPerMillion ?? price.inputPerMillion * 2
  const readRate = price.cacheReadPerMillion ?? price.inputPerMillion * 0.1
  return (
    (uncached * price.inputPerMillion +
      (written - cacheWrite1hTokens) * write5m +
      cacheWrite1hTokens * write1h +
      read * readRate +
      usage.outputTokens * price.outputPerMillion) /
    1_000_000
  )
}
