// Constrained decoding as a LanguageModel: every output of `generate` satisfies the constraint
// (regular expression, JSON schema or choices), by sampling, greedy decoding or beam search.
import {
  type ChatMessage,
  InvalidArgumentError,
  type LanguageModel,
  parseOption,
  type TokenModel,
} from '@metagen/core'
import { createDecoderLanguageModel } from '../decoder-language-model.js'
import { beamSearchOptionSchemas } from '../option-schemas.js'
import { type SamplingOptions, validateSamplingOptions } from '../sampling-options.js'
import { resolveSamplingOptions } from '../token-language-model.js'
import { constrainedBeamSearch } from './constrained-beam-search.js'
import { constrainedDecode } from './constrained-decode.js'
import { type Constraint, compileConstraint } from './constraint.js'

/** Settings of {@link createConstrainedLanguageModel}. */
export interface ConstrainedLanguageModelOptions {
  /** The constraint of every output. */
  constraint: Constraint
  /**
   * Beam search with this many beams instead of sampling (an integer >= 1). The request's n
   * best finished hypotheses are returned (n <= beamWidth).
   */
  beamWidth?: number
  /** Default processor chain; per-request fields override it (as in createTokenLanguageModel). */
  sampling?: SamplingOptions
  /** Model id (default `{model}+constrained`). */
  modelId?: string
  /** Provider name (default `metagen`). */
  provider?: string
  /** Renders chat messages into a prompt. */
  chatTemplate?: (messages: readonly ChatMessage[]) => string
  /** Generated-token limit when a request gives none (default 256, capped by the context). */
  defaultMaxTokens?: number
}

/**
 * Wraps a token model so that every output matches `constraint` ({@link constrainedDecode};
 * with `beamWidth`, {@link constrainedBeamSearch}). The token index is built (and cached) when
 * the model is created. `stop` sequences are not supported (cutting the text could break the
 * match): they produce a warning and are ignored. A sample that cannot satisfy the constraint
 * comes back with `error` set (a ConstraintError), never with non-matching text.
 */
export function createConstrainedLanguageModel(
  tokenModel: TokenModel,
  options: ConstrainedLanguageModelOptions,
): LanguageModel {
  if (
    typeof options?.constraint?.automaton !== 'function' &&
    typeof options?.constraint?.grammar !== 'function'
  ) {
    throw new InvalidArgumentError({
      argument: 'options.constraint',
      expected:
        'a Constraint (createRegexConstraint, createJsonSchemaConstraint, createGrammarConstraint, createChoiceConstraint)',
      received: options?.constraint,
    })
  }
  if (options.beamWidth !== undefined)
    parseOption('options.beamWidth', beamSearchOptionSchemas.beamWidth, options.beamWidth)
  if (options.sampling) validateSamplingOptions(options.sampling, 'options.sampling.')
  compileConstraint(options.constraint, tokenModel.tokenizer)
  const provider = options.provider ?? 'metagen'
  return createDecoderLanguageModel({
    tokenModel,
    provider,
    modelId: options.modelId ?? `${tokenModel.modelId}+constrained`,
    ...(options.chatTemplate !== undefined ? { chatTemplate: options.chatTemplate } : {}),
    ...(options.defaultMaxTokens !== undefined
      ? { defaultMaxTokens: options.defaultMaxTokens }
      : {}),
    async decode(call) {
      const { request } = call
      if (request.responseFormat !== undefined && request.responseFormat.type !== 'text') {
        call.warnings.push({
          type: 'unsupported-setting',
          setting: 'responseFormat',
          message: `This model already enforces ${options.constraint.pattern}; the request's responseFormat is ignored.`,
        })
      }
      if (request.stop !== undefined && request.stop.length > 0) {
        call.warnings.push({
          type: 'unsupported-setting',
          setting: 'stop',
          message:
            'Stop sequences are ignored under a constraint (the output ends where the constraint is complete).',
        })
      }
      if (options.beamWidth !== undefined) {
        if (call.n > options.beamWidth) {
          throw new InvalidArgumentError({
            argument: 'n',
            expected: `at most beamWidth (${options.beamWidth}) with beam search`,
            received: call.n,
          })
        }
        const sampling = resolveSamplingOptions(request, options.sampling, provider)
        const { temperature: _temperature, topP: _topP, topK: _topK, ...processors } = sampling
        const result = await constrainedBeamSearch({
          model: tokenModel,
          constraint: options.constraint,
          prompt: call.prompt,
          beamWidth: options.beamWidth,
          maxTokens: call.maxTokens,
          processors,
          ...(request.signal ? { signal: request.signal } : {}),
        })
        return { ...result, sequences: result.sequences.slice(0, call.n) }
      }
      const sampling = resolveSamplingOptions(request, options.sampling, provider)
      return constrainedDecode({
        model: tokenModel,
        constraint: options.constraint,
        prompt: call.prompt,
        n: call.n,
        maxTokens: call.maxTokens,
        sampling,
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.logprobs && request.topLogprobs ? { topLogprobs: request.topLogprobs } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      })
    },
  })
}
