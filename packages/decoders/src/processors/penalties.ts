// Repetition (CTRL), frequency and presence penalties.
import { assertNumberInRange } from '@metagen/core'

/**
 * CTRL repetition penalty (Keskar et al. 2019, as implemented by Hugging Face): for every
 * distinct token id t in `tokens` (prompt and generated text), x'_t = x_t / theta when
 * x_t > 0 and x'_t = x_t * theta otherwise. theta = 1 is a no-op, theta > 1 discourages
 * repetition. Throws InvalidArgumentError unless theta is a finite number > 0.
 */
export function applyRepetitionPenalty(
  logits: Float32Array,
  tokens: readonly number[],
  theta: number,
): Float32Array {
  assertNumberInRange('repetitionPenalty', theta, { min: 0, minInclusive: false, max: 1e6 })
  const result = Float32Array.from(logits)
  for (const token of new Set(tokens)) {
    const value = logits[token]
    if (value === undefined) continue
    result[token] = value > 0 ? value / theta : value * theta
  }
  return result
}

/**
 * OpenAI-style frequency and presence penalties over the generated tokens only:
 * x'_t = x_t - c_t * frequencyPenalty - [c_t > 0] * presencePenalty, where c_t is how often t
 * was generated so far. Both penalties must be in [-2, 2] (InvalidArgumentError otherwise).
 */
export function applyFrequencyPresencePenalty(
  logits: Float32Array,
  generated: readonly number[],
  frequencyPenalty: number,
  presencePenalty: number,
): Float32Array {
  assertNumberInRange('frequencyPenalty', frequencyPenalty, { min: -2, max: 2 })
  assertNumberInRange('presencePenalty', presencePenalty, { min: -2, max: 2 })
  const counts = new Map<number, number>()
  for (const token of generated) counts.set(token, (counts.get(token) ?? 0) + 1)
  const result = Float32Array.from(logits)
  for (const [token, count] of counts) {
    const value = logits[token]
    if (value === undefined) continue
    result[token] = value - count * frequencyPenalty - presencePenalty
  }
  return result
}
