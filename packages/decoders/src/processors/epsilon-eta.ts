// Epsilon and eta truncation (Hewitt et al. 2022).
import { assertNumberInRange } from '@metagen/core'
import { entropy, logProbabilities, maskLogits, maxValue } from './distribution.js'

/**
 * Epsilon sampling: keeps token i when p_i >= epsilon, where p = softmax(x); the others become
 * -Infinity. The most likely token(s) are always kept, so the result is never empty.
 * Throws InvalidArgumentError unless epsilon is in [0, 1).
 */
export function applyEpsilon(logits: Float32Array, epsilon: number): Float32Array {
  assertNumberInRange('epsilon', epsilon, { min: 0, max: 1, maxInclusive: false })
  return keepAboveProbability(logits, epsilon)
}

/**
 * Eta sampling: keeps token i when p_i >= min(eta, sqrt(eta) * exp(-H)), where H is the entropy
 * of p = softmax(x) in nats; the others become -Infinity. The most likely token(s) are always
 * kept. Throws InvalidArgumentError unless eta is in [0, 1).
 */
export function applyEta(logits: Float32Array, eta: number): Float32Array {
  assertNumberInRange('eta', eta, { min: 0, max: 1, maxInclusive: false })
  const threshold = Math.min(eta, Math.sqrt(eta) * Math.exp(-entropy(logProbabilities(logits))))
  return keepAboveProbability(logits, threshold)
}

function keepAboveProbability(logits: Float32Array, threshold: number): Float32Array {
  const logprobs = logProbabilities(logits)
  const best = maxValue(logits)
  return maskLogits(
    logits,
    Array.from(logits, (value, index) => {
      if (value === Number.NEGATIVE_INFINITY) return false
      return value === best || Math.exp(logprobs[index] as number) >= threshold
    }),
  )
}
