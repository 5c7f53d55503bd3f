// Splitting one call's usage across the samples it produced, so that the cost recorded on each
// search node sums to what the call really cost.
import { emptyUsage, type Usage } from '@metagen/core'

/**
 * Splits `usage` into `outputTokens.length` shares: share i gets `outputTokens[i]` generated
 * tokens; prompt tokens, cached tokens, calls, FLOPs and cost are split evenly, integer fields by
 * floor with the remainder going to the first shares. The shares sum exactly to `usage` when
 * `outputTokens` sums to `usage.outputTokens`.
 */
export function splitUsage(usage: Usage, outputTokens: readonly number[]): Usage[] {
  const count = outputTokens.length
  const shares: Usage[] = []
  for (let index = 0; index < count; index++) {
    const share = emptyUsage()
    share.outputTokens = outputTokens[index] ?? 0
    share.inputTokens = evenShare(usage.inputTokens, count, index)
    share.calls = evenShare(usage.calls, count, index)
    if (usage.cachedInputTokens !== undefined) {
      share.cachedInputTokens = evenShare(usage.cachedInputTokens, count, index)
    }
    if (usage.flops !== undefined) share.flops = usage.flops / count
    if (usage.costUsd !== undefined) share.costUsd = usage.costUsd / count
    shares.push(share)
  }
  return shares
}

function evenShare(total: number, count: number, index: number): number {
  const base = Math.floor(total / count)
  return base + (index < total - base * count ? 1 : 0)
}
