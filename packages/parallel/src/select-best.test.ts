import { describe, expect, it } from 'vitest'
import { selectBest } from './select-best.js'

describe('selectBest', () => {
  it('returns the highest score', () => {
    expect(selectBest([{ score: 0.1 }, { score: 0.9 }, { score: 0.5 }])).toBe(1)
  })

  it('breaks ties by the earliest candidate', () => {
    expect(selectBest([{ score: 0.3 }, { score: 0.8 }, { score: 0.8 }])).toBe(1)
  })

  it('never picks a failed candidate, and prefers scored over unscored ones', () => {
    expect(selectBest([{ score: 5, error: 'x' }, {}, { score: -4 }])).toBe(2)
    expect(selectBest([{ score: Number.NaN }, { score: -1 }])).toBe(1)
  })

  it('falls back to the first successful candidate, or -1', () => {
    expect(selectBest([{ error: 'x' }, {}, {}])).toBe(1)
    expect(selectBest([{ error: 'x' }])).toBe(-1)
    expect(selectBest([])).toBe(-1)
  })
})
