// Temperature sampling of one token for the token-level step proposer, drawn by the decoders'
// inverse-CDF sampler.
import { argmax, InvalidArgumentError, logSoftmax, type Rng } from '@metagen/core'
import { sampleFromLogprobs } from '@metagen/decoders'

/**
 * Draws a token id from `logits` (one row of raw logits): greedy (argmax, lowest id on ties)
 * when `temperature` is 0, otherwise from softmax(logits / temperature) by inverse-CDF sampling
 * with one `rng.next()` (`sampleFromLogprobs` of @metagen/decoders). -Infinity logits are never
 * drawn.
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
  return sampleFromLogprobs(logSoftmax(scaled), rng)
}
