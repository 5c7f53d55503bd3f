import { createRng } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { sampleToken } from './sample-token.js'

describe('sampleToken', () => {
  it('is greedy at temperature 0 (lowest id on ties)', () => {
    expect(sampleToken([0, 3, 3, 1], 0, createRng(1))).toBe(1)
  })

  it('never draws a -Infinity token', () => {
    const rng = createRng(2)
    for (let draw = 0; draw < 200; draw++) {
      expect(
        sampleToken([Number.NEGATIVE_INFINITY, 0, Number.NEGATIVE_INFINITY, 0], 1, rng),
      ).not.toBe(0)
    }
  })

  it('follows softmax(logits / T): chi-squared test, seed 11, false-alarm rate 0.001', () => {
    // Target at T = 2 over logits [0, ln 4, ln 16]: softmax([0, ln 2, ln 4]) = [1/7, 2/7, 4/7].
    const logits = [0, Math.log(4), Math.log(16)]
    const expected = [1 / 7, 2 / 7, 4 / 7]
    const draws = 7000
    const counts = [0, 0, 0]
    const rng = createRng(11)
    for (let draw = 0; draw < draws; draw++) {
      const token = sampleToken(logits, 2, rng)
      counts[token] = (counts[token] ?? 0) + 1
    }
    const chiSquared = counts.reduce((sum, count, index) => {
      const mean = (expected[index] as number) * draws
      return sum + (count - mean) ** 2 / mean
    }, 0)
    // 2 degrees of freedom: P(chi2 > 13.82) = 0.001.
    expect(chiSquared).toBeLessThan(13.82)
  })
})
