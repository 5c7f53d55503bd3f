import { createRng, InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { applyPenalties, applyTruncation } from '../sampling-options.js'
import { applyEpsilon, applyEta } from './epsilon-eta.js'
import { applyMinP } from './min-p.js'
import { applyMirostatV2, updateMirostatMu } from './mirostat.js'
import { applyFrequencyPresencePenalty, applyRepetitionPenalty } from './penalties.js'
import { applyTemperature } from './temperature.js'
import {
  applyAllowedTokens,
  applyBannedTokens,
  applyLogitBias,
  applyMinNewTokens,
  applyNoRepeatNgram,
} from './token-masks.js'
import { applyTopK } from './top-k.js'
import { applyTopP } from './top-p.js'
import { applyTypicalP } from './typical.js'

const NEG = Number.NEGATIVE_INFINITY
const logitsOf = (probabilities: number[]) => Float32Array.from(probabilities.map(Math.log))
const kept = (row: Float32Array) =>
  Array.from(row, (value, index) => (value > NEG ? index : -1)).filter((index) => index >= 0)

// ---- straightforward reference implementations (float64, written independently) ----
function probabilitiesOf(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits)
  const max = Math.max(...values)
  if (max === NEG) return values.map(() => 0)
  const exps = values.map((value) => Math.exp(value - max))
  const total = exps.reduce((sum, value) => sum + value, 0)
  return exps.map((value) => value / total)
}
function referenceTopK(logits: Float32Array, k: number): boolean[] {
  const sorted = Array.from(logits).sort((left, right) => right - left)
  const threshold = sorted[Math.min(k, sorted.length) - 1]!
  return Array.from(logits, (value) => value > NEG && value >= threshold)
}
function referenceMass(
  probabilities: number[],
  order: number[],
  key: (index: number) => number,
  mass: number,
): boolean[] {
  const keep = probabilities.map(() => false)
  let total = 0
  let lastKey: number | undefined
  for (const index of order) {
    if (probabilities[index]! === 0) break
    const reached = total >= mass - 1e-12
    if (reached && key(index) !== lastKey) break
    keep[index] = true
    total += probabilities[index]!
    lastKey = key(index)
  }
  return keep
}
function referenceTopP(logits: Float32Array, topP: number): boolean[] {
  const probabilities = probabilitiesOf(logits)
  const order = probabilities
    .map((_, index) => index)
    .sort((a, b) => logits[b]! - logits[a]! || a - b)
  return referenceMass(probabilities, order, (index) => logits[index]!, topP)
}
function referenceTypical(logits: Float32Array, typicalP: number): boolean[] {
  const probabilities = probabilitiesOf(logits)
  const entropy = -probabilities.reduce((sum, p) => (p > 0 ? sum + p * Math.log(p) : sum), 0)
  const distance = (index: number) =>
    probabilities[index]! > 0
      ? Math.abs(-Math.log(probabilities[index]!) - entropy)
      : Number.POSITIVE_INFINITY
  const order = probabilities
    .map((_, index) => index)
    .sort((a, b) => distance(a) - distance(b) || a - b)
  return referenceMass(probabilities, order, distance, typicalP)
}
function referenceFloor(logits: Float32Array, floor: number): boolean[] {
  const probabilities = probabilitiesOf(logits)
  const best = Math.max(...probabilities)
  return probabilities.map((p, index) => logits[index]! > NEG && (p >= floor || p === best))
}
function referenceEta(logits: Float32Array, eta: number): boolean[] {
  const probabilities = probabilitiesOf(logits)
  const entropy = -probabilities.reduce((sum, p) => (p > 0 ? sum + p * Math.log(p) : sum), 0)
  return referenceFloor(logits, Math.min(eta, Math.sqrt(eta) * Math.exp(-entropy)))
}
function referenceMinP(logits: Float32Array, minP: number): boolean[] {
  const probabilities = probabilitiesOf(logits)
  const best = Math.max(...probabilities)
  return probabilities.map((p, index) => logits[index]! > NEG && p >= minP * best * (1 - 1e-9))
}

/** Random logits with ties (values on a 0.5 grid) and some -Infinity entries. */
function randomLogits(seed: number, size = 24): Float32Array {
  const rng = createRng(seed)
  return Float32Array.from({ length: size }, () => {
    const draw = rng.next()
    if (draw < 0.1) return NEG
    return Math.round((rng.next() * 8 - 4) * 2) / 2
  })
}

