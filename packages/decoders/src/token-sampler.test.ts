import { createRng, logSoftmax } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import type { SamplingOptions } from './sampling-options.js'
import { createTokenSampler, sampleFromLogprobs } from './token-sampler.js'

// Chi-squared goodness of fit: each test draws 20,000 seeded samples from a fixed distribution
// and compares the counts with the distribution the method claims to sample from. The
// threshold is the 0.999 quantile of chi-squared with (kept tokens - 1) degrees of freedom, so
// with a correct sampler each test would fail for a fresh random seed with probability 0.001;
// with the fixed seeds used here the outcome is deterministic.
const chiSquared999 = [
  Number.NaN,
  10.828,
  13.816,
  16.266,
  18.467,
  20.515,
  22.458,
  24.322,
  26.124,
  27.877,
  29.588,
]
const draws = 20_000
const base = Float32Array.from([2.0, 1.6, 1.2, 1.0, 0.7, 0.3, 0.0, -0.5, -1.0, -2.0])
const context = { tokens: [1], generatedCount: 0, eosTokenIds: [] as number[] }

/** The target distribution of each method, computed directly from its definition. */
function target(options: SamplingOptions): number[] {
  const temperature = options.temperature ?? 1
  const scaled = Array.from(base, (value) => value / temperature)
  const probabilities = Array.from(logSoftmax(scaled), Math.exp)
  const order = probabilities
    .map((_, index) => index)
    .sort((a, b) => probabilities[b]! - probabilities[a]!)
  let keep = probabilities.map(() => true)
  if (options.topK !== undefined)
    keep = probabilities.map((_, index) => order.indexOf(index) < options.topK!)
  if (options.topP !== undefined) {
    let mass = 0
    keep = probabilities.map(() => false)
    for (const index of order) {
      if (mass >= options.topP) break
      keep[index] = true
      mass += probabilities[index]!
    }
  }
  if (options.minP !== undefined)
    keep = probabilities.map((p) => p >= options.minP! * probabilities[order[0]!]!)
  if (options.typicalP !== undefined) {
    const entropy = -probabilities.reduce((sum, p) => sum + p * Math.log(p), 0)
    const byDistance = probabilities
      .map((_, index) => index)
      .sort(
        (a, b) =>
          Math.abs(-Math.log(probabilities[a]!) - entropy) -
          Math.abs(-Math.log(probabilities[b]!) - entropy),
      )
    let mass = 0
    keep = probabilities.map(() => false)
    for (const index of byDistance) {
      if (mass >= options.typicalP) break
      keep[index] = true
      mass += probabilities[index]!
    }
  }
  if (options.epsilon !== undefined) keep = probabilities.map((p) => p >= options.epsilon!)
  if (options.eta !== undefined) {
    const entropy = -probabilities.reduce((sum, p) => sum + p * Math.log(p), 0)
    const floor = Math.min(options.eta, Math.sqrt(options.eta) * Math.exp(-entropy))
    keep = probabilities.map((p) => p >= floor)
  }
  const total = probabilities.reduce((sum, p, index) => (keep[index] ? sum + p : sum), 0)
  return probabilities.map((p, index) => (keep[index] ? p / total : 0))
}

const methods: Array<[string, SamplingOptions]> = [
  ['plain (temperature 1)', {}],
  ['temperature 0.7', { temperature: 0.7 }],
  ['temperature 1.5', { temperature: 1.5 }],
  ['top-k 4', { topK: 4 }],
  ['top-p 0.8', { topP: 0.8 }],
  ['min-p 0.2', { minP: 0.2 }],
  ['typical 0.7', { typicalP: 0.7 }],
  ['epsilon 0.05', { epsilon: 0.05 }],
  ['eta 0.1', { eta: 0.1 }],
]

describe('samplers draw from the distribution they claim (chi-squared, 20,000 seeded draws)', () => {
  methods.forEach(([name, options], methodIndex) => {
    it(name, () => {
      const expected = target(options)
      const sampler = createTokenSampler(options, createRng(1000 + methodIndex))
      const counts = new Array<number>(base.length).fill(0)
      for (let draw = 0; draw < draws; draw++) counts[sampler.choose(base, context).token]! += 1
      let statistic = 0
      let categories = 0
      expected.forEach((p, index) => {
        if (p === 0) {
          expect(counts[index], `token ${index} is truncated`).toBe(0)
          return
        }
        categories++
        statistic += (counts[index]! - draws * p) ** 2 / (draws * p)
      })
      expect(categories).toBeGreaterThan(1)
      expect(statistic).toBeLessThan(chiSquared999[categories - 1]!)
    })
  })

  it('detects a wrong distribution (the test has power)', () => {
    // Sampling at temperature 1 but testing against temperature 0.7 must fail the threshold.
    const expected = target({ temperature: 0.7 })
    const sampler = createTokenSampler({}, createRng(5))
    const counts = new Array<number>(base.length).fill(0)
    for (let draw = 0; draw < draws; draw++) counts[sampler.choose(base, context).token]! += 1
    const statistic = expected.reduce(
      (sum, p, index) => sum + (counts[index]! - draws * p) ** 2 / (draws * p),
      0,
    )
    expect(statistic).toBeGreaterThan(chiSquared999[9]!)
  })

  it('mirostat keeps the observed surprise near its target tau', () => {
    const tau = 2
    const sampler = createTokenSampler({ mirostat: { tau, eta: 0.1 } }, createRng(9))
    let surprise = 0
    for (let draw = 0; draw < 4000; draw++)
      surprise += -Math.log2(Math.exp(sampler.choose(base, context).logprob))
    expect(Math.abs(surprise / 4000 - tau)).toBeLessThan(0.25)
  })

  it('greedy is the argmax with the lowest id on ties, and reports the T=1 logprob', () => {
    const sampler = createTokenSampler({ temperature: 0 })
    const choice = sampler.choose(Float32Array.from([1, 3, 3, 0]), context)
    expect(choice.token).toBe(1)
    expect(choice.logprob).toBeCloseTo(logSoftmax([1, 3, 3, 0])[1]!, 12)
  })

  it('sampleFromLogprobs never returns a masked token and fails when all are masked', () => {
    const logprobs = Float64Array.from([
      Number.NEGATIVE_INFINITY,
      Math.log(0.5),
      Number.NEGATIVE_INFINITY,
      Math.log(0.5),
    ])
    const rng = createRng(3)
    for (let draw = 0; draw < 200; draw++)
      expect([1, 3]).toContain(sampleFromLogprobs(logprobs, rng))
    expect(() => sampleFromLogprobs(Float64Array.from([Number.NEGATIVE_INFINITY]), rng)).toThrow(
      /every token masked/,
    )
  })
})
