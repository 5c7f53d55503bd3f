// Budgets: limits on tokens, calls, cost and wall time that meta-generators check before each
// call, so that a run stops early and cleanly with the best answer found so far. A call reserves
// its output tokens and one call before it starts, so concurrent calls can never overshoot.

import { z } from 'zod'
import { BudgetExhaustedError } from './errors.js'
import { parseOption } from './option-schema.js'
import { addUsage, emptyUsage, type Usage } from './usage.js'
import { assertInteger } from './validate.js'

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

/** What a call holds back from the budget before it starts (see {@link BudgetTracker.reserve}). */
export interface BudgetAmount {
  /** Output tokens the call may generate at most (its `maxTokens` times `n`); an integer >= 0. */
  outputTokens: number
  /** Model calls it makes (default 1); an integer >= 0. */
  calls?: number
}

/** Output tokens and calls held by a call in flight; settled or released exactly once. */
export interface BudgetReservation {
  /** Releases the reservation and charges what the call actually spent (the rest is refunded). */
  settle(usage: Usage): void
  /** Releases the reservation without charging anything (the call did not run). */
  release(): void
}

/** Tracks spending against a {@link Budget}. Shared by every generator of one run. */
export interface BudgetTracker {
  /** The limits. */
  readonly budget: Readonly<Budget>
  /** What has been spent so far (settled calls only, not reservations in flight). */
  readonly spent: Readonly<Usage>
  /** Output tokens and calls reserved by calls in flight. */
  readonly reserved: Readonly<Required<BudgetAmount>>
  /** Records usage. Never throws: spending is recorded even past the limit. */
  charge(usage: Usage): void
  /**
   * Holds back `amount` for a call about to start: throws {@link BudgetExhaustedError} (naming
   * the limit) when a limit is reached or `amount` does not fit what is left after the other
   * reservations; otherwise the amount counts as spent until the reservation is settled.
   * Output tokens and calls never exceed their limits this way. Prompt tokens and cost are
   * known only after a call, so the inputTokens, totalTokens and costUsd limits are checked
   * before it and can be passed by the prompts of the calls already in flight.
   */
  reserve(amount: BudgetAmount): BudgetReservation
  /**
   * The name of the first limit that is reached, counting reservations in flight as spent, or
   * undefined while every limit has room.
   */
  exhaustedLimit(): string | undefined
  /** True when any limit is reached. */
  isExhausted(): boolean
  /** Throws {@link BudgetExhaustedError} when any limit is reached. */
  assertAvailable(): void
  /**
   * Output tokens still available (min of the outputTokens and totalTokens limits, less the
   * reservations in flight), or Infinity without such limits. Generators cap `maxTokens` with
   * it so usage never exceeds the budget.
   */
  remainingOutputTokens(): number
  /** Calls still available (less the reservations in flight), or Infinity. */
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
  const reserved = { outputTokens: 0, calls: 0 }
  const tracker: BudgetTracker = {
    budget: { ...budget },
    get spent() {
      return spent
    },
    get reserved() {
      return { ...reserved }
    },
    charge(usage) {
      spent = addUsage(spent, usage)
    },
    reserve(amount) {
      const outputTokens = amount.outputTokens
      const calls = amount.calls ?? 1
      assertInteger('amount.outputTokens', outputTokens, 0)
      assertInteger('amount.calls', calls, 0)
      tracker.assertAvailable()
      if (outputTokens > tracker.remainingOutputTokens()) {
        throw new BudgetExhaustedError({
          limit:
            budget.outputTokens !== undefined &&
            budget.outputTokens - spent.outputTokens - reserved.outputTokens < outputTokens
              ? 'outputTokens'
              : 'totalTokens',
        })
      }
      if (calls > tracker.remainingCalls()) throw new BudgetExhaustedError({ limit: 'calls' })
      reserved.outputTokens += outputTokens
      reserved.calls += calls
      let open = true
      const close = () => {
        if (!open) return false
        open = false
        reserved.outputTokens -= outputTokens
        reserved.calls -= calls
        return true
      }
      return {
        settle(usage) {
          if (close()) tracker.charge(usage)
        },
        release() {
          close()
        },
      }
    },
    exhaustedLimit() {
      const outputTokens = spent.outputTokens + reserved.outputTokens
      if (budget.outputTokens !== undefined && outputTokens >= budget.outputTokens)
        return 'outputTokens'
      if (budget.inputTokens !== undefined && spent.inputTokens >= budget.inputTokens)
        return 'inputTokens'
      if (
        budget.totalTokens !== undefined &&
        spent.inputTokens + outputTokens >= budget.totalTokens
      )
        return 'totalTokens'
      if (budget.calls !== undefined && spent.calls + reserved.calls >= budget.calls) return 'calls'
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
      const outputTokens = spent.outputTokens + reserved.outputTokens
      let remaining = Number.POSITIVE_INFINITY
      if (budget.outputTokens !== undefined) remaining = budget.outputTokens - outputTokens
      if (budget.totalTokens !== undefined) {
        remaining = Math.min(remaining, budget.totalTokens - spent.inputTokens - outputTokens)
      }
      return Math.max(0, remaining)
    },
    remainingCalls() {
      return budget.calls === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(0, budget.calls - spent.calls - reserved.calls)
    },
  }
  return tracker
}

/**
 * A view of `parent` that also records what is charged through it (directly or by settling its
 * reservations): `charged()` is that sum. Everything else is `parent`'s. Used to tell the usage a
 * scorer charged through its run context from the usage it only reported.
 */
export function createRecordingBudgetTracker(
  parent: BudgetTracker,
): BudgetTracker & { charged(): Usage } {
  let charged = emptyUsage()
  const tracker: BudgetTracker & { charged(): Usage } = {
    budget: parent.budget,
    get spent() {
      return parent.spent
    },
    get reserved() {
      return parent.reserved
    },
    charge(usage) {
      charged = addUsage(charged, usage)
      parent.charge(usage)
    },
    reserve(amount) {
      const reservation = parent.reserve(amount)
      let open = true
      return {
        settle(usage) {
          if (open) charged = addUsage(charged, usage)
          open = false
          reservation.settle(usage)
        },
        release() {
          open = false
          reservation.release()
        },
      }
    },
    exhaustedLimit: () => parent.exhaustedLimit(),
    isExhausted: () => parent.isExhausted(),
    assertAvailable: () => parent.assertAvailable(),
    remainingOutputTokens: () => parent.remainingOutputTokens(),
    remainingCalls: () => parent.remainingCalls(),
    charged: () => charged,
  }
  return tracker
}
