import { describe, expect, it } from 'vitest'
import { aggregateStepScores } from './aggregate-step-scores.js'

const steps = [
  { text: 'a.', score: 0.9 },
  { text: 'b.', score: 0.5 },
  { text: 'c.', score: 0.8 },
]

describe('aggregateStepScores', () => {
  it('reduces step scores by min, last, mean and product', () => {
    expect(aggregateStepScores(steps, 'min')).toBe(0.5)
    expect(aggregateStepScores(steps, 'last')).toBe(0.8)
    expect(aggregateStepScores(steps, 'mean')).toBeCloseTo(2.2 / 3)
    expect(aggregateStepScores(steps, 'product')).toBeCloseTo(0.36)
    expect(aggregateStepScores([], 'min')).toBeUndefined()
  })

  it('rejects an unknown aggregation', () => {
    expect(() => aggregateStepScores(steps, 'max' as unknown as 'min')).toThrow(/aggregate/)
  })
})
