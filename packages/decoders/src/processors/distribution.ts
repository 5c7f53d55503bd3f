// Shared numerics of the truncation processors: probabilities of a logits row, entropy, and the
// "keep a set of tokens" operation that every truncation method ends with.
import { logSoftmax } from '@metagen/core'

/** Natural-log probabilities of a logits row (float64). -Infinity logits give -Infinity. */
export function logProbabilities(logits: ArrayLike<number>): Float64Array {
  return logSoftmax(logits)
}

/**
 * Shannon entropy in nats, H = -sum_i p_i log p_i, of the distribution softmax(logits).
 * Masked tokens (-Infinity) contribute 0.
 */
export function entropy(logprobs: ArrayLike<number>): number {
  let total = 0
  for (let index = 0; index < logprobs.length; index++) {
    const logprob = logprobs[index] as number
    if (logprob > Number.NEGATIVE_INFINITY) total -= Math.exp(logprob) * logprob
  }
  return total
}

/**
 * A copy of `logits` where every token with `keep[i] === false` is set to -Infinity.
 * Kept tokens keep their logit unchanged.
 */
export function maskLogits(logits: Float32Array, keep: ArrayLike<boolean>): Float32Array {
  const result = new Float32Array(logits.length)
  for (let index = 0; index < logits.length; index++) {
    result[index] = keep[index] ? (logits[index] as number) : Number.NEGATIVE_INFINITY
  }
  return result
}

/**
 * Keeps the smallest prefix of `order` whose probability mass reaches `mass`, then also every
 * later token of `order` whose `key` equals the last kept token's key (ties at the boundary are
 * kept, so the result does not depend on how ties were ordered). Tokens with probability 0 are
 * never kept. Used by top-p and locally typical sampling.
 */
export function keepPrefixByMass(
  logits: Float32Array,
  probabilities: Float64Array,
  order: readonly number[],
  key: (token: number) => number,
  mass: number,
): Float32Array {
  const keep = new Array<boolean>(logits.length).fill(false)
  let cumulative = 0
  let lastKey: number | undefined
  // 1e-12 absorbs rounding so that a mass of exactly 1 keeps every token with p > 0 and no more.
  for (const token of order) {
    const probability = probabilities[token] as number
    if (probability <= 0) break
    if (cumulative >= mass - 1e-12) {
      if (lastKey === undefined || key(token) !== lastKey) break
    }
    keep[token] = true
    cumulative += probability
    lastKey = key(token)
  }
  return maskLogits(logits, keep)
}

/**
 * Token ids sorted by decreasing `values[i]`, ties by increasing id. -Infinity values go last.
 */
export function sortDescending(values: ArrayLike<number>): number[] {
  const order = Array.from({ length: values.length }, (_, index) => index)
  order.sort((left, right) => {
    const difference = (values[right] as number) - (values[left] as number)
    if (difference > 0 || difference < 0) return difference
    const leftValue = values[left] as number
    const rightValue = values[right] as number
    if (leftValue === rightValue) return left - right
    // NaN only arises from -Infinity - -Infinity, handled above; keep the order total.
    return left - right
  })
  return order
}

/** The largest finite-or-infinite value of `values` (-Infinity for an empty or fully masked row). */
export function maxValue(values: ArrayLike<number>): number {
  let best = Number.NEGATIVE_INFINITY
  for (let index = 0; index < values.length; index++) {
    if ((values[index] as number) > best) best = values[index] as number
  }
  return best
}
