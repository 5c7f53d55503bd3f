// Top-k truncation.
import { assertInteger } from '@metagen/core'
import { maskLogits, sortDescending } from './distribution.js'

/**
 * Top-k: keeps the tokens whose logit is >= the k-th largest logit, sets the others to
 * -Infinity. Ties at the boundary are all kept (so more than k tokens may survive); tokens
 * already at -Infinity stay masked. k >= vocabulary size keeps everything.
 * Throws InvalidArgumentError unless k is an integer >= 1.
 */
export function applyTopK(logits: Float32Array, k: number): Float32Array {
  assertInteger('topK', k, 1)
  if (k >= logits.length) return Float32Array.from(logits)
  const order = sortDescending(logits)
  const threshold = logits[order[k - 1] as number] as number
  const keep = Array.from(logits, (value) => value >= threshold && value > Number.NEGATIVE_INFINITY)
  return maskLogits(logits, keep)
}
