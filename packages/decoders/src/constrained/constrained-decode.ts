// Constrained sampling and greedy decoding: sampleSequences with the constraint as its logits
// processor (raw logits masked to the allowed tokens, then the ordinary processor chain and
// sampler), so every sampler (greedy, temperature, top-k/p, min-p, typical, eta, mirostat) works.
import { assertInteger, InvalidArgumentError, type TokenModel } from '@metagen/core'
import { assertPromptFits } from '../prefill.js'
import { type DecodedSequence, type DecodeResult, sampleSequences } from '../sample-sequences.js'
import { type SamplingOptions, validateSamplingOptions } from '../sampling-options.js'
import { type Constraint, ConstraintError } from './constraint.js'
import { createConstraintProcessor, satisfiesConstraint } from './constraint-processor.js'

/** Options of {@link constrainedDecode}. */
export interface ConstrainedDecodeOptions {
  /** The model. */
  model: TokenModel
  /** The constraint every output must satisfy as a whole. */
  constraint: Constraint
  /** Prompt token ids (at least one; must leave room in the context). */
  prompt: readonly number[]
  /** Number of samples, an integer >= 1 (default 1). */
  n?: number
  /**
   * Maximum generated tokens per sample (eos included, as in plain decoding), an integer >= 1
   * (default min(256, room in context)). Tokens that would make the constraint impossible to
   * finish within it are masked, so outputs that end at the limit still match.
   */
  maxTokens?: number
  /** Processor chain and sampler; temperature 0 is greedy (default temperature 1). */
  sampling?: SamplingOptions
  /** Seed (uint32). Sample i draws from `createRng(seed).fork(i)`. */
  seed?: number
  /** How many alternatives per position to report (default 0). */
  topLogprobs?: number
  /** Checked between steps; aborting throws AbortedError and frees every state. */
  signal?: AbortSignal
}

/**
 * Decodes n samples under a constraint: {@link sampleSequences} with the constraint's processor
 * ({@link createConstraintProcessor}) as `logitsProcessor`. Each step: raw logits -> constraint
 * mask (disallowed tokens -> -Infinity; eos only where the text so far is a complete match) ->
 * the processor chain and sampler of `sampling`. A sample ends with `stop` at eos (its text
 * matches the constraint) or with `length` at maxTokens (its text also matches, thanks to the
 * length-aware mask). When no token is allowed (e.g. other processors masked all allowed tokens)
 * the sample fails with a {@link ConstraintError}; the others go on. Throws ConstraintError up
 * front when maxTokens is below the shortest match. Invalid output is never returned.
 */
export async function constrainedDecode(options: ConstrainedDecodeOptions): Promise<DecodeResult> {
  const { model, constraint } = options
  const n = options.n ?? 1
  assertInteger('n', n, 1)
  const room = assertPromptFits([model], options.prompt)
  const maxTokens = options.maxTokens ?? Math.min(256, room)
  assertInteger('maxTokens', maxTokens, 1)
  if (maxTokens > room) {
    throw new InvalidArgumentError({
      argument: 'maxTokens',
      expected: `at most the ${room} tokens left in the context`,
      received: maxTokens,
    })
  }
  const sampling = options.sampling ?? {}
  validateSamplingOptions(sampling)
  const topLogprobs = options.topLogprobs ?? 0
  assertInteger('topLogprobs', topLogprobs, 0)
  const processor = createConstraintProcessor(constraint, model.tokenizer, { maxTokens })
  const { compiled } = processor
  const needed = compiled.distanceToAccept(compiled.initialState)
  if (needed > maxTokens) {
    throw new ConstraintError({
      pattern: constraint.pattern,
      message: `The constraint /${constraint.pattern}/ needs at least ${needed} tokens, but maxTokens is ${maxTokens}.`,
    })
  }
  const result = await sampleSequences({
    models: [model],
    prompt: options.prompt,
    n,
    maxTokens,
    sampling,
    logitsProcessor: processor,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(topLogprobs > 0 ? { topLogprobs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  return { ...result, sequences: result.sequences.map(checkSequence) }

  /** Names the constraint in sampler failures; fails an output that does not match (unreachable). */
  function checkSequence(sequence: DecodedSequence): DecodedSequence {
    const { error } = sequence
    if (error instanceof InvalidArgumentError && error.argument === 'samplingOptions') {
      return withError(
        sequence,
        `No token allowed by the constraint /${constraint.pattern}/ survives the other processors (${error.message})`,
      )
    }
    if (sequence.finishReason !== 'error' && !satisfiesConstraint(compiled, sequence.tokenIds)) {
      return withError(
        sequence,
        `Generation ended before the constraint /${constraint.pattern}/ was satisfied.`,
      )
    }
    return sequence
  }

  function withError(sequence: DecodedSequence, message: string): DecodedSequence {
    return {
      ...sequence,
      finishReason: 'error',
      text: '',
      error: new ConstraintError({ pattern: constraint.pattern, message }),
    }
  }
}
