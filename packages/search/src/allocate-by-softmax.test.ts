import { describe, expect, it } from 'vitest'
import { allocateBySoftmax } from './allocate-by-softmax.js'

describe('allocateBySoftmax', () => {
  it('splits the total in proportion to softmax(score / T) and sums exactly', () => {
    expect(allocateBySoftmax([1, 1, 1, 1], 8, 1)).toEqual([2, 2, 2, 2])
    expect(allocateBySoftmax([1, 1, 1], 4, 1)).toEqual([2, 1, 1])
    // softmax([ln 3, 0]) = [0.75, 0.25]
    expect(allocateBySoftmax([Math.log(3), 0], 8, 1)).toEqual([6, 2])
    const shares = allocateBySoftmax([0.9, 0.5, 0.1, 0.7], 13, 0.1)
    expect(shares.reduce((sum, share) => sum + share, 0)).toBe(13)
    expect(shares[0]).toBeGreaterThan(shares[3] as number)
    expect(shares[3]).toBeGreaterThan(shares[1] as number)
  })

  it('gives unscored items nothing unless every item is unscored', () => {
    expect(allocateBySoftmax([0.5, Number.NEGATIVE_INFINITY], 4, 1)).toEqual([4, 0])
    expect(allocateBySoftmax([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], 3, 1)).toEqual([
      2, 1,
    ])
    expect(allocateBySoftmax([], 3, 1)).toEqual([])
  })

  it('rejects a bad total or temperature', () => {
    expect(() => allocateBySoftmax([1], -1, 1)).toThrow(/total/)
    expect(() => allocateBySoftmax([1], 2, 0)).toThrow(/temperature/)
  })
})
