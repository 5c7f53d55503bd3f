// The simplest generator: one call of a language model (one sample), so that a model can be a
// step of a chain, the reviser of a refinement, the base of a vote, or a decoding strategy.
import { InvalidArgumentError } from './errors.js'
import type { Generator, TextInput, TextOutput } from './generator.js'
import type { LanguageModel } from './language-model.js'
import { noOutputError } from './no-output-error.js'
import { validateGenerateRequest } from './request.js'
import { callModel } from './run-context.js'
import { assertTextInput, type RequestOptions, requestForInput } from './text-input.js'
import { addUsage } from './usage.js'
import { assertNonEmptyString } from './validate.js'

/** Options of {@link languageModelGenerator}. */
export interface LanguageModelGeneratorOptions {
  /** The model to call. */
  model: LanguageModel
  /** Request fields of every call (temperature, maxTokens, stop, ...); they override the input's. */
  request?: RequestOptions
  /** Request fields used where neither the input nor `request` sets them (e.g. a default maxTokens). */
  defaults?: RequestOptions
  /** Sets `TextOutput.answer` from the generated text (left unset when it returns undefined). */
  extractAnswer?: (text: string) => string | undefined
  /**
   * When true, `TextOutput.score` is the sum of the output's token logprobs (natural log, <= 0)
   * if the model returned them; otherwise (default) the output has no score.
   */
  scoreByLogprob?: boolean
  /** Name in traces (default `generate`). */
  name?: string
}

/**
 * A generator that calls `model` once with n = 1 through `callModel`, so budget, concurrency,
 * seeding and tracing are honoured. The request is `defaults`, the input's request, `request`,
 * then the input's prompt or messages (later wins). A failed sample throws its error; a model
 * that returns no output throws the non-retryable ApiCallError of {@link noOutputError}. The input must have
 * exactly one of prompt and messages. `defaults` and `request` are validated when the generator
 * is made ({@link validateGenerateRequest}).
 */
export function languageModelGenerator(
  options: LanguageModelGeneratorOptions,
): Generator<TextInput, TextOutput> {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  const { model, request = {}, defaults = {}, extractAnswer, scoreByLogprob } = options
  // The request fields are checked now (with a placeholder prompt), not at the first call.
  validateGenerateRequest({ ...defaults, ...request, prompt: '' })
  return {
    name: options.name ?? 'generate',
    async run(input, context) {
      assertTextInput('input', input)
      const result = await callModel(context, model, {
        ...requestForInput(input, request, defaults),
        n: 1,
      })
      const output = result.outputs[0]
      if (!output) throw noOutputError(model)
      if (output.error) throw output.error
      const text: TextOutput = { text: output.text, finishReason: output.finishReason }
      const answer = extractAnswer?.(output.text)
      if (answer !== undefined) text.answer = answer
      if (scoreByLogprob && output.logprobs !== undefined) {
        text.score = output.logprobs.reduce((total, entry) => total + entry.logprob, 0)
      }
      return { output: text, usage: addUsage(result.usage) }
    },
  }
}
