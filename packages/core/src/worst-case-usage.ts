// The worst case of a model call before it runs (prompt tokens, cost), which budgets reserve so
// that concurrent and nested calls can never overshoot a limit.
import type {
  GenerateRequest,
  LanguageModel,
  ModelPrice,
  ScoreContinuationsRequest,
} from './language-model.js'

/** Tokens allowed per message and per request for chat-template and role tokens. */
const templateTokens = 16
const encoder = new TextEncoder()

function bytes(text: string): number {
  return encoder.encode(text).length
}

/**
 * An upper bound on the prompt tokens `model` will charge for `request`: `model.maxInputTokens`
 * when the model has it; otherwise, for `n` samples, `n` times one token per UTF-8 byte of the
 * prompt (or of each message plus 16 for its template tokens) and of a structured-output schema
 * or grammar, plus 16. This holds for byte-level tokenizers, whose every token covers at least
 * one byte, and chat templates of at most 16 tokens per message; a backend that adds more
 * hidden prompt text should implement `maxInputTokens`.
 */
export function maxInputTokensOf(model: LanguageModel, request: GenerateRequest): number {
  if (typeof model.maxInputTokens === 'function') return model.maxInputTokens(request)
  return byteBoundInputTokens(request)
}

/**
 * The bound {@link maxInputTokensOf} assumes for a model without `maxInputTokens`: `n` times
 * (one token per UTF-8 byte of the prompt, of each message plus 16, and of a structured-output
 * schema or grammar, plus 16).
 */
export function byteBoundInputTokens(request: GenerateRequest): number {
  let total = templateTokens
  if (request.prompt !== undefined) total += bytes(request.prompt)
  for (const message of request.messages ?? []) total += bytes(message.content) + templateTokens
  const format = request.responseFormat
  if (format?.type === 'json_schema') total += bytes(JSON.stringify(format.schema))
  if (format?.type === 'grammar') total += bytes(format.grammar)
  return total * (request.n ?? 1)
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
