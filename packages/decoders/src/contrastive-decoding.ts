// Contrastive decoding (Li et al. 2023): an expert and an amateur model, scored by
// log p_expert - log p_amateur over the expert's plausible tokens.
import {
  compact,
  InvalidArgumentError,
  logSoftmax,
  parseOption,
  type TokenModel,
} from '@metagen/core'
import { contrastiveDecodingOptionSchemas } from './option-schemas.js'
import { type DecodeResult, type LogitsCombiner, sampleSequences } from './sample-sequences.js'
import type { SamplingOptions } from './sampling-options.js'

/** Settings of the contrastive-decoding score. */
export interface ContrastiveScoreOptions {
  /** Plausibility cutoff alpha in (0, 1] (default 0.1): keep v when p_e(v) >= alpha max p_e. */
  alpha?: number
  /** Temperature tau > 0 of the amateur's log-softmax (default 1). */
  amateurTemperature?: number
}

/**
 * The contrastive-decoding row: with lp_e = log_softmax(x_expert) and
 * lp_a = log_softmax(x_amateur / tau), score(v) = lp_e(v) - lp_a(v) when
 * lp_e(v) >= log(alpha) + max lp_e (the plausibility head), and -Infinity otherwise.
 */
export function createContrastiveCombiner(options: ContrastiveScoreOptions = {}): LogitsCombiner {
  const alpha = options.alpha ?? 0.1
  parseOption('alpha', contrastiveDecodingOptionSchemas.alpha, alpha)
  const temperature = options.amateurTemperature ?? 1
  parseOption(
    'amateurTemperature',
    contrastiveDecodingOptionSchemas.amateurTemperature,
    temperature,
  )
  return ([expertRow, amateurRow]) => {
    if (!expertRow || !amateurRow) {
      throw new InvalidArgumentError({
        argument: 'rows',
        expected: 'expert and amateur rows',
        received: 'fewer',
      })
    }
    const expert = logSoftmax(expertRow)
    const amateur = logSoftmax(
      temperature === 1 ? amateurRow : amateurRow.map((value) => value / temperature),
    )
    let best = Number.NEGATIVE_INFINITY
    for (const value of expert) if (value > best) best = value
    const cutoff = Math.log(alpha) + best
    const result = new Float32Array(expert.length)
    for (let index = 0; index < expert.length; index++) {
      const value = expert[index] as number
      result[index] =
        value >= cutoff && value > Number.NEGATIVE_INFINITY
          ? value - (amateur[index] as number)
          : Number.NEGATIVE_INFINITY
    }
    return result
  }
}

/** Options of {@link contrastiveDecoding}. */
export interface ContrastiveDecodingOptions extends ContrastiveScoreOptions {
  /** The strong model. */
  expert: TokenModel
  /** The weak model (same tokenizer and vocabulary). */
  amateur: TokenModel
  /** Prompt token ids. */
  prompt: readonly number[]
  /** Number of outputs (default 1). */
  n?: number
  /** Maximum generated tokens (default min(256, room in the smaller context)). */
  maxTokens?: number
  /**
   * Processor chain applied to the contrastive scores (default `{ temperature: 0 }`: greedy over
   * the scores, as in Li et al.). With temperature > 0 tokens are sampled from softmax(scores / T).
   */
  sampling?: SamplingOptions
  /** Seed for sampling. */
  seed?: number
  /** Text-level stop sequences. */
  stop?: readonly string[]
  /** How many alternatives per position to report (from the expert's distribution). */
  topLogprobs?: number
  /** Checked between steps. */
  signal?: AbortSignal
}

/**
 * Contrastive decoding: both models prefill the prompt once; each step extends the expert's and
 * the amateur's batches concurrently, scores tokens with {@link createContrastiveCombiner} and
 * picks the best (or samples). Reported logprobs are the expert's log p_e of the chosen token.
 */
export function contrastiveDecoding(options: ContrastiveDecodingOptions): Promise<DecodeResult> {
  return sampleSequences({
    models: [options.expert, options.amateur],
    combine: createContrastiveCombiner({
      ...compact({ alpha: options.alpha, amateurTemperature: options.amateurTemperature }),
    }),
    logprobsFrom: 0,
    prompt: options.prompt,
    sampling: options.sampling ?? { temperature: 0 },
    ...compact({
      n: options.n,
      maxTokens: options.maxTokens,
      seed: options.seed,
      stop: options.stop,
      topLogprobs: options.topLogprobs,
      signal: options.signal,
    }),
  })
}
