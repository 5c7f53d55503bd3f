import { BudgetExhaustedError, createBudgetTracker, createRunContext } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { createNestedBudgetTracker, withBudget } from './with-budget.js'

describe('createNestedBudgetTracker', () => {
  it('charges both budgets and stops at the first limit reached', () => {
    const parent = createBudgetTracker({ outputTokens: 100 })
    const nested = createNestedBudgetTracker(parent, { outputTokens: 10, calls: 5 })
    expect(nested.remainingOutputTokens()).toBe(10)
    nested.charge({ inputTokens: 3, outputTokens: 7, calls: 1 })
    expect(parent.spent.outputTokens).toBe(7)
    expect(nested.remainingOutputTokens()).toBe(3)
    expect(nested.remainingCalls()).toBe(4)
    expect(nested.isExhausted()).toBe(false)
    nested.charge({ inputTokens: 0, outputTokens: 3, calls: 1 })
    expect(nested.exhaustedLimit()).toBe('outputTokens')
    expect(() => nested.assertAvailable()).toThrow(BudgetExhaustedError)
    expect(parent.isExhausted()).toBe(false)
  })

  it('reports the parent limit when that is reached first', () => {
    const parent = createBudgetTracker({ calls: 1 })
    const nested = createNestedBudgetTracker(parent, { outputTokens: 10 })
    nested.charge({ inputTokens: 0, outputTokens: 1, calls: 1 })
    expect(nested.exhaustedLimit()).toBe('calls')
  })

  it('validates the local budget and passes it to child contexts', () => {
    const context = createRunContext()
    expect(() => createNestedBudgetTracker(context.budget, { outputTokens: -1 })).toThrow(
      /budget\.outputTokens/,
    )
    const budget = createNestedBudgetTracker(context.budget, { outputTokens: 5 })
    const child = withBudget(context, budget).child({ id: 's1' })
    expect(child.budget).toBe(budget)
    expect(child.spanId).toBe('s1')
  })
})
