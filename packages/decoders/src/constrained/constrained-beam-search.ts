// Beam search under a constraint: beamSearch with the constraint as its logits processor, so
// candidates come from the masked distribution and only complete matches become hypotheses.
import { assertInteger, InvalidArgumentError, type TokenModel } from '@metagen/core'
import { beamSearch } from '../beam-search.js'
import { assertPromptFits } from '../prefill.js'
import type { DecodedSequence, DecodeResult } from '../sample-sequences.js'
import type { SamplingOptions } from '../sampling-options.js'
import { type Constraint, ConstraintError } from './constraint.js'
import { createConstraintProcessor, satisfiesConstraint } from './constraint-processor.js'

/** Options of {@link constrainedBeamSearch}. */
export interface ConstrainedBeamSearchOptions {
  /** The model. */
  model: TokenModel
  /** The constraint every hypothesis must satisfy as a whole. */
  constraint: Constraint
  /** Prompt token ids. */
  prompt: readonly number[]
  /** Number of beams B, an integer >= 1. */
  beamWidth: number
  /**
   * Maximum generated tokens per hypothesis (eos included), an integer in [1, room in context]
   * (default min(256, room)).
   */
  maxTokens?: number
  /** Finished hypotheses are ranked by sum(logprobs) / length^lengthPenalty (default 1). */
  lengthPenalty?: number
  /** Penalty steps of the processor chain (sampling-only fields are errors). */
  processors?: SamplingOptions
  /** Checked between steps. */
  signal?: AbortSignal
}

/** A finished hypothesis of {@link constrainedBeamSearch}. */
export interface ConstrainedBeamHypothesis extends DecodedSequence {
  /** sequenceLogprob / length^lengthPenalty. */
  score: number
}

/** Result of {@link constrainedBeamSearch}: finished hypotheses, best first. */
export interface ConstrainedBeamSearchResult extends DecodeResult {
  sequences: ConstrainedBeamHypothesis[]
}

/**
 * {@link beamSearch} (with `earlyStopping`) whose `logitsProcessor` is the constraint's
 * ({@link createConstraintProcessor}): every step masks each beam's logits by the constraint
 * (length-aware, so every beam can still be completed within maxTokens) before the penalty steps
 * and the log-softmax. Each live beam proposes its 2B best allowed tokens; candidates are ranked
 * by cumulative log-probability (ties: earlier beam, lower token id); an eos candidate among the
 * top B finishes its hypothesis (eos is only allowed where the text is a complete match), a beam
 * reaching maxTokens finishes too (its text matches); the next B others live on. Stops when B
 * hypotheses are finished or no beam is left. Returns the B best finished hypotheses, best
 * first; every one matches the constraint. Throws {@link ConstraintError} when none could be
 * finished (e.g. maxTokens is below the shortest match).
 */
export async function constrainedBeamSearch(
  options: ConstrainedBeamSearchOptions,
): Promise<ConstrainedBeamSearchResult> {
  const { model, constraint } = options
  assertInteger('beamWidth', options.beamWidth, 1)
  const room = assertPromptFits([model], options.prompt)
  const maxTokens = options.maxTokens ?? Math.min(256, room)
  assertInteger('maxTokens', maxTokens, 1)
  const processor = createConstraintProcessor(constraint, model.tokenizer, { maxTokens })
  let result: Awaited<ReturnType<typeof beamSearch>>
  try {
    result = await beamSearch({
      model,
      prompt: options.prompt,
      beamWidth: options.beamWidth,
      earlyStopping: true,
      logitsProcessor: processor,
      maxTokens,
      ...(options.lengthPenalty !== undefined ? { lengthPenalty: options.lengthPenalty } : {}),
      ...(options.processors !== undefined ? { processors: options.processors } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })
  } catch (error) {
    // Every beam was masked out by the penalty steps: no hypothesis could be finished.
    if (error instanceof InvalidArgumentError && error.argument === 'processors') {
      throw noHypothesisError()
    }
    throw error
  }
  // Unreachable with the length-aware mask; kept so that invalid text is never returned.
  const sequences = result.sequences
    .filter((hypothesis) => satisfiesConstraint(processor.compiled, hypothesis.tokenIds))
    .slice(0, options.beamWidth)
  if (sequences.length === 0) throw noHypothesisError()
  return { ...result, sequences }

  function noHypothesisError(): ConstraintError {
    return new ConstraintError({
      pattern: constraint.pattern,
      message: `No hypothesis satisfied the constraint /${constraint.pattern}/ within ${maxTokens} tokens.`,
    })
  }
}
