// Proxy tuning (Liu et al. 2024, "Tuning Language Models by Proxy"): a large untuned model is
// steered by the difference between a small tuned expert and its untuned base, as a preset of
// the logit arithmetic of logit-arithmetic.ts.
import { InvalidArgumentError, type TokenModel } from '@metagen/core'
import { type LogitArithmeticOptions, logitArithmetic } from './logit-arithmetic.js'
import type { DecodeResult } from './sample-sequences.js'

/**
 * Options of {@link proxyTune}: those of {@link logitArithmetic}, read as proxy tuning's three
 * models: `base` is M, the large untuned model that is steered; `expert` is M+, the small tuned
 * model; `antiExpert` is M-, the small untuned model the expert was tuned from (required here;
 * all three share one vocabulary). `alpha` (default 1, the paper's method) scales the offset:
 * s_M + alpha (s_M+ - s_M-).
 */
export interface ProxyTuneOptions extends LogitArithmeticOptions {
  antiExpert: TokenModel
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
  return logitArithmetic(options)
}
