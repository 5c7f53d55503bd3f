// What the parallel generators sample from: a language model of any backend, or any text
// generator (e.g. self-refine or beam search), plus the options they all share.
import {
  assertInteger,
  type Generator,
  InvalidArgumentError,
  type LanguageModel,
  parseOption,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { parallelOptionSchemas } from './option-schemas.js'

/** Where samples come from. Give exactly one of `model` and `base`. */
export interface SampleSourceOptions {
  /** Sample this language model directly (one batched call where `capabilities.nativeN`). */
  model?: LanguageModel
  /** Run this generator once per sample (concurrently, each in its own trace span and RNG fork). */
  base?: Generator<TextInput, TextOutput>
  /**
   * Sampling temperature >= 0 for `model` (default: `input.request.temperature`, else 1; when
   * given it wins over the input's). Ignored with `base`, which decides its own
   * sampling.
   */
  temperature?: number
  /**
   * Maximum tokens per sample, an integer >= 1. Default: `input.request.maxTokens`, else the
   * backend's. Also sizes budget-aware rounds (see {@link createCandidateSampler}).
   */
  maxTokens?: number
  /**
   * Extracts a candidate's final answer from its text (default {@link extractFinalAnswer}).
   * A `base` generator's own `output.answer` takes precedence when it sets one.
   */
  extractAnswer?: (text: string) => string | undefined
  /** Maps an extracted answer to its vote key (default {@link normaliseAnswer}). */
  normaliseAnswer?: (answer: string) => string
}

/** True when `value` looks like a {@link LanguageModel} (has `generate` and `specificationVersion`). */
export function isLanguageModel(value: unknown): value is LanguageModel {
  return (
    typeof value === 'object' &&
    value !== null &&
    'generate' in value &&
    typeof (value as { generate: unknown }).generate === 'function' &&
    'specificationVersion' in value
  )
}

/** Validates the shared options; throws {@link InvalidArgumentError} naming the bad field. */
export function validateSampleSourceOptions(
  options: SampleSourceOptions,
  prefix = 'options',
): void {
  if ((options.model === undefined) === (options.base === undefined)) {
    throw new InvalidArgumentError({
      argument: `${prefix}.model`,
      expected: 'exactly one of model (a LanguageModel) and base (a Generator)',
      received: options.model === undefined ? 'neither' : 'both',
    })
  }
  if (options.model !== undefined && !isLanguageModel(options.model)) {
    throw new InvalidArgumentError({
      argument: `${prefix}.model`,
      expected: 'a LanguageModel (with generate())',
      received: options.model,
    })
  }
  if (
    options.base !== undefined &&
    (typeof options.base !== 'object' || typeof options.base.run !== 'function')
  ) {
    throw new InvalidArgumentError({
      argument: `${prefix}.base`,
      expected: 'a Generator (with run())',
      received: options.base,
    })
  }
  if (options.temperature !== undefined) {
    parseOption(`${prefix}.temperature`, parallelOptionSchemas.temperature, options.temperature)
  }
  if (options.maxTokens !== undefined) assertInteger(`${prefix}.maxTokens`, options.maxTokens, 1)
  if (options.extractAnswer !== undefined && typeof options.extractAnswer !== 'function') {
    throw new InvalidArgumentError({
      argument: `${prefix}.extractAnswer`,
      expected: 'a function (text) => string | undefined',
      received: options.extractAnswer,
    })
  }
  if (options.normaliseAnswer !== undefined && typeof options.normaliseAnswer !== 'function') {
    throw new InvalidArgumentError({
      argument: `${prefix}.normaliseAnswer`,
      expected: 'a function (answer) => string',
      received: options.normaliseAnswer,
    })
  }
}

/** The name of a source for traces: the model id or the base generator's name. */
export function describeSampleSource(options: SampleSourceOptions): string {
  return options.model?.modelId ?? options.base?.name ?? 'unknown'
}
