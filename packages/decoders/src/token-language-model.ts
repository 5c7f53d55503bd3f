// A token-level model plus the sampling decoder is a LanguageModel: greedy at temperature 0,
// ancestral sampling with the processor chain otherwise, n samples batched after one prefill.
import {
  type ChatMessage,
  compact,
  type GenerateRequest,
  InvalidArgumentError,
  type LanguageModel,
  type TokenModel,
} from '@metagen/core'
import { createDecoderLanguageModel } from './decoder-language-model.js'
import { sampleSequences } from './sample-sequences.js'
import {
  type LogitsProcessor,
  type SamplingOptions,
  validateLogitsProcessor,
  validateSamplingOptions,
} from './sampling-options.js'
import {
  createTokenHealingProcessor,
  healPrompt,
  type TokenHealingOptions,
} from './token-healing.js'

/** Settings of {@link createTokenLanguageModel}. */
export interface TokenLanguageModelOptions {
  /** Provider name reported by the model (default `metagen`). */
  provider?: string
  /** Model id (default: the token model's). */
  modelId?: string
  /** Renders chat messages into a prompt; without it, chat requests throw UnsupportedCapabilityError. */
  chatTemplate?: (messages: readonly ChatMessage[]) => string
  /** Default processor chain; per-request fields override it (see {@link resolveSamplingOptions}). */
  sampling?: SamplingOptions
  /** Generated-token limit when a request gives none (default 256, capped by the context). */
  defaultMaxTokens?: number
  /**
   * Per-sample hook on the raw next-token logits of every request, before the processor chain
   * (see {@link LogitsProcessor}; as `logitsProcessor` of sampleSequences). A sample it
   * fails (it throws, or leaves every token -Infinity) comes back with `error` set.
   */
  logitsProcessor?: LogitsProcessor
  /**
   * Token healing (see {@link healPrompt}): `true` (or the healing options) backs up the last
   * token of every encoded prompt (never a special token, never the only token) and constrains
   * the first generated token(s) to start with its bytes ({@link createTokenHealingProcessor},
   * applied after `logitsProcessor`). The output text is what follows the ORIGINAL prompt: the
   * re-spelt bytes are cut from it and stop strings are matched after them; `tokenIds` and
   * `logprobs` keep every generated token, the healing token included, and `maxTokens` counts
   * it. Not applied with a `responseFormat` (a warning says so). Default off.
   */
  tokenHealing?: boolean | TokenHealingOptions
}

/**
 * Merges the processor settings of a request, lowest precedence first: the wrapper's
 * `sampling`, then `providerOptions.metagen`, then `providerOptions[provider]` (when the
 * provider is not `metagen`), then the request's `temperature`, `topP` and `topK`.
 * Temperature defaults to 1. Every source is validated (unknown fields are errors).
 */
export function resolveSamplingOptions(
  request: GenerateRequest,
  defaults: SamplingOptions = {},
  provider = 'metagen',
): SamplingOptions {
  const merged: SamplingOptions = { temperature: 1, ...defaults }
  const namespaces = provider === 'metagen' ? ['metagen'] : ['metagen', provider]
  for (const namespace of namespaces) {
    const extra = request.providerOptions?.[namespace]
    if (extra === undefined) continue
    if (typeof extra !== 'object' || extra === null) {
      throw new InvalidArgumentError({
        argument: `providerOptions.${namespace}`,
        expected: 'an object of sampling options',
        received: extra,
      })
    }
    validateSamplingOptions(extra as SamplingOptions, `providerOptions.${namespace}.`)
    Object.assign(merged, extra)
  }
  if (request.temperature !== undefined) merged.temperature = request.temperature
  if (request.topP !== undefined) merged.topP = request.topP
  if (request.topK !== undefined) merged.topK = request.topK
  validateSamplingOptions(merged)
  return merged
}

/**
 * Wraps a token-level model as a LanguageModel (capabilities: logprobs, nativeN, seed, scoring;
 * chat only with a `chatTemplate`). `generate` prefills the prompt ONCE, forks it n times and
 * decodes the n samples together (one batched `extend` per step; finished samples leave the
 * batch). Temperature 0 is greedy. Sample i of a seeded request draws from
 * `createRng(seed).fork(i)`, so it is the same whatever n is. Reported logprobs are those of the
 * distribution sampled from (see {@link TokenChoice}). Usage: inputTokens = prompt tokens
 * (prefilled once), outputTokens = generated tokens, calls = 1, flops = 2 x parameters x
 * positions computed (tokens fed, plus the padding and ghost rows of batched passes when the
 * backend reports `computedPositions`). `scoreContinuations` uses teacher forcing.
 */
