// Min-p truncation.
import { assertNumberInRange } from '@metagen/core'
import { maskLogits, maxValue } from './distribution.js'

/**
 * Min-p (Nguyen et al. 2024): keeps token i when p_i >= minP * max_j p_j, i.e. when
 * x_i >= max_j x_j + log(minP); the others become -Infinity. The most likely token(s) are
 * always kept. minP = 0 keeps everything. Throws InvalidArgumentError unless minP is in [0, 1].
 */
export function applyMinP(logits: Float32Array, minP: number): Float32Array {
  assertNumberInRange('minP', minP, { min: 0, max: 1 })
  const threshold = maxValue(logits) + Math.log(minP)
  return maskLogits(
    logits,
    Array.from(logits, (value) => value > Number.NEGATIVE_INFINITY && value >= threshold),
  )
}
