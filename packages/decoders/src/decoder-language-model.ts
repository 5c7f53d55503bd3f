// The shared shell that turns a token-level decoder into a core LanguageModel: request
// validation, prompt encoding, context checks, output and usage conversion, and scoring.
import {
  addUsage,
  type ChatMessage,
  compact,
  emptyUsage,
  type GenerateOutput,
  type GenerateRequest,
  type GenerateResult,
  type GenerateWarning,
  InvalidArgumentError,
  type LanguageModel,
  type LanguageModelCapabilities,
  type ScoreContinuationsRequest,
  type ScoreContinuationsResult,
  type Tokenizer,
  type TokenLogprob,
  type TokenModel,
  UnsupportedCapabilityError,
  validateGenerateRequest,
} from '@metagen/core'
import { assertPromptFits } from './prefill.js'
import type { DecodeResult } from './sample-sequences.js'
import { scoreTokenContinuations } from './score-continuations.js'

/** What a decoder receives from the language-model shell for one validated request. */
export interface DecoderCall {
  /** The validated request. */
  request: GenerateRequest
  /** Encoded prompt (chat messages already rendered by the chat template). */
  prompt: number[]
  /** Number of outputs wanted (request.n, default 1). */
  n: number
  /** Generated-token limit per output: request.maxTokens or min(defaultMaxTokens, room), never above the room in the context. */
  maxTokens: number
  /** Append warnings about options that could not be honoured. */
  warnings: GenerateWarning[]
}

/** Settings of {@link createDecoderLanguageModel}. */
export interface DecoderLanguageModelOptions {
  /** The token model whose tokenizer encodes prompts and which scores continuations. */
  tokenModel: TokenModel
  /** Model id reported by the language model (default: the token model's). */
  modelId?: string
  /** Provider name (default `metagen`). */
  provider?: string
  /** Renders chat messages into a prompt; without it, chat requests throw UnsupportedCapabilityError. */
  chatTemplate?: (messages: readonly ChatMessage[]) => string
  /** Default generated-token limit when a request gives none (default 256, capped by the context). */
  defaultMaxTokens?: number
  /** Whether the decoder produces n outputs in one batched call (default true). */
  nativeN?: boolean
  /**
   * Whether a call's `usage.inputTokens` is its encoded prompt alone (default true), so that the
   * model can tell budgets that count before the call (`maxInputTokens`). False for decoders
   * whose usage adds other prompt tokens (a reward model's, via `additionalUsage`).
   */
  promptIsAllInput?: boolean
  /** The decoding algorithm. */
  decode(call: DecoderCall): Promise<DecodeResult>
}

/**
 * Creates a LanguageModel from a decoder. `generate` validates the request, encodes the prompt
 * (throws InvalidArgumentError when it leaves no room in the context), caps `maxTokens` at the
 * room left (with a warning), runs the decoder and reports usage as: inputTokens = prompt
 * tokens prefilled once, outputTokens = tokens the decoder chose, calls = 1,
 * flops = 2 x parameters x positions computed (tokens fed plus the padding and ghost rows the
 * backend reports; summed over models). `maxInputTokens` (which budgets
 * reserve before a call) is the encoded prompt's length. `scoreContinuations` scores by
 * teacher forcing on `tokenModel`.
 */
