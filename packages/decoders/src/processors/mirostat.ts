// Mirostat v2 (Basu et al. 2021): truncation by surprise with a feedback-controlled threshold.
import { parseOption } from '@metagen/core'
import { mirostatOptionSchemas } from '../option-schemas.js'
import { logProbabilities, maskLogits, maxValue } from './distribution.js'

/** Settings of mirostat v2. */
export interface MirostatOptions {
  /** Target surprise tau in bits (> 0). The threshold starts at mu = 2 * tau. */
  tau: number
  /** Learning rate eta of the threshold update, in (0, 1]. */
  eta: number
}

/** Checks mirostat settings; throws InvalidArgumentError naming the bad field. */
export function validateMirostatOptions(options: MirostatOptions): void {
  parseOption('mirostat.tau', mirostatOptionSchemas.tau, options.tau)
  parseOption('mirostat.eta', mirostatOptionSchemas.eta, options.eta)
}

/**
 * Mirostat v2 truncation step: keeps token i when its surprise -log2 p_i <= mu (bits), where
 * p = softmax(x); the others become -Infinity. The most likely token(s) are always kept.
 */
export function applyMirostatV2(logits: Float32Array, mu: number): Float32Array {
  const logprobs = logProbabilities(logits)
  const best = maxValue(logits)
  return maskLogits(
    logits,
    Array.from(logits, (value, index) => {
      if (value === Number.NEGATIVE_INFINITY) return false
      return value === best || -(logprobs[index] as number) / Math.LN2 <= mu
    }),
  )
}

/**
 * Mirostat v2 feedback: `mu' = mu - eta * (s - tau)` where s = -log2 q(x) is the surprise (bits)
 * of the chosen token under the truncated, renormalised distribution q it was drawn from.
 */
export function updateMirostatMu(
  mu: number,
  observedSurprise: number,
  options: MirostatOptions,
): number {
  return mu - options.eta * (observedSurprise - options.tau)
}
