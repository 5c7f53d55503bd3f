import { describe, expect, it } from 'vitest'
import { apportionPositions } from './computed-positions.js'

describe('apportionPositions', () => {
  it('gives each item its own tokens when nothing is padded', () => {
    expect(apportionPositions(10, [3, 7])).toEqual([3, 7])
    expect(apportionPositions(4, [1, 1, 1, 1])).toEqual([1, 1, 1, 1])
  })

  it('splits padding pro rata by tokens, in integers that sum to the total', () => {
    // Two rows of window 7: 14 positions for 3 + 7 real tokens (4.2 and 9.8).
    expect(apportionPositions(14, [3, 7])).toEqual([4, 10])
    // A ghost row: 3 rows x 1 column for two real tokens (1.5 each; the earlier gets the rest).
    expect(apportionPositions(3, [1, 1])).toEqual([2, 1])
    for (const [total, weights] of [
      [97, [5, 11, 13, 2]],
      [64, [1, 1, 1]],
      [1000, [333, 1, 7]],
    ] as const) {
      const shares = apportionPositions(total, weights)
      expect(shares.reduce((sum, share) => sum + share, 0)).toBe(total)
      shares.forEach((share, index) => {
        const exact = (total * (weights[index] as number)) / weights.reduce((a, b) => a + b, 0)
        expect(Math.abs(share - exact)).toBeLessThan(1)
      })
    }
  })
})
