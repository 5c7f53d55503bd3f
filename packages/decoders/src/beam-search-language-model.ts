// Beam search and diverse beam search as LanguageModels: the n outputs are the n best hypotheses.
import {
  type ChatMessage,
  compact,
  InvalidArgumentError,
  type LanguageModel,
  type TokenModel,
} from '@metagen/core'
import { type BeamSearchOptions, beamSearch } from './beam-search.js'
import { createDecoderLanguageModel } from './decoder-language-model.js'
import { warnIgnoredSamplingFields } from './deterministic-request.js'

/** Settings of {@link createBeamSearchLanguageModel}. */
export interface BeamSearchLanguageModelOptions
  extends Pick<
    BeamSearchOptions,
    'beamWidth' | 'lengthPenalty' | 'earlyStopping' | 'processors' | 'groups' | 'diversityPenalty'
  > {
  /** Model id (default `{tokenModel.modelId}`). */
  modelId?: string
  /** Provider name (default `metagen`). */
  provider?: string
  /** Renders chat messages into a prompt. */
  chatTemplate?: (messages: readonly ChatMessage[]) => string
  /** Generated-token limit when a request gives none (default 256, capped by the context). */
  defaultMaxTokens?: number
}

/**
 * Beam search as a LanguageModel. `generate` with `n` returns the n best finished hypotheses
 * (n must be <= beamWidth), best first; each output's logprobs are its tokens' log-probabilities.
 * Sampling fields of the request are ignored with a warning. Usage.outputTokens counts every
 * token placed in any beam (about beamWidth x length), the compute actually spent.
 */
export function createBeamSearchLanguageModel(
  tokenModel: TokenModel,
  options: BeamSearchLanguageModelOptions,
): LanguageModel {
  const { beamWidth } = options
  if (!Number.isInteger(beamWidth) || beamWidth < 1) {
    throw new InvalidArgumentError({
      argument: 'options.beamWidth',
      expected: 'an integer >= 1',
      received: beamWidth,
    })
  }
  const name = (options.groups ?? 1) > 1 ? 'Diverse beam search' : 'Beam search'
  return createDecoderLanguageModel({
    tokenModel,
    ...compact({
      modelId: options.modelId,
      provider: options.provider,
      chatTemplate: options.chatTemplate,
      defaultMaxTokens: options.defaultMaxTokens,
    }),
    async decode(call) {
      if (call.n > beamWidth) {
        throw new InvalidArgumentError({
          argument: 'n',
          expected: `at most beamWidth = ${beamWidth} outputs (the n best hypotheses)`,
          received: call.n,
        })
      }
      warnIgnoredSamplingFields(call.request, call.warnings, name)
      const result = await beamSearch({
        model: tokenModel,
        prompt: call.prompt,
        beamWidth,
        maxTokens: call.maxTokens,
        ...compact({
          lengthPenalty: options.lengthPenalty,
          earlyStopping: options.earlyStopping,
          processors: options.processors,
          groups: options.groups,
          diversityPenalty: options.diversityPenalty,
          stop: call.request.stop,
          signal: call.request.signal,
        }),
      })
      const sequences = result.sequences.slice(0, call.n)
      while (sequences.length < call.n) {
        call.warnings.push({
          type: 'other',
          message: `Only ${result.sequences.length} hypotheses finished.`,
        })
        sequences.push({
          tokenIds: [],
          text: '',
          finishReason: 'error',
          logprobs: [],
          sequenceLogprob: Number.NEGATIVE_INFINITY,
          score: Number.NEGATIVE_INFINITY,
          group: 0,
          error: new Error('beam search finished fewer hypotheses than requested'),
        })
      }
      return { ...result, sequences }
    },
  })
}

/**
 * Diverse beam search as a LanguageModel: {@link createBeamSearchLanguageModel} with `groups`
 * defaulting to beamWidth (one beam per group) and diversityPenalty to 0.5.
 */
export function createDiverseBeamSearchLanguageModel(
  tokenModel: TokenModel,
  options: BeamSearchLanguageModelOptions,
): LanguageModel {
  return createBeamSearchLanguageModel(tokenModel, {
    ...options,
    groups: options.groups ?? options.beamWidth,
  })
}
