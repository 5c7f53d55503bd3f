// Options shared by both step proposers, and their validation.
import { assertInteger, InvalidArgumentError, parseOption } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'

/** Options common to {@link createLanguageModelStepProposer} and {@link createTokenModelStepProposer}. */
export interface StepProposerOptions {
  /**
   * The string that ends a step (default `'.'`, which closes each tinymath step). A step is the
   * text up to and including its first occurrence.
   */
  delimiter?: string
  /** Maximum tokens of one step, an integer >= 1 (default 64); a longer step is cut and its solution finished with `length`. */
  maxStepTokens?: number
  /** Maximum generated tokens of a whole solution, an integer >= 1 (default 256). */
  maxTokens?: number
  /** Sampling temperature >= 0 (0 = greedy). Default 1. */
  temperature?: number
  /**
   * Says whether a solution is complete after a step, e.g. `text => extractAnswer(text) !== undefined`
   * for tinymath. Without it a solution is complete only when the model ends it (end-of-text).
   */
  isComplete?: (text: string) => boolean
}

/** {@link StepProposerOptions} with defaults filled in. */
export interface ResolvedStepProposerOptions {
  delimiter: string
  maxStepTokens: number
  maxTokens: number
  temperature: number
  isComplete: ((text: string) => boolean) | undefined
}

/** Validates the options and fills in defaults; throws {@link InvalidArgumentError} naming a bad field. */
export function resolveStepProposerOptions(
  options: StepProposerOptions,
): ResolvedStepProposerOptions {
  const delimiter = options.delimiter ?? '.'
  parseOption('delimiter', searchOptionSchemas.delimiter, delimiter)
  const maxStepTokens = options.maxStepTokens ?? 64
  parseOption('maxStepTokens', searchOptionSchemas.maxStepTokens, maxStepTokens)
  const maxTokens = options.maxTokens ?? 256
  assertInteger('maxTokens', maxTokens, 1)
  const temperature = options.temperature ?? 1
  parseOption('temperature', searchOptionSchemas.temperature, temperature)
  if (options.isComplete !== undefined && typeof options.isComplete !== 'function') {
    throw new InvalidArgumentError({
      argument: 'isComplete',
      expected: 'a function (text) => boolean',
      received: options.isComplete,
    })
  }
  return { delimiter, maxStepTokens, maxTokens, temperature, isComplete: options.isComplete }
}

/** Checks the requests of a propose call: a non-empty array of `{ state, count }` with integer counts >= 1. */
export function assertProposeRequests(
  requests: readonly { state: unknown; count: unknown }[],
): void {
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new InvalidArgumentError({
      argument: 'requests',
      expected: 'a non-empty array of { state, count }',
      received: requests,
    })
  }
  requests.forEach((request, index) => {
    assertInteger(`requests[${index}].count`, request.count, 1)
  })
}
