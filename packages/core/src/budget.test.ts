import { describe, expect, it } from 'vitest'
import { createBudgetTracker, createRecordingBudgetTracker } from './budget.js'
import { BudgetExhaustedError, InvalidArgumentError } from './errors.js'

const usage = (outputTokens: number, calls = 1) => ({ inputTokens: 0, outputTokens, calls })

describe('BudgetTracker.reserve', () => {
  it('holds output tokens and calls until settled, then charges only what was used', () => {
    const tracker = createBudgetTracker({ outputTokens: 100, calls: 3 })
    const first = tracker.reserve({ outputTokens: 60 })
    expect(tracker.reserved).toEqual({ outputTokens: 60, inputTokens: 0, costUsd: 0, calls: 1 })
    expect(tracker.remainingOutputTokens()).toBe(40)
    expect(tracker.remainingCalls()).toBe(2)
    expect(() => tracker.reserve({ outputTokens: 41 })).toThrow(BudgetExhaustedError)
    first.settle(usage(25))
    expect(tracker.reserved).toEqual({ outputTokens: 0, inputTokens: 0, costUsd: 0, calls: 0 })
    expect(tracker.spent.outputTokens).toBe(25)
    expect(tracker.remainingOutputTokens()).toBe(75)
    // settling or releasing twice changes nothing
    first.settle(usage(25))
    first.release()
    expect(tracker.spent.outputTokens).toBe(25)
    const second = tracker.reserve({ outputTokens: 75 })
    expect(tracker.exhaustedLimit()).toBe('outputTokens')
    second.release()
    expect(tracker.spent.outputTokens).toBe(25)
    expect(tracker.exhaustedLimit()).toBeUndefined()
  })

  it('names the limit that refuses a reservation', () => {
    const calls = createBudgetTracker({ calls: 1 })
    calls.reserve({ outputTokens: 0 })
    expect(() => calls.reserve({ outputTokens: 0 })).toThrow(
      expect.objectContaining({ limit: 'calls' }),
    )
    const total = createBudgetTracker({ totalTokens: 10 })
    total.charge({ inputTokens: 6, outputTokens: 0, calls: 1 })
    expect(() => total.reserve({ outputTokens: 5 })).toThrow(
      expect.objectContaining({ limit: 'totalTokens' }),
    )
    expect(total.reserve({ outputTokens: 4 })).toBeDefined()
  })

  it('rejects amounts that are not integers >= 0, naming the field', () => {
    const tracker = createBudgetTracker({ outputTokens: 10 })
    expect(() => tracker.reserve({ outputTokens: -1 })).toThrow(InvalidArgumentError)
    expect(() => tracker.reserve({ outputTokens: 1.5 })).toThrow(/amount.outputTokens/)
    expect(() => tracker.reserve({ outputTokens: 1, calls: Number.NaN })).toThrow(/amount.calls/)
  })
})

describe('createRecordingBudgetTracker', () => {
  it('charges the parent and records what went through it, settled reservations included', () => {
    const parent = createBudgetTracker({ outputTokens: 50 })
    const recording = createRecordingBudgetTracker(parent)
    recording.charge(usage(5))
    const reservation = recording.reserve({ outputTokens: 20 })
    expect(parent.remainingOutputTokens()).toBe(25)
    reservation.settle(usage(7))
    reservation.settle(usage(7))
    parent.charge(usage(3))
    expect(recording.charged()).toEqual(usage(12, 2))
    expect(parent.spent).toEqual(usage(15, 3))
    expect(recording.remainingOutputTokens()).toBe(35)
  })
})
