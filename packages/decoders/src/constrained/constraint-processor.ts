// The constraint as a logits processor of the decoders' processor signature
// `(logits, context) => logits`, for decoders that accept an extra processor.
import { assertInteger, type Tokenizer } from '@metagen/core'
import type { ProcessorContext } from '../sampling-options.js'
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
export type ConstraintProcessor = ((
  logits: Float32Array,
  context: ProcessorContext,
) => Float32Array) & {
  /** The compiled constraint. */
  readonly compiled: TokenConstraint
}

/**
 * Creates a processor that sets every token the constraint does not allow after the generated
 * tokens (the last `context.generatedCount` of `context.tokens`) to -Infinity. The automaton
 * state is recomputed from the generated tokens, so one processor serves any number of samples
 * or beams. Apply it FIRST, on the raw logits, before penalties and truncation. Throws
 * {@link ConstraintError} when no token is allowed, or when the generated tokens already
 * violate the constraint.
 */
export function createConstraintProcessor(
  constraint: Constraint,
  tokenizer: Tokenizer,
  options: ConstraintProcessorOptions = {},
): ConstraintProcessor {
  if (options.maxTokens !== undefined) assertInteger('options.maxTokens', options.maxTokens, 1)
  const compiled = compileConstraint(constraint, tokenizer)
  const processor = (logits: Float32Array, context: ProcessorContext): Float32Array => {
    let state = compiled.initialState
    const start = context.tokens.length - context.generatedCount
    for (let index = start; index < context.tokens.length; index++) {
      state = compiled.advance(state, context.tokens[index] as number)
    }
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
