// The per-sample token cap that keeps a batch of samples inside the remaining output-token budget.
import { BudgetExhaustedError, type RunContext } from '@metagen/core'

/**
 * The largest number of tokens each of `samples` samples may generate so that together they fit
 * the budget's remaining output tokens, capped at `maxTokens`. Throws
 * {@link BudgetExhaustedError} when the budget is exhausted or leaves less than one token per
 * sample.
 */
export function outputTokenShare(context: RunContext, samples: number, maxTokens: number): number {
  context.budget.assertAvailable()
  const remaining = context.budget.remainingOutputTokens()
  if (!Number.isFinite(remaining)) return maxTokens
  const share = Math.floor(remaining / samples)
  if (share < 1) throw new BudgetExhaustedError({ limit: 'outputTokens' })
  return Math.min(maxTokens, share)
}
