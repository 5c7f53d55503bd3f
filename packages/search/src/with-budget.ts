// A run context with an extra, local budget: the search stops at whichever of its own limit and
// the run's limits is reached first, and its spending still counts against the run's budget.
import {
  type Budget,
  BudgetExhaustedError,
  type BudgetLimit,
  type BudgetTracker,
  createBudgetTracker,
  type RunContext,
} from '@metagen/core'

/**
 * A tracker that enforces `local` (validated like any budget) on top of `parent`: usage is
 * charged to both; a limit is reached when it is reached in either; remaining amounts are the
 * smaller of the two; a reservation holds the amount in both. `spent`, `reserved` and `budget`
 * report the local side.
 */
export function createNestedBudgetTracker(parent: BudgetTracker, local: Budget): BudgetTracker {
  const own = createBudgetTracker(local)
  let stoppedBy: BudgetLimit | undefined
  const tracker: BudgetTracker = {
    budget: own.budget,
    get spent() {
      return own.spent
    },
    get reserved() {
      return own.reserved
    },
    get stoppedBy() {
      return stoppedBy
    },
    charge(usage) {
      own.charge(usage)
      parent.charge(usage)
    },
    reserve(amount) {
      let local: ReturnType<BudgetTracker['reserve']>
      try {
        local = own.reserve(amount)
      } catch (error) {
        if (BudgetExhaustedError.isInstance(error)) stoppedBy = own.stoppedBy
        throw error
      }
      let outer: ReturnType<BudgetTracker['reserve']>
      try {
        outer = parent.reserve(amount)
      } catch (error) {
        local.release()
        if (BudgetExhaustedError.isInstance(error)) stoppedBy = parent.stoppedBy
        throw error
      }
      return {
        settle(usage) {
          local.settle(usage)
          outer.settle(usage)
        },
        release() {
          local.release()
          outer.release()
        },
      }
    },
    exhaustedLimit() {
      return own.exhaustedLimit() ?? parent.exhaustedLimit()
    },
    isExhausted() {
      return tracker.exhaustedLimit() !== undefined
    },
    assertAvailable() {
      const limit = tracker.exhaustedLimit()
      if (limit !== undefined) {
        stoppedBy = limit
        throw new BudgetExhaustedError({ limit })
      }
    },
    remainingOutputTokens(query) {
      return Math.min(own.remainingOutputTokens(query), parent.remainingOutputTokens(query))
    },
    remainingCalls() {
      return Math.min(own.remainingCalls(), parent.remainingCalls())
    },
  }
  return tracker
}

/** The same context with `budget` in place of its tracker (children inherit it). */
export function withBudget(context: RunContext, budget: BudgetTracker): RunContext {
  return {
    budget,
    rng: context.rng,
    trace: context.trace,
    limiter: context.limiter,
    signal: context.signal,
    spanId: context.spanId,
    nextId: (prefix) => context.nextId(prefix),
    elapsed: () => context.elapsed(),
    emit: (event) => context.emit(event),
    child: (span) => withBudget(context.child(span), budget),
  }
}
