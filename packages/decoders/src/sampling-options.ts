// The options of the logits-processor chain, their validation, and the chain itself in its
// documented order of application.
import { InvalidArgumentError, parseOption } from '@metagen/core'
import { samplingOptionSchemas } from './option-schemas.js'
import { applyEpsilon, applyEta } from './processors/epsilon-eta.js'
import { applyMinP } from './processors/min-p.js'
import { type MirostatOptions, validateMirostatOptions } from './processors/mirostat.js'
import { applyFrequencyPresencePenalty, applyRepetitionPenalty } from './processors/penalties.js'
import { applyTemperature } from './processors/temperature.js'
import {
  applyAllowedTokens,
  applyBannedTokens,
  applyLogitBias,
  applyMinNewTokens,
  applyNoRepeatNgram,
} from './processors/token-masks.js'
import { applyTopK } from './processors/top-k.js'
import { applyTopP } from './processors/top-p.js'
import { applyTypicalP } from './processors/typical.js'

/**
 * Settings of the logits-processor chain. Every field is optional; an absent field is a no-op.
 *
 * Order of application (each step sees the output of the previous one):
 * 1. `logitBias` (additive), 2. `allowedTokenIds`, 3. `bannedTokenIds` / `bannedSequences`,
 * 4. `minNewTokens`, 5. `noRepeatNgramSize`, 6. `repetitionPenalty`,
 * 7. `frequencyPenalty` / `presencePenalty` (the "penalty" steps, also applied by greedy and
 * beam search), then for sampling only: 8. `temperature`, 9. `topK`, 10. `topP`, 11. `minP`,
 * 12. `typicalP`, 13. `epsilon`, 14. `eta`, 15. `mirostat` (the "truncation" steps).
 * Temperature 0 means greedy: the argmax after step 7 (truncation cannot change the argmax).
 */
export interface SamplingOptions {
  /** Temperature >= 0 (default 1). 0 is greedy decoding. */
  temperature?: number
  /** Keep the k most likely tokens (ties kept), an integer >= 1. */
  topK?: number
  /** Nucleus mass in (0, 1]. */
  topP?: number
  /** Min-p ratio in [0, 1]: keep p_i >= minP * max p. */
  minP?: number
  /** Locally typical mass in (0, 1]. */
  typicalP?: number
  /** Epsilon-sampling probability floor in [0, 1). */
  epsilon?: number
  /** Eta-sampling parameter in [0, 1): floor min(eta, sqrt(eta) exp(-H)). */
  eta?: number
  /** Mirostat v2 (target surprise tau in bits, learning rate eta). */
  mirostat?: MirostatOptions
  /** CTRL repetition penalty theta > 0 over prompt and generated tokens (1 = off). */
  repetitionPenalty?: number
  /** OpenAI frequency penalty in [-2, 2] over generated tokens. */
  frequencyPenalty?: number
  /** OpenAI presence penalty in [-2, 2] over generated tokens. */
  presencePenalty?: number
  /** Ban any token completing an n-gram already in the sequence (n >= 1). */
  noRepeatNgramSize?: number
  /** Additive bias per token id. */
  logitBias?: Readonly<Record<number, number>>
  /** Token ids that are never generated. */
  bannedTokenIds?: readonly number[]
  /** Token-id sequences (bad words) that are never completed. */
  bannedSequences?: readonly (readonly number[])[]
  /** When set, only these token ids can be generated. */
  allowedTokenIds?: readonly number[]
  /** End-of-sequence ids are forbidden until this many tokens were generated (integer >= 0). */
  minNewTokens?: number
}

/** Where in the sequence a processor is applied. */
export interface ProcessorContext {
  /** Every token of the sequence so far, prompt included. */
  tokens: readonly number[]
  /** How many of `tokens` (at the end) were generated. */
  generatedCount: number
  /** The model's end-of-sequence ids. */
  eosTokenIds: readonly number[]
}

/**
 * A per-sequence logits hook of the decoders (`logitsProcessor` of {@link sampleSequences},
 * {@link beamSearch} and createTokenLanguageModel). Called once per sequence (sample or beam) and
 * step, on that sequence's RAW next-token logits (after combining models, before every step of
 * {@link SamplingOptions}), with `context.tokens` = prompt + the tokens this sequence generated
 * so far (the last `context.generatedCount`). Must be pure: `logits` may be the model's own row,
 * so return a new array (same length) instead of changing it; -Infinity forbids a token.
 * Returning a row with no finite entry, or throwing, fails that sequence with a clear error,
 * never an invalid token (see each decoder for how the failure is reported).
 */
export type LogitsProcessor = (logits: Float32Array, context: ProcessorContext) => Float32Array

/**
 * Applies `processor` to `logits` and checks that it left some token possible: throws
 * InvalidArgumentError (argument `logitsProcessor`) when the row it returns has no finite entry
 * or is not a Float32Array of the vocabulary's length.
 */
export function applyLogitsProcessor(
  processor: LogitsProcessor,
  logits: Float32Array,
  context: ProcessorContext,
): Float32Array {
  const result = processor(logits, context)
  if (!(result instanceof Float32Array) || result.length !== logits.length) {
    throw new InvalidArgumentError({
      argument: 'logitsProcessor',
      expected: `a processor returning a Float32Array of ${logits.length} logits`,
      received: result instanceof Float32Array ? `${result.length} logits` : result,
    })
  }
  if (!result.some((value) => value > Number.NEGATIVE_INFINITY)) {
    throw new InvalidArgumentError({
      argument: 'logitsProcessor',
      expected: 'a processor that leaves at least one token possible',
      received: 'every token -Infinity',
    })
  }
  return result
}

