// Choosing the next token of one sequence: the processor chain, then argmax (greedy) or a seeded
// draw, with the log-probability of the choice under the distribution it was drawn from.
import { argmax, InvalidArgumentError, logSoftmax, type Rng } from '@metagen/core'
import { applyMirostatV2, updateMirostatMu } from './processors/mirostat.js'
import {
  applyPenalties,
  applyTruncation,
  type ProcessorContext,
  type SamplingOptions,
} from './sampling-options.js'

/** One chosen token. */
export interface TokenChoice {
  /** The token id. */
  token: number
  /** Natural-log probability of `token` under `logprobs`. */
  logprob: number
  /**
   * The distribution the token was chosen from, as log-probabilities (vocabulary length).
   * Sampling: the log-softmax of the fully processed logits (temperature and truncation
   * included). Greedy: the log-softmax of the logits after the penalty steps (temperature 1).
   */
  logprobs: Float64Array
}

/** Chooses tokens for one sequence; holds the per-sequence state (mirostat's mu). */
export interface TokenSampler {
  /** Applies the chain to `logits` and chooses a token. Throws when every token is masked. */
  choose(logits: Float32Array, context: ProcessorContext): TokenChoice
}

/**
 * Creates the sampler of one sequence. Temperature 0 is greedy (argmax, lowest id on ties) and
 * needs no `rng`; otherwise `rng` draws the token by inverse transform sampling over
 * softmax(processed logits). `options` is assumed validated ({@link validateSamplingOptions}).
 */
export function createTokenSampler(options: SamplingOptions, rng?: Rng): TokenSampler {
  const greedy = options.temperature === 0
  if (!greedy && rng === undefined) {
    throw new InvalidArgumentError({
      argument: 'rng',
      expected: 'a random number generator when temperature > 0',
      received: undefined,
    })
  }
  let mu = options.mirostat ? 2 * options.mirostat.tau : 0
  return {
    choose(logits, context) {
      const penalised = applyPenalties(logits, options, context)
      if (greedy) {
        const logprobs = logSoftmax(penalised)
        const token = argmax(penalised)
        assertSomeTokenLeft(penalised[token])
        return { token, logprob: logprobs[token] as number, logprobs }
      }
      let processed = applyTruncation(penalised, options)
      if (options.mirostat) processed = applyMirostatV2(processed, mu)
      const logprobs = logSoftmax(processed)
      const token = sampleFromLogprobs(logprobs, rng as Rng)
      const logprob = logprobs[token] as number
      if (options.mirostat) mu = updateMirostatMu(mu, -logprob / Math.LN2, options.mirostat)
      return { token, logprob, logprobs }
    },
  }
}

/**
 * Draws a token id from the distribution exp(logprobs) by inverse transform sampling with one
 * `rng.next()`: the first id whose cumulative probability exceeds the draw. Throws when every
 * entry is -Infinity.
 */
export function sampleFromLogprobs(logprobs: Float64Array, rng: Rng): number {
  const draw = rng.next()
  let cumulative = 0
  let lastPositive = -1
  for (let index = 0; index < logprobs.length; index++) {
    const logprob = logprobs[index] as number
    if (!(logprob > Number.NEGATIVE_INFINITY)) continue
    cumulative += Math.exp(logprob)
    lastPositive = index
    if (draw < cumulative) return index
  }
  assertSomeTokenLeft(lastPositive === -1 ? Number.NEGATIVE_INFINITY : 0)
  // Rounding left the total just under 1 and the draw above it: the last possible token.
  return lastPositive
}

function assertSomeTokenLeft(value: number | undefined): void {
  if (value === undefined || !(value > Number.NEGATIVE_INFINITY)) {
    throw new InvalidArgumentError({
      argument: 'samplingOptions',
      expected: 'processors that leave at least one token possible',
      received: 'every token masked',
    })
  }
}
