// What an answer cost: tokens, model calls, and where known FLOPs and money.

/** The compute that a call or a whole run spent. All fields are totals, never rates. */
export interface Usage {
  /** Prompt tokens processed (for local models: tokens prefilled, counting each shared prefix once). */
  inputTokens: number
  /** Tokens generated. */
  outputTokens: number
  /** Model invocations: API requests for remote models, `generate` calls for local ones. */
  calls: number
  /** Prompt tokens served from a provider's prompt cache (part of `inputTokens`). */
  cachedInputTokens?: number
  /** Prompt tokens written to a provider's prompt cache by this call (part of `inputTokens`). */
  cacheWriteInputTokens?: number
  /** Estimated floating point operations, about 2 x parameters per processed token (local models). */
  flops?: number
  /** Estimated cost in US dollars from the provider's price table (remote models). */
  costUsd?: number
}

/** A usage of zero. */
export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, calls: 0 }
}

/** The sum of several usages; optional fields are summed where any operand has them. */
export function addUsage(...usages: readonly Usage[]): Usage {
  const total = emptyUsage()
  for (const usage of usages) {
    total.inputTokens += usage.inputTokens
    total.outputTokens += usage.outputTokens
    total.calls += usage.calls
    if (usage.cachedInputTokens !== undefined) {
      total.cachedInputTokens = (total.cachedInputTokens ?? 0) + usage.cachedInputTokens
    }
    if (usage.cacheWriteInputTokens !== undefined) {
      total.cacheWriteInputTokens = (total.cacheWriteInputTokens ?? 0) + usage.cacheWriteInputTokens
    }
    if (usage.flops !== undefined) total.flops = (total.flops ?? 0) + usage.flops
    if (usage.costUsd !== undefined) total.costUsd = (total.costUsd ?? 0) + usage.costUsd
  }
  return total
}

/** inputTokens + outputTokens. */
export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens
}
