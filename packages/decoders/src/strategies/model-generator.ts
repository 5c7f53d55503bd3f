// A strategy generator that is one model call: the shared plumbing of the decoding strategies
// (greedy, sampling, beam, speculative, constrained, ...), which differ only in the model.
import {
  type Generator,
  type LanguageModel,
  languageModelGenerator,
  type RequestOptions,
  type StrategyEnvironment,
  type TextInput,
  type TextOutput,
  type TokenModel,
  UnsupportedCapabilityError,
} from '@metagen/core'

/** Options of {@link createModelGenerator}. */
export interface ModelGeneratorOptions {
  /** Request fields that override the input's request (e.g. `temperature`, `logprobs`). */
  request?: RequestOptions
  /**
   * When true, the output's `score` is the sum of its token logprobs (natural log, <= 0) if the
   * model returned logprobs; when false (default) the output has no score.
   */
  scoreByLogprob?: boolean
}

/** Token-level decoders return logprobs; the output's score is their sum. */
export const logprobRequest: ModelGeneratorOptions = {
  request: { logprobs: true },
  scoreByLogprob: true,
}

/**
 * The decoding strategies' generator: core's {@link languageModelGenerator} (one `callModel`
 * call with n 1, so budget, concurrency and trace apply) with `maxTokens` from the input or else
 * the environment, then `options.request`, and the environment's answer extractor. A failed
 * output throws its error; a missing one throws core's `noOutputError` (a non-retryable
 * ApiCallError).
 */
export function createModelGenerator(
  name: string,
  model: LanguageModel,
  environment: StrategyEnvironment,
  options: ModelGeneratorOptions = {},
): Generator<TextInput, TextOutput> {
  return languageModelGenerator({
    model,
    name,
    defaults: { maxTokens: environment.maxTokens },
    request: options.request ?? {},
    extractAnswer: environment.extractAnswer,
    scoreByLogprob: options.scoreByLogprob ?? false,
  })
}

/** The run model as a token model, or undefined when it is remote. */
export async function tryTokenModel(
  environment: StrategyEnvironment,
  id?: string,
): Promise<TokenModel | undefined> {
  try {
    return await environment.tokenModel(id)
  } catch (error) {
    if (UnsupportedCapabilityError.isInstance(error)) return undefined
    throw error
  }
}
