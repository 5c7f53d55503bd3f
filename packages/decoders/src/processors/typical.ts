// Locally typical sampling.
import { assertNumberInRange } from '@metagen/core'
import { entropy, keepPrefixByMass, logProbabilities } from './distribution.js'

/**
 * Locally typical sampling (Meister et al. 2023): with entropy H = -sum p log p (nats), sorts the
 * tokens by increasing |(-log p_i) - H| (ties by increasing id) and keeps the smallest prefix
 * whose mass reaches typicalP, plus tokens tied with the last kept one in that distance; the
 * others become -Infinity. typicalP = 1 keeps every token with p > 0.
 * Throws InvalidArgumentError unless typicalP is in (0, 1].
 */
export function applyTypicalP(logits: Float32Array, typicalP: number): Float32Array {
  assertNumberInRange('typicalP', typicalP, { min: 0, max: 1, minInclusive: false })
  const logprobs = logProbabilities(logits)
  const probabilities = logprobs.map(Math.exp)
  const entropyValue = entropy(logprobs)
  const distance = (token: number): number => {
    const logprob = logprobs[token] as number
    return logprob === Number.NEGATIVE_INFINITY
      ? Number.POSITIVE_INFINITY
      : Math.abs(-logprob - entropyValue)
  }
  const order = Array.from({ length: logits.length }, (_, index) => index).sort(
    (left, right) => distance(left) - distance(right) || left - right,
  )
  return keepPrefixByMass(logits, probabilities, order, distance, typicalP)
}
