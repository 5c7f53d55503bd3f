import { createRng } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import {
  betaProbabilityAboveHalf,
  betaStoppingRule,
  dirichletStoppingRule,
} from './stopping-rules.js'

describe('betaProbabilityAboveHalf', () => {
  it('matches the closed forms', () => {
    expect(betaProbabilityAboveHalf(1, 1)).toBeCloseTo(0.5, 12)
    expect(betaProbabilityAboveHalf(5, 1)).toBeCloseTo(31 / 32, 12) // 1 - 0.5^5
    expect(betaProbabilityAboveHalf(7, 2)).toBeCloseTo(1 - 9 / 256, 12)
    expect(betaProbabilityAboveHalf(3, 3)).toBeCloseTo(0.5, 12)
  })

  it('stays finite and monotone for thousands of votes', () => {
    const close = betaProbabilityAboveHalf(2001, 1901)
    expect(close).toBeGreaterThan(0.9)
    expect(close).toBeLessThan(1)
    expect(betaProbabilityAboveHalf(2001, 2001)).toBeCloseTo(0.5, 6)
  })
})

describe('betaStoppingRule', () => {
  const rng = createRng(1)
  const rule = betaStoppingRule()

  it('stops after 4 unanimous votes but not after 3', () => {
    expect(rule.decide([3], rng).stop).toBe(false)
    expect(rule.decide([4], rng).stop).toBe(true)
  })

  it('uses the two largest counts in any order', () => {
    expect(rule.decide([1, 6, 0], rng).stop).toBe(true)
    expect(rule.decide([1, 5], rng).stop).toBe(false)
    expect(rule.decide([], rng)).toEqual({ stop: false, confidence: 0.5 })
  })

  it('rejects a threshold outside [0, 1)', () => {
    expect(() => betaStoppingRule({ threshold: 1 })).toThrow(/threshold/)
  })
})

describe('dirichletStoppingRule', () => {
  it('is confident for a clear leader and not for a tie, reproducibly', () => {
    const rule = dirichletStoppingRule()
    expect(rule.decide([12, 1, 1], createRng(7)).stop).toBe(true)
    const tie = rule.decide([3, 3, 1], createRng(7))
    expect(tie.stop).toBe(false)
    expect(tie.confidence).toBeGreaterThan(0.3)
    expect(tie.confidence).toBeLessThan(0.6)
    expect(rule.decide([5, 2, 1], createRng(3))).toEqual(rule.decide([5, 2, 1], createRng(3)))
  })

  it('agrees with the exact Beta probability for two answers (Monte Carlo error)', () => {
    const rule = dirichletStoppingRule({ draws: 20_000 })
    const estimate = rule.decide([6, 2], createRng(11)).confidence
    // Standard error sqrt(p(1-p)/20000) < 0.0036; 0.015 is over 4 standard errors.
    expect(Math.abs(estimate - betaProbabilityAboveHalf(7, 3))).toBeLessThan(0.015)
  })
})
