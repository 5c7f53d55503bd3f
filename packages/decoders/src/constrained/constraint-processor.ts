// The constraint as a LogitsProcessor `(logits, context) => logits` for the decoders'
// `logitsProcessor` hook, and the checks that a finished output satisfies it.
import { assertInteger, type Tokenizer } from '@metagen/core'
import type { LogitsProcessor, ProcessorContext } from '../sampling-options.js'
import { type Constraint, compileConstraint, type TokenConstraint } from './constraint.js'

/** Options of {@link createConstraintProcessor}. */
export interface ConstraintProcessorOptions {
  /**
   * The generation's token limit. With it, tokens after which the constraint cannot be completed
   * within the remaining tokens are masked too, so that an output cut at the limit still matches.
   */
  maxTokens?: number
}

/** A logits processor that enforces a constraint; pure (returns a new array). */
export type ConstraintProcessor = LogitsProcessor & {
  /** The compiled constraint. */
  readonly compiled: TokenConstraint
}

/**
 * Creates a processor that sets every token the constraint does not allow after the generated
 * tokens (the last `context.generatedCount` of `context.tokens`) to -Infinity. The automaton
 * state is recomputed from the generated tokens, so one processor serves any number of samples
 * or beams. Pass it as the `logitsProcessor` of sampleSequences, beamSearch or
 * createTokenLanguageModel, which apply it FIRST, on the raw logits, before penalties and
 * truncation. Throws {@link ConstraintError} when no token is allowed, or when the generated
 * tokens already violate the constraint.
 */
export function createConstraintProcessor(
  constraint: Constraint,
  tokenizer: Tokenizer,
  options: ConstraintProcessorOptions = {},
): ConstraintProcessor {
  if (options.maxTokens !== undefined) assertInteger('options.maxTokens', options.maxTokens, 1)
  const compiled = compileConstraint(constraint, tokenizer)
  const processor = (logits: Float32Array, context: ProcessorContext): Float32Array => {
    const state = stateAfter(
      compiled,
      context.tokens.slice(context.tokens.length - context.generatedCount),
    )
    const result = Float32Array.from(logits)
    compiled.maskLogits(
      state,
      result,
      options.maxTokens !== undefined
        ? { remainingTokens: Math.max(0, options.maxTokens - context.generatedCount) }
        : {},
    )
    return result
  }
  return Object.assign(processor, { compiled })
}

/**
 * The automaton state after `tokenIds`. Throws {@link ConstraintError} when a token (an
 * end-of-sequence id included: it ends the text) is not allowed where it stands.
 */
export function stateAfter(compiled: TokenConstraint, tokenIds: readonly number[]): number {
  let state = compiled.initialState
  for (const token of tokenIds) state = compiled.advance(state, token)
  return state
}

/**
 * True when `tokenIds`, a finished output, satisfy the constraint as a whole: every token allowed
 * where it stands, an end-of-sequence id at most as the last token, and the text complete. Never
 * throws.
 */
export function satisfiesConstraint(
  compiled: TokenConstraint,
  tokenIds: readonly number[],
): boolean {
  const last = tokenIds[tokenIds.length - 1]
  const text = last !== undefined && compiled.isEos(last) ? tokenIds.slice(0, -1) : tokenIds
  try {
    return compiled.isAccepting(stateAfter(compiled, text))
  } catch {
    return false
  }
}
