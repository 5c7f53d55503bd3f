// Reward-guided decoding as a LanguageModel, so meta-generators and the CLI can use it.
import { compact, type LanguageModel, type Scorer, type TokenModel } from '@metagen/core'
import type { MultiModelLanguageModelOptions } from './contrastive-decoding-language-model.js'
import { createDecoderLanguageModel } from './decoder-language-model.js'
import { type RewardScale, rewardGuidedDecode } from './reward-guided-decode.js'
import type { SamplingOptions } from './sampling-options.js'
import { resolveSamplingOptions } from './token-language-model.js'

/** Truncation steps of the chain that the top-K candidate set replaces. */
const truncationSettings = new Set([
  'topK',
  'topP',
  'minP',
  'typicalP',
  'epsilon',
  'eta',
  'mirostat',
])

/** Settings of {@link createRewardGuidedLanguageModel}. */
export interface RewardGuidedLanguageModelOptions extends MultiModelLanguageModelOptions {
  /** The generator. */
  model: TokenModel
  /** The discriminator. */
  scorer: Scorer
  /** Candidates scored per step (default 8). */
  topK?: number
  /** Discriminator weight (default 1). */
  alpha?: number
  /** Guide every interval-th step (default 1). */
  interval?: number
  /** How scores enter the reweighting (default `probability`). */
  rewardScale?: RewardScale
}

/**
 * {@link rewardGuidedDecode} as a LanguageModel (model id `{model}+guided-by-{scorer}` by
 * default). The scorer sees the request's prompt text (for chat requests: the rendered prompt,
 * decoded). Temperature defaults to 1 as for {@link createTokenLanguageModel}; the request's
 * temperature and penalty settings apply (the truncation settings topK, topP, minP, typicalP,
 * epsilon, eta and mirostat are not applied, with a warning: `topK` of these settings is the
 * candidate set). Usage adds the scorer's usage (its calls, tokens and FLOPs) to
 * the generator's.
 */
export function createRewardGuidedLanguageModel(
  options: RewardGuidedLanguageModelOptions,
): LanguageModel {
  return createDecoderLanguageModel({
    tokenModel: options.model,
    modelId: options.modelId ?? `${options.model.modelId}+guided-by-${options.scorer.name}`,
    // The scorer's prompt tokens are added to the usage.
    promptIsAllInput: false,
    ...compact({
      provider: options.provider,
      chatTemplate: options.chatTemplate,
      defaultMaxTokens: options.defaultMaxTokens,
    }),
    async decode(call) {
      const { request } = call
      const resolved = resolveSamplingOptions(request, options.sampling, options.provider)
      const sampling: SamplingOptions = {}
      const ignored: string[] = []
      for (const [key, value] of Object.entries(resolved)) {
        if (truncationSettings.has(key)) ignored.push(key)
        else Object.assign(sampling, { [key]: value })
      }
      if (ignored.length > 0) {
        call.warnings.push({
          type: 'unsupported-setting',
          setting: ignored.join(', '),
          message: `Reward-guided decoding keeps the top ${options.topK ?? 8} candidates; ${ignored.join(', ')} are not applied.`,
        })
      }
      return rewardGuidedDecode({
        model: options.model,
        scorer: options.scorer,
        prompt: call.prompt,
        promptText: request.prompt ?? options.model.tokenizer.decode(call.prompt),
        n: call.n,
        maxTokens: call.maxTokens,
        sampling,
        ...compact({
          topK: options.topK,
          alpha: options.alpha,
          interval: options.interval,
          rewardScale: options.rewardScale,
          seed: request.seed,
          stop: request.stop,
          signal: request.signal,
        }),
        ...(request.logprobs && request.topLogprobs ? { topLogprobs: request.topLogprobs } : {}),
      })
    },
  })
}
