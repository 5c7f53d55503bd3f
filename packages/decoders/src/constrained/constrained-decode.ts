// Constrained sampling and greedy decoding: n samples after one prefill, each step masks the
// raw logits to the tokens the constraint allows, then runs the ordinary processor chain and
// sampler, so every sampler (greedy, temperature, top-k/p, min-p, typical, eta, mirostat) works.
import {
  assertInteger,
  createRng,
  InvalidArgumentError,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
} from '@metagen/core'
import { assertPromptFits, emptyDecodeStats, prefillModels, recordForward } from '../prefill.js'
import {
  type DecodedSequence,
  type DecodeResult,
  randomSeed,
  topEntries,
} from '../sample-sequences.js'
import { type SamplingOptions, validateSamplingOptions } from '../sampling-options.js'
import { createTokenSampler, type TokenSampler } from '../token-sampler.js'
import { type Constraint, ConstraintError, compileConstraint } from './constraint.js'

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

interface Sample {
  state: SequenceState
  sampler: TokenSampler
  constraintState: number
  tokens: number[]
  sequence: DecodedSequence
  done: boolean
}

/**
 * Decodes n samples under a constraint. Each step: raw logits -> constraint mask (disallowed
 * tokens -> -Infinity; eos only where the text so far is a complete match) -> the processor
 * chain and sampler of `sampling`. A sample ends with `stop` at eos (its text matches the
 * constraint) or with `length` at maxTokens (its text also matches, thanks to the length-aware
 * mask). When no token is allowed (e.g. other processors masked all allowed tokens, or
 * maxTokens is below the shortest match) the sample fails with a {@link ConstraintError};
 * the others go on. Invalid output is never returned.
 */
export async function constrainedDecode(options: ConstrainedDecodeOptions): Promise<DecodeResult> {
  const { model } = options
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
  const compiled = compileConstraint(options.constraint, model.tokenizer)
  const needed = compiled.distanceToAccept(compiled.initialState)
  if (needed > maxTokens) {
    throw new ConstraintError({
      pattern: options.constraint.pattern,
      message: `The constraint /${options.constraint.pattern}/ needs at least ${needed} tokens, but maxTokens is ${maxTokens}.`,
    })
  }
  const tokenizer = model.tokenizer
  const baseRng = sampling.temperature === 0 ? undefined : createRng(options.seed ?? randomSeed())
  const stats = emptyDecodeStats()
  const { states } = await prefillModels([model], options.prompt, stats, { signal: options.signal })
  const root = states[0] as SequenceState
  const samples: Sample[] = []
  try {
    for (let index = 0; index < n; index++) {
      samples.push({
        state: root.fork(),
        sampler: createTokenSampler(sampling, baseRng?.fork(index)),
        constraintState: compiled.initialState,
        tokens: [...options.prompt],
        sequence: {
          tokenIds: [],
          text: '',
          finishReason: 'length',
          logprobs: [],
          sequenceLogprob: 0,
          ...(topLogprobs > 0 ? { topLogprobs: [] } : {}),
        },
        done: false,
      })
    }
    root.dispose()
    for (;;) {
      throwIfAborted(options.signal)
      for (const sample of samples) {
        if (sample.done) continue
        try {
          step(sample)
        } catch (error) {
          fail(sample, error)
        }
      }
      const active = samples.filter((sample) => !sample.done)
      if (active.length === 0) break
      const signalOption = options.signal ? { signal: options.signal } : {}
      try {
        await model.extend(
          active.map((sample) => ({
            sequence: sample.state,
            tokens: [sample.tokens[sample.tokens.length - 1] as number],
          })),
          signalOption,
        )
        recordForward(stats, model, active.length)
      } catch (error) {
        throwIfAborted(options.signal)
        for (const sample of active) fail(sample, error)
      }
    }
  } finally {
    root.dispose()
    for (const sample of samples) sample.state.dispose()
  }
  return { sequences: samples.map((sample) => sample.sequence), stats, contextExhausted: false }

  function step(sample: Sample): void {
    const generated = sample.sequence.tokenIds.length
    const row = Float32Array.from(sample.state.lastLogits as Float32Array)
    compiled.maskLogits(sample.constraintState, row, { remainingTokens: maxTokens - generated })
    let choice: ReturnType<TokenSampler['choose']>
    try {
      choice = sample.sampler.choose(row, {
        tokens: sample.tokens,
        generatedCount: generated,
        eosTokenIds: tokenizer.eosTokenIds,
      })
    } catch (error) {
      if (error instanceof InvalidArgumentError && error.argument === 'samplingOptions') {
        throw new ConstraintError({
          pattern: options.constraint.pattern,
          message: `No token allowed by the constraint /${options.constraint.pattern}/ survives the other processors (${error.message})`,
        })
      }
      throw error
    }
    const sequence = sample.sequence
    sequence.tokenIds.push(choice.token)
    sequence.logprobs.push(choice.logprob)
    sequence.sequenceLogprob += choice.logprob
    if (sequence.topLogprobs) sequence.topLogprobs.push(topEntries(choice.logprobs, topLogprobs))
    sample.tokens.push(choice.token)
    stats.outputTokens += 1
    if (compiled.isEos(choice.token)) {
      finish(sample, 'stop')
      return
    }
    sample.constraintState = compiled.advance(sample.constraintState, choice.token)
    if (sequence.tokenIds.length >= maxTokens) finish(sample, 'length')
  }

  function finish(sample: Sample, reason: 'stop' | 'length'): void {
    if (!compiled.isAccepting(sample.constraintState)) {
      // Unreachable with the length-aware mask; kept so that invalid text is never returned.
      fail(
        sample,
        new ConstraintError({
          pattern: options.constraint.pattern,
          message: `Generation ended before the constraint /${options.constraint.pattern}/ was satisfied.`,
        }),
      )
      return
    }
    sample.done = true
    sample.sequence.finishReason = reason
    sample.sequence.text = tokenizer.decode(sample.sequence.tokenIds)
    sample.state.dispose()
  }

  function fail(sample: Sample, error: unknown): void {
    sample.done = true
    sample.sequence.finishReason = 'error'
    sample.sequence.text = ''
    sample.sequence.error = error instanceof Error ? error : new Error(String(error))
    sample.state.dispose()
  }
}
