// The worst case of a model call before it runs (prompt tokens, cost), which budgets reserve so
// that concurrent and nested calls can never overshoot a limit.

import { InvalidArgumentError } from './errors.js'
import type {
  GenerateRequest,
  LanguageModel,
  ModelPrice,
  ScoreContinuationsRequest,
} from './language-model.js'
import { assertInteger } from './validate.js'

/**
 * The tokens a backend adds to a request beyond its text, for {@link byteBoundInputTokens}:
 * `perMessage` for each chat message (role and delimiter tokens of the chat template) and
 * `perRequest` once per sample (a reply primer, a default system prompt, a BOS token). Adapters
 * declare theirs, with where the numbers come from, in their `maxInputTokens`.
 */
export interface PromptTokenOverhead {
  /** Template tokens around each chat message, an integer >= 0. */
  readonly perMessage: number
  /** Tokens added once per sample, an integer >= 0. */
  readonly perRequest: number
}

/**
 * The overhead assumed for a model that declares none: 16 tokens per message and 16 per
 * request. Generous for ChatML-style templates (OpenAI's chat API adds 3 to 4 per message and 3
 * per request), too small for templates that add a default system prompt.
 */
export const defaultPromptTokenOverhead: PromptTokenOverhead = Object.freeze({
  perMessage: 16,
  perRequest: 16,
})

/** Tokens allowed per scored prompt for template tokens (completion-style scoring). */
const templateTokens = defaultPromptTokenOverhead.perRequest
const encoder = new TextEncoder()

function bytes(text: string): number {
  return encoder.encode(text).length
}

/**
 * An upper bound on the prompt tokens `model` will charge for `request`: `model.maxInputTokens`
 * when the model has it; otherwise {@link byteBoundInputTokens} with
 * {@link defaultPromptTokenOverhead}: for `n` samples, `n` times one token per UTF-8 byte of the
 * prompt (or of each message plus 16 for its template tokens) and of a structured-output schema
 * or grammar, plus 16. This holds for byte-level tokenizers, whose every token covers at least
 * one byte, and chat templates of at most 16 tokens per message and 16 per request; a backend
 * that adds more hidden prompt text should implement `maxInputTokens`.
 */
export function maxInputTokensOf(model: LanguageModel, request: GenerateRequest): number {
  if (typeof model.maxInputTokens === 'function') return model.maxInputTokens(request)
  return byteBoundInputTokens(request)
}

/**
 * A bound on the prompt tokens of `request` that needs no tokenizer: `n` times (the UTF-8 bytes
 * of the prompt, of each message plus `overhead.perMessage`, and of a structured-output schema
 * or grammar, plus `overhead.perRequest`). A `prompt` is counted without `perMessage`: a backend
 * that sends it as a chat message passes it as one user message instead. It assumes that every
 * token covers at least one byte of the text (true of byte-level BPE tokenizers such as GPT-2's,
 * tiktoken's cl100k/o200k, Llama 3's and Qwen's), and that the backend adds at most `overhead`
 * (default {@link defaultPromptTokenOverhead}) and nothing else: no hidden system prompt beyond
 * `perRequest`, no tool definitions. Throws InvalidArgumentError for an overhead that is not two
 * integers >= 0.
 */
export function byteBoundInputTokens(
  request: GenerateRequest,
  overhead: PromptTokenOverhead = defaultPromptTokenOverhead,
): number {
  assertPromptTokenOverhead('overhead', overhead)
  let total = overhead.perRequest
  if (request.prompt !== undefined) total += bytes(request.prompt)
  for (const message of request.messages ?? []) {
    total += bytes(message.content) + overhead.perMessage
  }
  const format = request.responseFormat
  if (format?.type === 'json_schema') total += bytes(JSON.stringify(format.schema))
  if (format?.type === 'grammar') total += bytes(format.grammar)
  return total * (request.n ?? 1)
}

/**
 * Checks that `value` is a {@link PromptTokenOverhead} (two integers >= 0); throws
 * InvalidArgumentError naming `argument` (e.g. 'options.promptTokenOverhead') otherwise.
 */
export function assertPromptTokenOverhead(
  argument: string,
  value: unknown,
): asserts value is PromptTokenOverhead {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError({
      argument,
      expected: 'an object { perMessage, perRequest } of integers >= 0',
      received: value,
    })
  }
  const overhead = value as PromptTokenOverhead
  assertInteger(`${argument}.perMessage`, overhead.perMessage, 0)
  assertInteger(`${argument}.perRequest`, overhead.perRequest, 0)
}

/**
 * `request` with its `prompt` as one user message, as chat APIs send it, for
 * {@link byteBoundInputTokens} (which then charges the message's template tokens).
 */
export function promptAsMessage(request: GenerateRequest): GenerateRequest {
  if (request.prompt === undefined) return request
  const { prompt, ...rest } = request
  return { ...rest, messages: [{ role: 'user', content: prompt }] }
}

/**
 * An upper bound on the prompt tokens of a `scoreContinuations` request: each continuation with
 * the whole prompt, one token per UTF-8 byte plus 16 (see {@link maxInputTokensOf}).
 */
export function maxScoringInputTokensOf(request: ScoreContinuationsRequest): number {
  const prompt = bytes(request.prompt) + templateTokens
  return request.continuations.reduce((sum, text) => sum + prompt + bytes(text), prompt)
}

/** Cost in US dollars of `inputTokens` prompt tokens at the highest prompt rate of `price`. */
export function maxInputCostUsd(price: ModelPrice, inputTokens: number): number {
  return (inputTokens * Math.max(price.inputPerMillion, price.maxInputPerMillion ?? 0)) / 1e6
}