function expectMask(actual: Float32Array, original: Float32Array, keep: boolean[]) {
  expect(Array.from(actual, (value) => value > NEG)).toEqual(keep)
  actual.forEach((value, index) => {
    if (keep[index]) expect(value).toBe(original[index])
  })
}

describe('truncation processors on hand-computed cases', () => {
  const row = logitsOf([0.5, 0.3, 0.2])
  it('temperature divides the logits', () => {
    expect(Array.from(applyTemperature(Float32Array.from([1, 2, NEG]), 0.5))).toEqual([2, 4, NEG])
  })
  it('top-k keeps the k largest and every tie at the boundary', () => {
    expect(kept(applyTopK(Float32Array.from([1, 3, 2, 3]), 1))).toEqual([1, 3])
    expect(kept(applyTopK(Float32Array.from([1, 3, 2, 3]), 3))).toEqual([1, 2, 3])
    expect(kept(applyTopK(Float32Array.from([1, NEG, 2]), 3))).toEqual([0, 2])
  })
  it('top-p keeps the smallest prefix reaching the mass', () => {
    expect(kept(applyTopP(row, 0.5))).toEqual([0])
    expect(kept(applyTopP(row, 0.6))).toEqual([0, 1])
    expect(kept(applyTopP(row, 0.8))).toEqual([0, 1])
    expect(kept(applyTopP(row, 0.81))).toEqual([0, 1, 2])
    expect(kept(applyTopP(Float32Array.from([0, 0, 0, 0]), 0.3))).toEqual([0, 1, 2, 3])
  })
  it('min-p keeps p >= minP * max p', () => {
    expect(kept(applyMinP(row, 0.5))).toEqual([0, 1])
    expect(kept(applyMinP(row, 0.39))).toEqual([0, 1, 2])
    expect(kept(applyMinP(row, 1))).toEqual([0])
  })
  it('typical sampling orders by |surprise - entropy|', () => {
    // H = 1.0297 nats; distances 0.337, 0.174, 0.580 -> order 1, 0, 2.
    expect(kept(applyTypicalP(row, 0.25))).toEqual([1])
    expect(kept(applyTypicalP(row, 0.5))).toEqual([0, 1])
    expect(kept(applyTypicalP(row, 0.85))).toEqual([0, 1, 2])
  })
  it('epsilon and eta keep probabilities above their floors', () => {
    expect(kept(applyEpsilon(row, 0.25))).toEqual([0, 1])
    expect(kept(applyEpsilon(row, 0.9))).toEqual([0])
    // eta 0.3: floor min(0.3, sqrt(0.3) e^-1.0297 = 0.1956) keeps all three.
    expect(kept(applyEta(row, 0.3))).toEqual([0, 1, 2])
    // eta 0.5: floor min(0.5, 0.2525) drops 0.2.
    expect(kept(applyEta(row, 0.5))).toEqual([0, 1])
  })
  it('mirostat v2 keeps surprise <= mu bits and updates mu', () => {
    // surprises: 1, 1.737, 2.322 bits.
    expect(kept(applyMirostatV2(row, 1.8))).toEqual([0, 1])
    expect(kept(applyMirostatV2(row, 0.1))).toEqual([0])
    expect(updateMirostatMu(6, 4, { tau: 3, eta: 0.1 })).toBeCloseTo(5.9, 12)
  })
  it('rejects out-of-range parameters', () => {
    expect(() => applyTopP(row, 0)).toThrow(InvalidArgumentError)
    expect(() => applyTopP(row, 1.1)).toThrow(/topP/)
    expect(() => applyTopK(row, 0)).toThrow(/topK/)
    expect(() => applyTopK(row, 1.5)).toThrow(/topK/)
    expect(() => applyTemperature(row, -1)).toThrow(/temperature/)
    expect(() => applyTemperature(row, 0)).toThrow(/temperature/)
    expect(() => applyMinP(row, -0.1)).toThrow(/minP/)
    expect(() => applyTypicalP(row, 0)).toThrow(/typicalP/)
    expect(() => applyEpsilon(row, 1)).toThrow(/epsilon/)
    expect(() => applyEta(row, -0.1)).toThrow(/eta/)
    expect(() => applyRepetitionPenalty(row, [], 0)).toThrow(/repetitionPenalty/)
    expect(() => applyFrequencyPresencePenalty(row, [], 3, 0)).toThrow(/frequencyPenalty/)
    expect(() => applyNoRepeatNgram(row, [], 0)).toThrow(/noRepeatNgramSize/)
    expect(() => applyLogitBias(row, { 7: 1 })).toThrow(/logitBias/)
    expect(() => applyBannedTokens(row, [], [3])).toThrow(/bannedTokenIds/)
    expect(() => applyMinNewTokens(row, 0, -1, [0])).toThrow(/minNewTokens/)
  })
  it('never changes its input', () => {
    const input = Float32Array.from([1, 2, 3])
    applyTopK(input, 1)
    applyTopP(input, 0.1)
    applyTemperature(input, 2)
    applyRepetitionPenalty(input, [0, 1], 2)
    expect(Array.from(input)).toEqual([1, 2, 3])
  })
})