export function createDecoderLanguageModel(options: DecoderLanguageModelOptions): LanguageModel {
  const { tokenModel } = options
  const tokenizer = tokenModel.tokenizer
  const provider = options.provider ?? 'metagen'
  const defaultMaxTokens = options.defaultMaxTokens ?? 256
  // An explicit chatTemplate option wins over the model's own template (tokenizer_config.json).
  const chatTemplate =
    options.chatTemplate ??
    (tokenizer.applyChatTemplate ? tokenizer.applyChatTemplate.bind(tokenizer) : undefined)
  const capabilities: LanguageModelCapabilities = {
    logprobs: true,
    nativeN: options.nativeN ?? true,
    seed: true,
    scoring: true,
    chat: chatTemplate !== undefined,
    continuation: 'native',
  }

  function encodeRequestPrompt(request: GenerateRequest): number[] {
    if (request.messages !== undefined) {
      if (!chatTemplate) {
        throw new UnsupportedCapabilityError({
          capability: 'chat',
          message: `The ${tokenModel.modelId} token-level model has no chat template: pass a prompt, or give createTokenLanguageModel a chatTemplate option.`,
        })
      }
      return tokenizer.encode(chatTemplate(request.messages))
    }
    return encodePrompt(tokenizer, request.prompt as string)
  }

  return {
    specificationVersion: 'v1',
    provider,
    modelId: options.modelId ?? tokenModel.modelId,
    capabilities,
    ...(options.promptIsAllInput === false
      ? {}
      : {
          /** The encoded prompt's length: what `usage.inputTokens` of the call will be. */
          maxInputTokens(request: GenerateRequest): number {
            return encodeRequestPrompt(request).length
          },
        }),
    async generate(request: GenerateRequest): Promise<GenerateResult> {
      validateGenerateRequest(request)
      const prompt = encodeRequestPrompt(request)
      const room = assertPromptFits([tokenModel], prompt)
      const warnings: GenerateWarning[] = []
      let maxTokens = request.maxTokens ?? Math.min(defaultMaxTokens, room)
      if (maxTokens > room) {
        warnings.push({
          type: 'unsupported-setting',
          setting: 'maxTokens',
          message: `maxTokens ${maxTokens} exceeds the ${room} tokens left in the ${tokenModel.maxSequenceLength}-token context after the ${prompt.length}-token prompt; generation stops at the context limit.`,
        })
        maxTokens = room
      }
      const n = request.n ?? 1
      const result = await options.decode({ request, prompt, n, maxTokens, warnings })
      const outputs = result.sequences.map((sequence): GenerateOutput => {
        // Tokens of a stop sequence are cut from the text, so they are cut from the ids and
        // log-probabilities too (a token that straddles the cut stays).
        const kept = request.stop?.length
          ? tokensBeforeStop(
              result.textOf ?? ((ids) => tokenizer.decode(ids)),
              sequence.tokenIds,
              sequence.text,
              sequence.finishReason,
            )
          : sequence.tokenIds.length
        const tokenIds =
          kept === sequence.tokenIds.length ? sequence.tokenIds : sequence.tokenIds.slice(0, kept)
        const output: GenerateOutput = {
          text: sequence.text,
          finishReason: sequence.finishReason,
          tokenIds,
        }
        if (request.logprobs) {
          output.logprobs = tokenIds.map((tokenId, index) =>
            toTokenLogprob(
              tokenizer,
              tokenId,
              sequence.logprobs[index] as number,
              sequence.topLogprobs?.[index],
            ),
          )
        }
        if (sequence.error) output.error = sequence.error
        return output
      })
      return {
        outputs,
        usage: addUsage(
          {
            inputTokens: result.stats.inputTokens,
            outputTokens: result.stats.outputTokens,
            calls: 1,
            flops: result.stats.flops,
          },
          result.additionalUsage ?? emptyUsage(),
        ),
        warnings,
      }
    },
    async scoreContinuations(
      request: ScoreContinuationsRequest,
    ): Promise<ScoreContinuationsResult> {
      if (typeof request.prompt !== 'string') {
        throw new InvalidArgumentError({
          argument: 'prompt',
          expected: 'a string',
          received: request.prompt,
        })
      }
      if (
        !Array.isArray(request.continuations) ||
        request.continuations.some((text) => typeof text !== 'string')
      ) {
        throw new InvalidArgumentError({
          argument: 'continuations',
          expected: 'an array of strings',
          received: request.continuations,
        })
      }
      const continuations = request.continuations.map((text) => tokenizer.encode(text))
      const scored = await scoreTokenContinuations(tokenModel, {
        prompt: encodePrompt(tokenizer, request.prompt),
        continuations,
        ...compact({ signal: request.signal }),
      })
      return {
        continuations: scored.logprobs.map((logprobs, index) => ({
          logprobs: logprobs.map((logprob, position) =>
            toTokenLogprob(
              tokenizer,
              (continuations[index] as number[])[position] as number,
              logprob,
            ),
          ),
        })),
        usage: {
          inputTokens: scored.stats.inputTokens,
          outputTokens: 0,
          calls: 1,
          flops: scored.stats.flops,
        },
      }
    },
  }
}

function toTokenLogprob(
  tokenizer: Tokenizer,
  tokenId: number,
  logprob: number,
  top?: ReadonlyArray<{ tokenId: number; logprob: number }>,
): TokenLogprob {
  const entry: TokenLogprob = {
    token: tokenizer.decode([tokenId], { skipSpecialTokens: false }),
    tokenId,
    logprob,
  }
  if (top) {
    entry.topLogprobs = top.map((alternative) => ({
      token: tokenizer.decode([alternative.tokenId], { skipSpecialTokens: false }),
      logprob: alternative.logprob,
    }))
  }
  return entry
}

/** A prompt's ids with the special tokens its tokenizer puts at the start of a sequence (BOS). */
export function encodePrompt(tokenizer: Tokenizer, text: string): number[] {
  return tokenizer.encodePrompt ? tokenizer.encodePrompt(text) : tokenizer.encode(text)
}

/**
 * How many of `tokenIds` a text cut at a stop sequence keeps: all of them unless the sample
 * stopped and `text` is shorter than their decoding; then the fewest whose decoding covers
 * `text`.
 */
function tokensBeforeStop(
  decode: (tokenIds: readonly number[]) => string,
  tokenIds: readonly number[],
  text: string,
  finishReason: string,
): number {
  if (finishReason !== 'stop' || tokenIds.length === 0) return tokenIds.length
  if (decode(tokenIds).length <= text.length) return tokenIds.length
  for (let count = 0; count < tokenIds.length; count++) {
    if (decode(tokenIds.slice(0, count)).length >= text.length) return count
  }
  return tokenIds.length
}
