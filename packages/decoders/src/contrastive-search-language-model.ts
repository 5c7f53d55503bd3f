// Contrastive search as a LanguageModel.

import type { ChatMessage, LanguageModel, TokenModel } from '@metagen/core'
import { compact } from '@metagen/core'
import { type ContrastiveSearchOptions, contrastiveSearch } from './contrastive-search.js'
import { createDecoderLanguageModel } from './decoder-language-model.js'
import { warnIgnoredSamplingFields } from './deterministic-request.js'

/** Settings of {@link createContrastiveSearchLanguageModel}. */
export interface ContrastiveSearchLanguageModelOptions
  extends Pick<ContrastiveSearchOptions, 'topK' | 'alpha' | 'processors'> {
  /** Model id (default: the token model's). */
  modelId?: string
  /** Provider name (default `metagen`). */
  provider?: string
  /** Renders chat messages into a prompt. */
  chatTemplate?: (messages: readonly ChatMessage[]) => string
  /** Generated-token limit when a request gives none (default 256). */
  defaultMaxTokens?: number
}

/**
 * Contrastive search as a LanguageModel. The search is deterministic: with n > 1 it runs once
 * and returns n copies (with a warning); usage counts the single run. Request sampling fields are
 * ignored with a warning.
 */
export function createContrastiveSearchLanguageModel(
  tokenModel: TokenModel,
  options: ContrastiveSearchLanguageModelOptions = {},
): LanguageModel {
  return createDecoderLanguageModel({
    tokenModel,
    nativeN: true,
    ...compact({
      modelId: options.modelId,
      provider: options.provider,
      chatTemplate: options.chatTemplate,
      defaultMaxTokens: options.defaultMaxTokens,
    }),
    async decode(call) {
      warnIgnoredSamplingFields(call.request, call.warnings, 'Contrastive search')
      const result = await contrastiveSearch({
        model: tokenModel,
        prompt: call.prompt,
        maxTokens: call.maxTokens,
        ...compact({
          topK: options.topK,
          alpha: options.alpha,
          processors: options.processors,
          stop: call.request.stop,
          signal: call.request.signal,
        }),
      })
      if (call.n > 1) {
        call.warnings.push({
          type: 'unsupported-setting',
          setting: 'n',
          message:
            'Contrastive search is deterministic: the n outputs are identical copies of one run.',
        })
      }
      const only = result.sequences[0]
      return { ...result, sequences: Array.from({ length: call.n }, () => ({ ...only! })) }
    },
  })
}
