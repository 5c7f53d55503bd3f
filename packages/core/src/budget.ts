// Budgets: limits on tokens, calls, cost, FLOPs and wall time that meta-generators check before
// each call, so that a run stops early and cleanly with the best answer found so far. A call
// reserves its worst case (output tokens, prompt tokens, cost and one call) before it starts, so
// concurrent and nested calls can never overshoot those limits.

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
  /**
   * Maximum estimated FLOPs (local models report them). Checked before each call only: FLOPs are
   * known after a call, so the calls already in flight can pass this limit.
   */
  flops?: number
  /** Maximum wall time in milliseconds, from the tracker's creation. Checked before each call. */
  wallTimeMs?: number
}

/** The name of a {@link Budget} limit. */
export type BudgetLimit = keyof Budget

/**
 * Why a run stopped early: the budget limit that refused its last refused call, `aborted` when
 * it was cancelled, or `budget` when a budget the generator keeps itself (e.g. a search's own
 * `budget` option) ran out.
 */
export type StopReason = BudgetLimit | 'aborted' | 'budget'

/** What a call holds back from the budget before it starts (see {@link BudgetTracker.reserve}). */
export interface BudgetAmount {
  /** Output tokens the call may generate at most (its `maxTokens` times `n`); an integer >= 0. */
  outputTokens: number
  /** Prompt tokens it may be charged at most; an integer >= 0 (default 0). */
  inputTokens?: number
  /** Most it may cost in US dollars, a finite number >= 0 (default 0). */
  costUsd?: number
  /** Model calls it makes (default 1); an integer >= 0. */
  calls?: number
}

/** What the calls in flight hold (see {@link BudgetTracker.reserve}). */
export interface ReservedAmount {
  outputTokens: number
  inputTokens: number
  costUsd: number
  calls: number
}

/** What a call reserved; settled or released exactly once. */
export interface BudgetReservation {
  /** Releases the reservation and charges what the call actually spent (the rest is refunded). */
  settle(usage: Usage): void
  /** Releases the reservation without charging anything (the call did not run). */
  release(): void
}

/** A call's fixed worst case, for {@link BudgetTracker.remainingOutputTokens}. */
export interface OutputTokenQuery {
  /** Prompt tokens the call may be charged at most (counted against totalTokens). */
  inputTokens?: number
  /** Cost of the call before it generates anything (its prompt), in US dollars. */
  costUsd?: number
  /** Cost of each generated token in US dollars (0 or absent: cost does not cap the tokens). */
  costUsdPerOutputToken?: number
}

/** Tracks spending against a {@link Budget}. Shared by every generator of one run. */
export interface BudgetTracker {
  /** The limits. */
  readonly budget: Readonly<Budget>
  /** What has been spent so far (settled calls only, not reservations in flight). */
  readonly spent: Readonly<Usage>
  /** Output tokens, prompt tokens, cost and calls reserved by calls in flight. */
  readonly reserved: Readonly<ReservedAmount>
  /**
   * The limit that refused the latest refused reservation or {@link assertAvailable} (the limit
   * that stopped the run), or undefined while nothing was refused.
   */
  readonly stoppedBy: BudgetLimit | undefined
  /** Records usage. Never throws: spending is recorded even past the limit. */
  charge(usage: Usage): void
  /**
   * Holds back `amount` for a call about to start: throws {@link BudgetExhaustedError} (naming
   * the limit, which becomes {@link stoppedBy}) when `amount` does not fit what is left after the
   * spending and the other reservations, or the flops or wallTimeMs limit is reached; otherwise
   * the amount counts as spent until the reservation is settled. (A limit that is reached but
   * that `amount` does not add to, e.g. output tokens for a call that generates nothing, does
   * not refuse it; callers that generate check {@link assertAvailable} first.) Output tokens, prompt tokens, total tokens, calls and cost never
   * exceed their limits this way, provided each call's usage stays within what it reserved.
   * FLOPs and wall time are checked before the call only.
   */
  reserve(amount: BudgetAmount): BudgetReservation
  /**
   * The name of the first limit that is reached, counting reservations in flight as spent, or
   * undefined while every limit has room.
   */
  exhaustedLimit(): BudgetLimit | undefined
  /** True when any limit is reached. */
  isExhausted(): boolean
  /** Throws {@link BudgetExhaustedError} when any limit is reached. */
  assertAvailable(): void
  /**
   * Output tokens still available to one call (min of the outputTokens and totalTokens limits and,
   * with `query.costUsdPerOutputToken`, of what the costUsd limit pays for, less the reservations
   * in flight and the call's own prompt in `query`), or Infinity without such limits. Generators
   * cap `maxTokens` with it so usage never exceeds the budget.
   */
  remainingOutputTokens(query?: OutputTokenQuery): number
  /** Calls still available (less the reservations in flight), or Infinity. */
  remainingCalls(): number
}

const budgetFields = [
  'outputTokens',
  'inputTokens',
  'totalTokens',
  'calls',
  'costUsd',
  'flops',
  'wallTimeMs',
] as const

