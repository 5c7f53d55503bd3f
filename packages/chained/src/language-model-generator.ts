// The simplest generator: one call of a language model (one sample), so that a model can be a
// step of a chain, the reviser of a refinement, or the base of a vote.
import {
  addUsage,
  assertNonEmptyString,
  callModel,
  type Generator,
  InvalidArgumentError,
  type LanguageModel,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { assertTextInput, type RequestOptions, requestFor, withAnswer } from './text-input.js'

/** Options of {@link languageModelGenerator}. */
export interface LanguageModelGeneratorOptions {
  /** The model to call. */
  model: LanguageModel
  /** Request fields of every call (temperature, maxTokens, stop, ...); they override the input's. */
  request?: RequestOptions
  /** Sets `TextOutput.answer` from the generated text. */
  extractAnswer?: (text: string) => string | undefined
  /** Name in traces (default `generate`). */
  name?: string
}

/**
 * A generator that calls `model` once (n = 1) through `callModel`, so budget, concurrency,
 * seeding and tracing are honoured. A failed sample throws its error.
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
  const { model, request = {}, extractAnswer } = options
  return {
    name: options.name ?? 'generate',
    async run(input, context) {
      assertTextInput('input', input)
      const result = await callModel(context, model, { ...requestFor(input, request), n: 1 })
      const output = result.outputs[0]
      if (!output) {
        throw new InvalidArgumentError({
          argument: 'model',
          expected: 'a model that returns one output per requested sample',
          received: `${result.outputs.length} outputs`,
        })
      }
      if (output.error) throw output.error
      return {
        output: withAnswer({ text: output.text, finishReason: output.finishReason }, extractAnswer),
        usage: addUsage(result.usage),
      }
    },
  }
}