/** Throws InvalidArgumentError when `processor` is given and is not a function. */
export function validateLogitsProcessor(processor: unknown, argument = 'logitsProcessor'): void {
  if (processor !== undefined && typeof processor !== 'function') {
    throw new InvalidArgumentError({
      argument,
      expected: 'a function (logits, context) => logits',
      received: processor,
    })
  }
}

const optionNames = new Set([
  'temperature',
  'topK',
  'topP',
  'minP',
  'typicalP',
  'epsilon',
  'eta',
  'mirostat',
  'repetitionPenalty',
  'frequencyPenalty',
  'presencePenalty',
  'noRepeatNgramSize',
  'logitBias',
  'bannedTokenIds',
  'bannedSequences',
  'allowedTokenIds',
  'minNewTokens',
])

/**
 * Checks every field of `options` (ranges as documented on {@link SamplingOptions}); unknown
 * fields are errors too, so a misspelt option is never ignored. `argumentPrefix` is prepended to
 * the argument names in errors (e.g. `providerOptions.metagen.`).
 */
export function validateSamplingOptions(options: SamplingOptions, argumentPrefix = ''): void {
  for (const key of Object.keys(options)) {
    if (!optionNames.has(key)) {
      throw new InvalidArgumentError({
        argument: `${argumentPrefix}${key}`,
        expected: `one of ${[...optionNames].join(', ')}`,
        received: key,
      })
    }
  }
  const name = (field: string) => `${argumentPrefix}${field}`
  // One range per field, shared with the strategies' options (option-schemas.ts).
  for (const [field, schema] of Object.entries(samplingOptionSchemas)) {
    const value = options[field as keyof typeof samplingOptionSchemas]
    if (value !== undefined) parseOption(name(field), schema, value)
  }
  if (options.mirostat !== undefined) validateMirostatOptions(options.mirostat)
  for (const field of ['bannedTokenIds', 'allowedTokenIds'] as const) {
    const value = options[field]
    if (
      value !== undefined &&
      (!Array.isArray(value) || value.some((id) => !Number.isInteger(id) || id < 0))
    ) {
      throw new InvalidArgumentError({
        argument: name(field),
        expected: 'an array of non-negative integer token ids',
        received: value,
      })
    }
  }
  if (options.allowedTokenIds !== undefined && options.allowedTokenIds.length === 0) {
    throw new InvalidArgumentError({
      argument: name('allowedTokenIds'),
      expected: 'at least one token id',
      received: options.allowedTokenIds,
    })
  }
  if (
    options.bannedSequences !== undefined &&
    (!Array.isArray(options.bannedSequences) ||
      options.bannedSequences.some((sequence) => !Array.isArray(sequence) || sequence.length === 0))
  ) {
    throw new InvalidArgumentError({
      argument: name('bannedSequences'),
      expected: 'an array of non-empty token-id arrays',
      received: options.bannedSequences,
    })
  }
  if (
    options.logitBias !== undefined &&
    (typeof options.logitBias !== 'object' || options.logitBias === null)
  ) {
    throw new InvalidArgumentError({
      argument: name('logitBias'),
      expected: 'an object mapping token ids to numbers',
      received: options.logitBias,
    })
  }
}

/**
 * Steps 1-7 of the chain (biases, masks and penalties; see {@link SamplingOptions}). Pure:
 * returns a new array and never changes `logits`.
 */
export function applyPenalties(
  logits: Float32Array,
  options: SamplingOptions,
  context: ProcessorContext,
): Float32Array {
  let result = logits
  if (options.logitBias !== undefined) result = applyLogitBias(result, options.logitBias)
  if (options.allowedTokenIds !== undefined)
    result = applyAllowedTokens(result, options.allowedTokenIds)
  if (options.bannedTokenIds !== undefined || options.bannedSequences !== undefined) {
    result = applyBannedTokens(
      result,
      context.tokens,
      options.bannedTokenIds ?? [],
      options.bannedSequences ?? [],
    )
  }
  if (options.minNewTokens !== undefined)
    result = applyMinNewTokens(
      result,
      context.generatedCount,
      options.minNewTokens,
      context.eosTokenIds,
    )
  if (options.noRepeatNgramSize !== undefined)
    result = applyNoRepeatNgram(result, context.tokens, options.noRepeatNgramSize)
  if (options.repetitionPenalty !== undefined && options.repetitionPenalty !== 1)
    result = applyRepetitionPenalty(result, context.tokens, options.repetitionPenalty)
  if (options.frequencyPenalty !== undefined || options.presencePenalty !== undefined) {
    const generated = context.tokens.slice(context.tokens.length - context.generatedCount)
    result = applyFrequencyPresencePenalty(
      result,
      generated,
      options.frequencyPenalty ?? 0,
      options.presencePenalty ?? 0,
    )
  }
  return result === logits ? Float32Array.from(logits) : result
}

/**
 * Steps 8-14 of the chain (temperature and truncation, without mirostat which needs state; see
 * {@link SamplingOptions}). Requires a temperature > 0. Pure.
 */
export function applyTruncation(logits: Float32Array, options: SamplingOptions): Float32Array {
  let result = logits
  const temperature = options.temperature ?? 1
  if (temperature !== 1) result = applyTemperature(result, temperature)
  if (options.topK !== undefined) result = applyTopK(result, options.topK)
  if (options.topP !== undefined && options.topP < 1) result = applyTopP(result, options.topP)
  if (options.minP !== undefined && options.minP > 0) result = applyMinP(result, options.minP)
  if (options.typicalP !== undefined && options.typicalP < 1)
    result = applyTypicalP(result, options.typicalP)
  if (options.epsilon !== undefined && options.epsilon > 0)
    result = applyEpsilon(result, options.epsilon)
  if (options.eta !== undefined && options.eta > 0) result = applyEta(result, options.eta)
  return result === logits ? Float32Array.from(logits) : result
}