/**
 * Relative rounding tolerance of the costUsd limit: costs are sums of floating-point products,
 * so a call whose cost fits exactly may compute a few units in the last place over it.
 */
const costTolerance = 1e-12

/** The range of every budget limit (tokens, calls, dollars, FLOPs, ms): a finite number > 0. */
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
  let stoppedBy: BudgetLimit | undefined
  const reserved: ReservedAmount = { outputTokens: 0, inputTokens: 0, costUsd: 0, calls: 0 }
  const refuse = (limit: BudgetLimit): never => {
    stoppedBy = limit
    throw new BudgetExhaustedError({ limit })
  }
  const tracker: BudgetTracker = {
    budget: { ...budget },
    get spent() {
      return spent
    },
    get reserved() {
      return { ...reserved }
    },
    get stoppedBy() {
      return stoppedBy
    },
    charge(usage) {
      spent = addUsage(spent, usage)
    },
    reserve(amount) {
      const outputTokens = amount.outputTokens
      const inputTokens = amount.inputTokens ?? 0
      const costUsd = amount.costUsd ?? 0
      const calls = amount.calls ?? 1
      assertInteger('amount.outputTokens', outputTokens, 0)
      assertInteger('amount.inputTokens', inputTokens, 0)
      assertInteger('amount.calls', calls, 0)
      parseOption('amount.costUsd', z.number().min(0), costUsd)
      if (budget.flops !== undefined && (spent.flops ?? 0) >= budget.flops) refuse('flops')
      if (budget.wallTimeMs !== undefined && now() - start >= budget.wallTimeMs) {
        refuse('wallTimeMs')
      }
      const input = spent.inputTokens + reserved.inputTokens + inputTokens
      const output = spent.outputTokens + reserved.outputTokens + outputTokens
      if (budget.outputTokens !== undefined && output > budget.outputTokens) refuse('outputTokens')
      if (budget.inputTokens !== undefined && input > budget.inputTokens) refuse('inputTokens')
      if (budget.totalTokens !== undefined && input + output > budget.totalTokens) {
        refuse('totalTokens')
      }
      if (budget.calls !== undefined && spent.calls + reserved.calls + calls > budget.calls) {
        refuse('calls')
      }
      if (
        budget.costUsd !== undefined &&
        (spent.costUsd ?? 0) + reserved.costUsd + costUsd > budget.costUsd * (1 + costTolerance)
      ) {
        refuse('costUsd')
      }
      reserved.outputTokens += outputTokens
      reserved.inputTokens += inputTokens
      reserved.costUsd += costUsd
      reserved.calls += calls
      let open = true
      const close = () => {
        if (!open) return false
        open = false
        reserved.outputTokens -= outputTokens
        reserved.inputTokens -= inputTokens
        reserved.costUsd -= costUsd
        reserved.calls -= calls
        // Sums of floating-point costs can leave a residue once everything is released.
        if (reserved.calls === 0 && Math.abs(reserved.costUsd) < 1e-12) reserved.costUsd = 0
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
      const output = spent.outputTokens + reserved.outputTokens
      const input = spent.inputTokens + reserved.inputTokens
      if (budget.outputTokens !== undefined && output >= budget.outputTokens) return 'outputTokens'
      if (budget.inputTokens !== undefined && input >= budget.inputTokens) return 'inputTokens'
      if (budget.totalTokens !== undefined && input + output >= budget.totalTokens) {
        return 'totalTokens'
      }
      if (budget.calls !== undefined && spent.calls + reserved.calls >= budget.calls) return 'calls'
      if (budget.costUsd !== undefined && (spent.costUsd ?? 0) + reserved.costUsd >= budget.costUsd)
        return 'costUsd'
      if (budget.flops !== undefined && (spent.flops ?? 0) >= budget.flops) return 'flops'
      if (budget.wallTimeMs !== undefined && now() - start >= budget.wallTimeMs) return 'wallTimeMs'
      return undefined
    },
    isExhausted() {
      return tracker.exhaustedLimit() !== undefined
    },
    assertAvailable() {
      const limit = tracker.exhaustedLimit()
      if (limit !== undefined) refuse(limit)
    },
    remainingOutputTokens(query = {}) {
      const output = spent.outputTokens + reserved.outputTokens
      const input = spent.inputTokens + reserved.inputTokens + (query.inputTokens ?? 0)
      let remaining = Number.POSITIVE_INFINITY
      if (budget.outputTokens !== undefined) remaining = budget.outputTokens - output
      if (budget.totalTokens !== undefined) {
        remaining = Math.min(remaining, budget.totalTokens - input - output)
      }
      const perToken = query.costUsdPerOutputToken ?? 0
      if (budget.costUsd !== undefined && perToken > 0) {
        const money =
          budget.costUsd - (spent.costUsd ?? 0) - reserved.costUsd - (query.costUsd ?? 0)
        remaining = Math.min(remaining, Math.floor((money / perToken) * (1 + costTolerance)))
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
    get stoppedBy() {
      return parent.stoppedBy
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
    remainingOutputTokens: (query) => parent.remainingOutputTokens(query),
    remainingCalls: () => parent.remainingCalls(),
    charged: () => charged,
  }
  return tracker
}
