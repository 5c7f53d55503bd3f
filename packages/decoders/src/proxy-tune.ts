// Proxy tuning (Liu et al. 2024, "Tuning Language Models by Proxy"): a large untuned model is
// steered by the difference between a small tuned expert and its untuned base, as a preset of
// the logit arithmetic of logit-arithmetic.ts.
import { compact, InvalidArgumentError, type TokenModel } from '@metagen/core'
import { logitArithmetic } from './logit-arithmetic.js'
import type { DecodeResult } from './sample-sequences.js'
import type { SamplingOptions } from './sampling-options.js'

/** Options of {@link proxyTune}. */
export interface ProxyTuneOptions {
  /** M: the large (untuned) base model that is steered. */
  base: TokenModel
  /** M+: the small tuned model (the expert); same vocabulary as `base`. */
  expert: TokenModel
  /** M-: the small untuned model the expert was tuned from (the anti-expert); same vocabulary. */
  antiExpert: TokenModel
  /**
   * Strength of the steering, a finite number (default 1, the paper's method). The paper's
   * analysis of the tuning strength scales the offset: s_M + alpha (s_M+ - s_M-).
   */
  alpha?: number
  /** Prompt token ids. */
  prompt: readonly number[]
  /** Number of samples (default 1). */
  n?: number
  /** Maximum generated tokens. */
  maxTokens?: number
  /** Processor chain applied to the proxy-tuned logits (default: temperature 1 sampling). */
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
 * Proxy-tuned decoding (Liu, Han, Wang, Tsvetkov, Choi and Smith, "Tuning Language Models by
 * Proxy", COLM 2024). At each step the next-token distribution is
 *
 *     p~(x_t | x_<t) = softmax( s_M(x_t | x_<t) + alpha (s_M+(x_t | x_<t) - s_M-(x_t | x_<t)) )
 *
 * where s are the raw logits of the large base M (`base`), of the small tuned expert M+
 * (`expert`) and of its untuned version M- (`antiExpert`); alpha = 1 is the paper's method.
 * This is exactly {@link logitArithmetic} with those three models (weights 1, alpha, -alpha):
 * the sampling chain (temperature, truncation, greedy at temperature 0) then applies to the
 * proxy-tuned logits, all three models prefill once and step together, and the reported
 * logprobs are those of the distribution sampled from. Throws InvalidArgumentError when the
 * anti-expert is missing or alpha is not finite.
 */
export function proxyTune(options: ProxyTuneOptions): Promise<DecodeResult> {
  if (options.antiExpert === undefined || options.antiExpert === null) {
    throw new InvalidArgumentError({
      argument: 'antiExpert',
      expected: 'the untuned small model M- (proxy tuning needs base, expert and antiExpert)',
      received: options.antiExpert,
    })
  }
  return logitArithmetic({
    base: options.base,
    expert: options.expert,
    antiExpert: options.antiExpert,
    prompt: options.prompt,
    ...compact({
      alpha: options.alpha,
      n: options.n,
      maxTokens: options.maxTokens,
      sampling: options.sampling,
      seed: options.seed,
      stop: options.stop,
      topLogprobs: options.topLogprobs,
      signal: options.signal,
    }),
  })
}