export function createTokenLanguageModel(
  tokenModel: TokenModel,
  options: TokenLanguageModelOptions = {},
): LanguageModel {
  const provider = options.provider ?? 'metagen'
  if (options.sampling) validateSamplingOptions(options.sampling, 'options.sampling.')
  validateLogitsProcessor(options.logitsProcessor, 'options.logitsProcessor')
  const healing = tokenHealingOptions(options.tokenHealing)
  return createDecoderLanguageModel({
    tokenModel,
    provider,
    ...compact({
      modelId: options.modelId,
      chatTemplate: options.chatTemplate,
      defaultMaxTokens: options.defaultMaxTokens,
    }),
    async decode(call) {
      const { request } = call
      const sampling = resolveSamplingOptions(request, options.sampling, provider)
      // The constraint compilers (and their regex library) load only when a format is asked for.
      const constrained =
        request.responseFormat === undefined ? undefined : await loadConstrainedDecoding()
      const constraint = constrained?.constraintFromResponseFormat(request.responseFormat)
      if (constrained && constraint) {
        // Structured output: constrained decoding with the same sampler chain.
        if (request.stop !== undefined && request.stop.length > 0) {
          call.warnings.push({
            type: 'unsupported-setting',
            setting: 'stop',
            message:
              'Stop sequences are ignored with a responseFormat (the output ends where the format is complete).',
          })
        }
        if (healing) {
          call.warnings.push({
            type: 'unsupported-setting',
            setting: 'tokenHealing',
            message: 'Token healing is not applied with a responseFormat.',
          })
        }
        if (options.logitsProcessor) {
          call.warnings.push({
            type: 'unsupported-setting',
            setting: 'logitsProcessor',
            message: 'The model logitsProcessor is not applied with a responseFormat.',
          })
        }
        return constrained.constrainedDecode({
          model: tokenModel,
          constraint,
          prompt: call.prompt,
          n: call.n,
          maxTokens: call.maxTokens,
          sampling,
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          ...(request.logprobs && request.topLogprobs ? { topLogprobs: request.topLogprobs } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        })
      }
      const healed = healing ? healPrompt(tokenModel.tokenizer, call.prompt, healing) : undefined
      const healingActive = healed !== undefined && healed.removedTokens.length > 0
      const logitsProcessor = healingActive
        ? composeProcessors(
            options.logitsProcessor,
            createTokenHealingProcessor(tokenModel.tokenizer, healed.prefixBytes),
          )
        : options.logitsProcessor
      const result = await sampleSequences({
        models: [tokenModel],
        prompt: healingActive ? healed.prompt : call.prompt,
        n: call.n,
        maxTokens: call.maxTokens,
        sampling,
        ...(healingActive ? { healedPrefix: healed.prefixBytes } : {}),
        ...compact({
          logitsProcessor,
          seed: request.seed,
          stop: request.stop,
        }),
        ...(request.logprobs && request.topLogprobs ? { topLogprobs: request.topLogprobs } : {}),
        ...compact({ signal: request.signal }),
      })
      if (result.contextExhausted) {
        call.warnings.push({
          type: 'other',
          message: 'Some samples stopped because the model context was full.',
        })
      }
      return result
    },
  })
}

/** Validates the `tokenHealing` option; undefined when healing is off. */
function tokenHealingOptions(
  option: boolean | TokenHealingOptions | undefined,
): TokenHealingOptions | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) return {}
  if (typeof option !== 'object' || option === null) {
    throw new InvalidArgumentError({
      argument: 'options.tokenHealing',
      expected: 'a boolean or { maxRemovedTokens }',
      received: option,
    })
  }
  const { maxRemovedTokens, ...rest } = option
  if (Object.keys(rest).length > 0) {
    throw new InvalidArgumentError({
      argument: `options.tokenHealing.${Object.keys(rest)[0]}`,
      expected: 'only maxRemovedTokens',
      received: rest,
    })
  }
  if (
    maxRemovedTokens !== undefined &&
    (!Number.isInteger(maxRemovedTokens) || maxRemovedTokens < 1)
  ) {
    throw new InvalidArgumentError({
      argument: 'options.tokenHealing.maxRemovedTokens',
      expected: 'an integer >= 1',
      received: maxRemovedTokens,
    })
  }
  return option
}

/** `first` (when given) then `second`, each on the previous one's row. */
function composeProcessors(
  first: LogitsProcessor | undefined,
  second: LogitsProcessor,
): LogitsProcessor {
  if (!first) return second
  return (logits, context) => second(first(logits, context), context)
}

async function loadConstrainedDecoding() {
  const [{ constrainedDecode }, { constraintFromResponseFormat }] = await Promise.all([
    import('./constrained/constrained-decode.js'),
    import('./constrained/response-format.js'),
  ])
  return { constrainedDecode, constraintFromResponseFormat }
}
