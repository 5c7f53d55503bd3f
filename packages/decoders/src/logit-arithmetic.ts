// Logit arithmetic between models (DExperts, Liu et al. 2021): base + alpha (expert - anti-expert),
// and in general any weighted sum of the models' logits.
import { compact, InvalidArgumentError, type TokenModel } from '@metagen/core'
import { type DecodeResult, type LogitsCombiner, sampleSequences } from './sample-sequences.js'
import type { SamplingOptions } from './sampling-options.js'

/**
 * A weighted sum of logits rows: x'_v = sum_i weights[i] x_i(v). Rows with weight 0 are skipped.
 * -Infinity in a row with a positive weight gives -Infinity; weights must be finite.
 */
export function createWeightedLogitsCombiner(weights: readonly number[]): LogitsCombiner {
  if (
    weights.length === 0 ||
    weights.some((weight) => typeof weight !== 'number' || !Number.isFinite(weight))
  ) {
    throw new InvalidArgumentError({
      argument: 'weights',
      expected: 'a non-empty array of finite numbers',
      received: weights,
    })
  }
  return (rows) => {
    if (rows.length !== weights.length) {
      throw new InvalidArgumentError({
        argument: 'rows',
        expected: `${weights.length} rows`,
        received: rows.length,
      })
    }
    const result = new Float32Array((rows[0] as Float32Array).length)
    rows.forEach((row, index) => {
      const weight = weights[index] as number
      if (weight === 0) return
      for (let token = 0; token < result.length; token++) {
        result[token] = (result[token] as number) + weight * (row[token] as number)
      }
    })
    return result
  }
}

/** Options of {@link logitArithmetic}. */
export interface LogitArithmeticOptions {
  /** The base model. */
  base: TokenModel
  /** The expert (steers towards it); same vocabulary. */
  expert: TokenModel
  /** The anti-expert (steers away from it); optional. */
  antiExpert?: TokenModel
  /** Steering strength alpha, a finite number (default 1). */
  alpha?: number
  /** Prompt token ids. */
  prompt: readonly number[]
  /** Number of samples (default 1). */
  n?: number
  /** Maximum generated tokens. */
  maxTokens?: number
  /** Processor chain applied to the combined logits (default temperature 1 sampling). */
  sampling?: SamplingOptions
  /** Seed. */
  seed?: number
  /** Text-level stop sequences. */
  stop?: readonly string[]
  /** How many alternatives per position to report. */
  topLogprobs?: number
  /** Checked between steps. */
  signal?: AbortSignal
}

/**
 * DExperts-style decoding: x = x_base + alpha (x_expert - x_antiExpert) (without an anti-expert:
 * x_base + alpha x_expert), then the processor chain and greedy or sampling. All models prefill
 * once and are extended concurrently each step. Reported logprobs are those of the distribution
 * sampled from (the processed combined logits).
 */
export function logitArithmetic(options: LogitArithmeticOptions): Promise<DecodeResult> {
  const alpha = options.alpha ?? 1
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) {
    throw new InvalidArgumentError({
      argument: 'alpha',
      expected: 'a finite number',
      received: alpha,
    })
  }
  const models = options.antiExpert
    ? [options.base, options.expert, options.antiExpert]
    : [options.base, options.expert]
  const weights = options.antiExpert ? [1, alpha, -alpha] : [1, alpha]
  return sampleSequences({
    models,
    combine: createWeightedLogitsCombiner(weights),
    prompt: options.prompt,
    ...compact({
      sampling: options.sampling,
      n: options.n,
      maxTokens: options.maxTokens,
      seed: options.seed,
      stop: options.stop,
      topLogprobs: options.topLogprobs,
      signal: options.signal,
    }),
  })
}
