// Nucleus (top-p) truncation.
import { assertNumberInRange } from '@metagen/core'
import { keepPrefixByMass, logProbabilities, sortDescending } from './distribution.js'

/**
 * Nucleus sampling (Holtzman et al. 2020): with p = softmax(x) and tokens sorted by decreasing
 * p (ties by increasing id), keeps the smallest prefix whose mass sum p_i >= topP, plus any
 * token tied in probability with the last one kept; the others become -Infinity.
 * topP = 1 keeps every token with p > 0. Throws InvalidArgumentError unless topP is in (0, 1].
 */
export function applyTopP(logits: Float32Array, topP: number): Float32Array {
  assertNumberInRange('topP', topP, { min: 0, max: 1, minInclusive: false })
  const logprobs = logProbabilities(logits)
  const probabilities = logprobs.map(Math.exp)
  const order = sortDescending(logprobs)
  return keepPrefixByMass(logits, probabilities, order, (token) => logits[token] as number, topP)
}
