// Speculative decoding as a LanguageModel: a target token model plus a drafter behave like the
// target's own decoder (same outputs in distribution, exactly the same when greedy), faster.
import {
  type ChatMessage,
  compact,
  InvalidArgumentError,
  type LanguageModel,
  type TokenModel,
} from '@metagen/core'
import { createDecoderLanguageModel } from '../decoder-language-model.js'
import { type SamplingOptions, validateSamplingOptions } from '../sampling-options.js'
import { resolveSamplingOptions } from '../token-language-model.js'
import type { Drafter } from './drafter.js'
import { createModelDrafter } from './model-drafter.js'
import { createPromptLookupDrafter } from './prompt-lookup-drafter.js'
import { type SpeculativeStats, speculativeDecode } from './speculative-decode.js'

/** Settings of {@link createSpeculativeLanguageModel}. */
export interface SpeculativeLanguageModelOptions {
  /** The target model, whose distribution the outputs follow. */
  target: TokenModel
  /**
   * The drafter: a draft TokenModel with the target's vocabulary, `'prompt-lookup'` (n-gram
   * lookup, no model), or any {@link Drafter}.
   */
  draft: TokenModel | Drafter | 'prompt-lookup'
  /** Draft tokens per round, an integer >= 1 (default 4). */
  k?: number
  /** Adapt k per sample (see {@link SpeculativeDecodeOptions.adaptive}; default false). */
  adaptive?: boolean
  /** Upper bound of k with `adaptive` (default max(k, 16)). */
  maxK?: number
  /** Default processor chain; per-request fields override it (as in createTokenLanguageModel). */
  sampling?: SamplingOptions
  /** Model id (default `speculative:{target}+{drafter}`). */
  modelId?: string
  /** Provider name (default `metagen`). */
  provider?: string
  /** Renders chat messages into a prompt; without it, chat requests are unsupported. */
  chatTemplate?: (messages: readonly ChatMessage[]) => string
  /** Generated-token limit when a request gives none (default 256, capped by the context). */
  defaultMaxTokens?: number
  /** Called after every generate call with its acceptance counters (for reports and benchmarks). */
  onStats?: (stats: SpeculativeStats) => void
}

/**
 * A LanguageModel that decodes with speculative decoding ({@link speculativeDecode}): greedy
 * requests (temperature 0) return exactly the target's greedy output; sampled requests follow
 * the target's processed distribution. n samples are decoded together (batched rounds).
 * Usage: inputTokens = prompt tokens, outputTokens = generated tokens, calls = 1, flops summed
 * over target and draft model. Reported logprobs are those of the target's processed
 * distribution. Mirostat is rejected.
 */
export function createSpeculativeLanguageModel(
  options: SpeculativeLanguageModelOptions,
): LanguageModel {
  const { target } = options
  if (!target || typeof target.extend !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.target',
      expected: 'a TokenModel',
      received: target,
    })
  }
  const drafter = toDrafter(options.draft, target)
  const provider = options.provider ?? 'metagen'
  if (options.sampling) validateSamplingOptions(options.sampling, 'options.sampling.')
  return createDecoderLanguageModel({
    tokenModel: target,
    provider,
    modelId: options.modelId ?? `speculative:${target.modelId}+${drafter.name}`,
    ...compact({ chatTemplate: options.chatTemplate, defaultMaxTokens: options.defaultMaxTokens }),
    async decode(call) {
      const { request } = call
      const sampling = resolveSamplingOptions(request, options.sampling, provider)
      if (request.logprobs && request.topLogprobs) {
        call.warnings.push({
          type: 'unsupported-setting',
          setting: 'topLogprobs',
          message:
            'Speculative decoding reports the chosen tokens’ logprobs only, not alternatives.',
        })
      }
      const result = await speculativeDecode({
        target,
        drafter,
        prompt: call.prompt,
        n: call.n,
        maxTokens: call.maxTokens,
        sampling,
        ...compact({
          k: options.k,
          adaptive: options.adaptive,
          maxK: options.maxK,
          seed: request.seed,
          stop: request.stop,
          signal: request.signal,
        }),
      })
      if (result.contextExhausted) {
        call.warnings.push({
          type: 'other',
          message: 'Some samples stopped because the model context was full.',
        })
      }
      options.onStats?.(result.stats)
      return result
    },
  })
}

function toDrafter(draft: SpeculativeLanguageModelOptions['draft'], target: TokenModel): Drafter {
  if (draft === 'prompt-lookup') return createPromptLookupDrafter()
  if (draft && typeof draft === 'object' && 'propose' in draft && 'start' in draft) return draft
  if (draft && typeof draft === 'object' && 'extend' in draft) {
    if (draft.vocabSize !== target.vocabSize) {
      throw new InvalidArgumentError({
        argument: 'options.draft',
        expected: `a draft model with the target's vocabulary (${target.vocabSize} tokens)`,
        received: `${draft.modelId} with ${draft.vocabSize}`,
      })
    }
    return createModelDrafter(draft)
  }
  throw new InvalidArgumentError({
    argument: 'options.draft',
    expected: "a TokenModel, a Drafter or 'prompt-lookup'",
    received: draft,
  })
}
