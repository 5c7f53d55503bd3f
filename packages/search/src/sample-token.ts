// A minimal token sampler (temperature over core's softmax) for the token-level step proposer.
import { argmax, InvalidArgumentError, type Rng, softmax } from '@metagen/core'

/**
 * Draws a token id from `logits` (one row of raw logits): greedy (argmax, lowest id on ties)
 * when `temperature` is 0, otherwise from softmax(logits / temperature) by inverse-CDF sampling
 * with `rng.next()`. -Infinity logits are never drawn.
 */
export function sampleToken(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  if (logits.length === 0) {
    throw new InvalidArgumentError({
      argument: 'logits',
      expected: 'a non-empty row of logits',
      received: logits.length,
    })
  }
  if (temperature === 0) return argmax(logits)
  const scaled = new Float64Array(logits.length)
  for (let index = 0; index < logits.length; index++) {
    scaled[index] = (logits[index] as number) / temperature
  }
  const probabilities = softmax(scaled)
  const target = rng.next()
  let cumulative = 0
  let last = -1
  for (let index = 0; index < probabilities.length; index++) {
    const probability = probabilities[index] as number
    if (probability <= 0) continue
    last = index
    cumulative += probability
    if (target < cumulative) return index
  }
  // Rounding left the cumulative sum a hair below 1: the last drawable token takes the rest.
  return last === -1 ? argmax(logits) : last
}
