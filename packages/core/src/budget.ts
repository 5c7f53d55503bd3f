// Budgets: limits on tokens, calls, cost and wall time that meta-generators check before each
// call, so that a run stops early and cleanly with the best answer found so far.

import { z } from 'zod'
import { BudgetExhaustedError } from './errors.js'
import { parseOption } from './option-schema.js'
import { addUsage, emptyUsage, type Usage } from './usage.js'

/** Limits for one run. Every field is optional; an absent field means no limit. */
export interface Budget {
  /** Maximum generated tokens. */
  outputTokens?: number
  /** Maximum prompt tokens. */
  inputTokens?: number
  /** Maximum prompt + generated tokens. */
  totalTokens?: number
  /** Maximum model calls. */
  calls?: number
  /** Maximum estimated cost in US dollars. */
  costUsd?: number
  /** Maximum wall time in milliseconds, from the tracker's creation. */
  wallTimeMs?: number
}

/** Tracks spending against a {@link Budget}. Shared by every generator of one run. */
export interface BudgetTracker {
  /** The limits. */
  readonly budget: Readonly<Budget>
  /** What has been spent so far. */
  readonly spent: Readonly<Usage>
  /** Records usage. Never throws: spending is recorded even past the limit. */
  charge(usage: Usage): void
  /** The name of the first limit that is reached, or undefined while every limit has room. */
  exhaustedLimit(): string | undefined
  /** True when any limit is reached. */
  isExhausted(): boolean
  /** Throws {@link BudgetExhaustedError} when any limit is reached. */
  assertAvailable(): void
  /**
   * Output tokens still available (min of the outputTokens and totalTokens limits), or
   * Infinity without such limits. Generators cap `maxTokens` with it so usage never exceeds
   * the budget.
   */
  remainingOutputTokens(): number
  /** Calls still available, or Infinity. */
  remainingCalls(): number
}

const budgetFields = [
  'outputTokens',
  'inputTokens',
  'totalTokens',
  'calls',
  'costUsd',
  'wallTimeMs',
] as const

/** The range of every budget limit (tokens, calls, dollars, milliseconds): a finite number > 0. */
export const budgetLimitSchema = z.number().gt(0).describe('A budget limit: a finite number > 0.')

/** Validates `budget` (every limit must be > 0) and creates a tracker for it. */
export function createBudgetTracker(
  budget: Budget = {},
  now: () => number = Date.now,
): BudgetTracker {
  for (const field of budgetFields) {
    const value = budget[field]
    if (value !== undefined) {
      parseOption(`budget.${field}`, budgetLimitSchema, value)
    }
  }
  const start = now()
  let spent = emptyUsage()
  const tracker: BudgetTracker = {
    budget: { ...budget },
    get spent() {
      return spent
    },
    charge(usage) {
      spent = addUsage(spent, usage)
    },
    exhaustedLimit() {
      if (budget.outputTokens !== undefined && spent.outputTokens >= budget.outputTokens)
        return 'outputTokens'
      if (budget.inputTokens !== undefined && spent.inputTokens >= budget.inputTokens)
        return 'inputTokens'
      if (
        budget.totalTokens !== undefined &&
        spent.inputTokens + spent.outputTokens >= budget.totalTokens
      )
        return 'totalTokens'
      if (budget.calls !== undefined && spent.calls >= budget.calls) return 'calls'
      if (budget.costUsd !== undefined && (spent.costUsd ?? 0) >= budget.costUsd) return 'costUsd'
      if (budget.wallTimeMs !== undefined && now() - start >= budget.wallTimeMs) return 'wallTimeMs'
      return undefined
    },
    isExhausted() {
      return tracker.exhaustedLimit() !== undefined
    },
    assertAvailable() {
      const limit = tracker.exhaustedLimit()
      if (limit !== undefined) throw new BudgetExhaustedError({ limit })
    },
    remainingOutputTokens() {
      let remaining = Number.POSITIVE_INFINITY
      if (budget.outputTokens !== undefined) remaining = budget.outputTokens - spent.outputTokens
      if (budget.totalTokens !== undefined) {
        remaining = Math.min(remaining, budget.totalTokens - spent.inputTokens - spent.outputTokens)
      }
      return Math.max(0, remaining)
    },
    remainingCalls() {
      return budget.calls === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(0, budget.calls - spent.calls)
    },
  }
  return tracker
}