describe('truncation processors match the reference on random logits (ties, -Infinity)', () => {
  for (let seed = 1; seed <= 60; seed++) {
    it(`seed ${seed}`, () => {
      const logits = randomLogits(seed)
      const parameter = createRng(seed + 1000).next()
      const k = 1 + createRng(seed + 2000).nextInt(logits.length)
      expectMask(applyTopK(logits, k), logits, referenceTopK(logits, k))
      const mass = Math.max(0.01, parameter)
      expectMask(applyTopP(logits, mass), logits, referenceTopP(logits, mass))
      expectMask(applyTypicalP(logits, mass), logits, referenceTypical(logits, mass))
      expectMask(applyMinP(logits, parameter), logits, referenceMinP(logits, parameter))
      const floor = parameter * 0.3
      expectMask(applyEpsilon(logits, floor), logits, referenceFloor(logits, floor))
      expectMask(applyEta(logits, floor), logits, referenceEta(logits, floor))
    })
  }
})

describe('penalties and masks', () => {
  it('CTRL repetition penalty divides positive and multiplies negative logits', () => {
    expect(Array.from(applyRepetitionPenalty(Float32Array.from([2, -1, 3]), [0, 1, 1], 2))).toEqual(
      [1, -2, 3],
    )
  })
  it('frequency and presence penalties count generated tokens', () => {
    expect(
      Array.from(applyFrequencyPresencePenalty(Float32Array.from([0, 0, 0]), [1, 1, 2], 0.5, 1)),
    ).toEqual([0, -2, -1.5])
  })
  it('no-repeat-n-gram bans completions of seen n-grams', () => {
    expect(kept(applyNoRepeatNgram(new Float32Array(5), [1, 2, 3, 1], 2))).toEqual([0, 1, 3, 4])
    expect(kept(applyNoRepeatNgram(new Float32Array(5), [1, 2, 1, 2], 3))).toEqual([0, 2, 3, 4])
    expect(kept(applyNoRepeatNgram(new Float32Array(5), [4, 2], 1))).toEqual([0, 1, 3])
  })
  it('logit bias, bans, bad-word sequences, allow-lists and min-new-tokens', () => {
    expect(Array.from(applyLogitBias(Float32Array.from([0, 1, 2]), { 1: 2, 2: NEG }))).toEqual([
      0,
      3,
      NEG,
    ])
    expect(
      kept(
        applyBannedTokens(
          new Float32Array(4),
          [1, 2],
          [3],
          [
            [2, 1],
            [1, 0],
          ],
        ),
      ),
    ).toEqual([0, 2])
    expect(kept(applyBannedTokens(new Float32Array(4), [2, 2], [], [[1, 2, 0]]))).toEqual([
      0, 1, 2, 3,
    ])
    expect(kept(applyAllowedTokens(new Float32Array(4), [3, 1]))).toEqual([1, 3])
    expect(kept(applyMinNewTokens(new Float32Array(3), 1, 2, [0]))).toEqual([1, 2])
    expect(kept(applyMinNewTokens(new Float32Array(3), 2, 2, [0]))).toEqual([0, 1, 2])
  })
  it('applies the chain in the documented order', () => {
    // Bias first (token 1 becomes the largest), then the repetition penalty halves it (4 -> 2),
    // then temperature 0.5 doubles everything, then top-k 1 keeps the largest: token 2 (3 -> 6).
    const context = { tokens: [1], generatedCount: 0, eosTokenIds: [0] }
    const penalised = applyPenalties(
      Float32Array.from([0, 1, 3]),
      { logitBias: { 1: 3 }, repetitionPenalty: 2 },
      context,
    )
    expect(Array.from(penalised)).toEqual([0, 2, 3])
    expect(Array.from(applyTruncation(penalised, { temperature: 0.5, topK: 1 }))).toEqual([
      NEG,
      NEG,
      6,
    ])
  })
})
