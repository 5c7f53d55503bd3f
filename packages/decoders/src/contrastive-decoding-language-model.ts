// Contrastive decoding and DExperts-style logit arithmetic as LanguageModels.

import type { ChatMessage, LanguageModel, TokenModel } from '@metagen/core'
import { compact } from '@metagen/core'
import { type ContrastiveScoreOptions, contrastiveDecoding } from './contrastive-decoding.js'
import { createDecoderLanguageModel } from './decoder-language-model.js'
import { logitArithmetic } from './logit-arithmetic.js'
import type { SamplingOptions } from './sampling-options.js'
import { resolveSamplingOptions } from './token-language-model.js'

/** Settings shared by the multi-model language models. */
export interface MultiModelLanguageModelOptions {
  /** Model id (default: derived from the models' ids). */
  modelId?: string
  /** Provider name (default `metagen`). */
  provider?: string
  /** Renders chat messages into a prompt. */
  chatTemplate?: (messages: readonly ChatMessage[]) => string
  /** Generated-token limit when a request gives none (default 256). */
  defaultMaxTokens?: number
  /** Default processor chain, overridden per request like {@link createTokenLanguageModel}. */
  sampling?: SamplingOptions
}

/** Settings of {@link createContrastiveDecodingLanguageModel}. */
export interface ContrastiveDecodingLanguageModelOptions
  extends MultiModelLanguageModelOptions,
    ContrastiveScoreOptions {
  /** The strong model. */
  expert: TokenModel
  /** The weak model (same vocabulary). */
  amateur: TokenModel
}

/**
 * Contrastive decoding as a LanguageModel (model id `{expert}-cd-{amateur}` by default). Greedy
 * over the contrastive scores unless the request (or `sampling`) sets a temperature > 0; the
 * default temperature here is 0. Reported logprobs are the expert's.
 */
export function createContrastiveDecodingLanguageModel(
  options: ContrastiveDecodingLanguageModelOptions,
): LanguageModel {
  return createDecoderLanguageModel({
    tokenModel: options.expert,
    modelId: options.modelId ?? `${options.expert.modelId}-cd-${options.amateur.modelId}`,
    ...compact({
      provider: options.provider,
      chatTemplate: options.chatTemplate,
      defaultMaxTokens: options.defaultMaxTokens,
    }),
    async decode(call) {
      const { request } = call
      const sampling = resolveSamplingOptions(
        request,
        { temperature: 0, ...options.sampling },
        options.provider,
      )
      return contrastiveDecoding({
        expert: options.expert,
        amateur: options.amateur,
        prompt: call.prompt,
        n: call.n,
        maxTokens: call.maxTokens,
        sampling,
        ...compact({
          alpha: options.alpha,
          amateurTemperature: options.amateurTemperature,
          seed: request.seed,
          stop: request.stop,
        }),
        ...(request.logprobs && request.topLogprobs ? { topLogprobs: request.topLogprobs } : {}),
        ...compact({ signal: request.signal }),
      })
    },
  })
}

/** Settings of {@link createLogitArithmeticLanguageModel}. */
export interface LogitArithmeticLanguageModelOptions extends MultiModelLanguageModelOptions {
  /** The base model. */
  base: TokenModel
  /** The expert. */
  expert: TokenModel
  /** The anti-expert (optional). */
  antiExpert?: TokenModel
  /** Steering strength (default 1). */
  alpha?: number
}

/**
 * DExperts-style logit arithmetic as a LanguageModel: x_base + alpha (x_expert - x_anti), then
 * the processor chain (request temperature/topP/topK and providerOptions.metagen apply).
 */
export function createLogitArithmeticLanguageModel(
  options: LogitArithmeticLanguageModelOptions,
): LanguageModel {
  const suffix = options.antiExpert ? `-${options.antiExpert.modelId}` : ''
  return createDecoderLanguageModel({
    tokenModel: options.base,
    modelId: options.modelId ?? `${options.base.modelId}+${options.expert.modelId}${suffix}`,
    ...compact({
      provider: options.provider,
      chatTemplate: options.chatTemplate,
      defaultMaxTokens: options.defaultMaxTokens,
    }),
    async decode(call) {
      const { request } = call
      return logitArithmetic({
        base: options.base,
        expert: options.expert,
        ...compact({ antiExpert: options.antiExpert, alpha: options.alpha }),
        prompt: call.prompt,
        n: call.n,
        maxTokens: call.maxTokens,
        sampling: resolveSamplingOptions(request, options.sampling, options.provider),
        ...compact({ seed: request.seed, stop: request.stop }),
        ...(request.logprobs && request.topLogprobs ? { topLogprobs: request.topLogprobs } : {}),
        ...compact({ signal: request.signal }),
      })
    },
  })
}
