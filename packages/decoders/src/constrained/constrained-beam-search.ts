// Beam search under a constraint: each beam carries its automaton state, candidates come from
// the masked distribution, and only complete matches become finished hypotheses.
import {
  assertInteger,
  InvalidArgumentError,
  logSoftmax,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
} from '@metagen/core'
import { assertPromptFits, emptyDecodeStats, prefillModels, recordForward } from '../prefill.js'
import type { DecodedSequence, DecodeResult } from '../sample-sequences.js'
import {
  applyPenalties,
  type SamplingOptions,
  validateSamplingOptions,
} from '../sampling-options.js'
import { type Constraint, ConstraintError, compileConstraint } from './constraint.js'

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
  /** Maximum generated tokens per hypothesis (eos included), an integer >= 1 (default min(256, room)). */
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

interface Beam {
  state: SequenceState
  tokenIds: number[]
  logprobs: number[]
  cumulative: number
  constraintState: number
}

const samplingOnlyFields = [
  'temperature',
  'topK',
  'topP',
  'minP',
  'typicalP',
  'epsilon',
  'eta',
  'mirostat',
]

/**
 * Beam search whose every step masks each beam's logits by the constraint (length-aware, so
 * every beam can still be completed within maxTokens) before the penalty steps and the
 * log-softmax. Each live beam proposes its 2B best allowed tokens; candidates are ranked by
 * cumulative log-probability (ties: earlier beam, lower token id); an eos candidate among the
 * top B finishes its hypothesis (eos is only allowed where the text is a complete match), a
 * beam reaching maxTokens finishes too (its text matches); the next B others live on. Stops when
 * B hypotheses are finished or no beam is left. Returns the finished hypotheses, best first;
 * every one matches the constraint. Throws {@link ConstraintError} when none could be finished.
 */
export async function constrainedBeamSearch(
  options: ConstrainedBeamSearchOptions,
): Promise<ConstrainedBeamSearchResult> {
  const { model } = options
  assertInteger('beamWidth', options.beamWidth, 1)
  const beamWidth = options.beamWidth
  const room = assertPromptFits([model], options.prompt)
  const maxTokens = options.maxTokens ?? Math.min(256, room)
  assertInteger('maxTokens', maxTokens, 1)
  const lengthPenalty = options.lengthPenalty ?? 1
  if (typeof lengthPenalty !== 'number' || !Number.isFinite(lengthPenalty)) {
    throw new InvalidArgumentError({
      argument: 'lengthPenalty',
      expected: 'a finite number',
      received: lengthPenalty,
    })
  }
  const processors = options.processors ?? {}
  validateSamplingOptions(processors, 'processors.')
  for (const field of samplingOnlyFields) {
    if (field in processors) {
      throw new InvalidArgumentError({
        argument: `processors.${field}`,
        expected: 'penalty steps only (beam search does not sample)',
        received: (processors as Record<string, unknown>)[field],
      })
    }
  }
  const compiled = compileConstraint(options.constraint, model.tokenizer)
  const tokenizer = model.tokenizer
  const stats = emptyDecodeStats()
  const { states } = await prefillModels([model], options.prompt, stats, { signal: options.signal })
  let beams: Beam[] = [
    {
      state: states[0] as SequenceState,
      tokenIds: [],
      logprobs: [],
      cumulative: 0,
      constraintState: compiled.initialState,
    },
  ]
  const finished: ConstrainedBeamHypothesis[] = []
  let lastError: unknown
  try {
    for (
      let step = 0;
      step < maxTokens && beams.length > 0 && finished.length < beamWidth;
      step++
    ) {
      throwIfAborted(options.signal)
      const candidates: Array<{ beam: number; token: number; logprob: number; score: number }> = []
      beams.forEach((beam, beamIndex) => {
        const row = Float32Array.from(beam.state.lastLogits as Float32Array)
        try {
          compiled.maskLogits(beam.constraintState, row, { remainingTokens: maxTokens - step })
        } catch (error) {
          lastError = error
          return
        }
        const penalised = applyPenalties(row, processors, {
          tokens: [...options.prompt, ...beam.tokenIds],
          generatedCount: beam.tokenIds.length,
          eosTokenIds: tokenizer.eosTokenIds,
        })
        const logprobs = logSoftmax(penalised)
        const allowed = compiled.allowedTokens(beam.constraintState, {
          remainingTokens: maxTokens - step,
        })
        const ranked = allowed
          .filter((token) => (logprobs[token] as number) > Number.NEGATIVE_INFINITY)
          .sort(
            (left, right) =>
              (logprobs[right] as number) - (logprobs[left] as number) || left - right,
          )
          .slice(0, 2 * beamWidth)
        for (const token of ranked) {
          const logprob = logprobs[token] as number
          candidates.push({ beam: beamIndex, token, logprob, score: beam.cumulative + logprob })
        }
      })
      candidates.sort(
        (left, right) =>
          right.score - left.score || left.beam - right.beam || left.token - right.token,
      )
      const next: Beam[] = []
      for (const [rank, candidate] of candidates.entries()) {
        if (next.length >= beamWidth || finished.length >= beamWidth) break
        const parent = beams[candidate.beam] as Beam
        const tokenIds = [...parent.tokenIds, candidate.token]
        const logprobs = [...parent.logprobs, candidate.logprob]
        if (compiled.isEos(candidate.token)) {
          if (rank < beamWidth) finished.push(hypothesis(tokenIds, logprobs, 'stop'))
          continue
        }
        const constraintState = compiled.advance(parent.constraintState, candidate.token)
        if (tokenIds.length >= maxTokens) {
          finished.push(hypothesis(tokenIds, logprobs, 'length'))
          continue
        }
        next.push({
          state: parent.state.fork(),
          tokenIds,
          logprobs,
          cumulative: parent.cumulative + candidate.logprob,
          constraintState,
        })
      }
      for (const beam of beams) beam.state.dispose()
      beams = next
      if (beams.length > 0 && finished.length < beamWidth) {
        await model.extend(
          beams.map((beam) => ({
            sequence: beam.state,
            tokens: [beam.tokenIds[beam.tokenIds.length - 1] as number],
          })),
          options.signal ? { signal: options.signal } : {},
        )
        recordForward(stats, model, beams.length)
      }
    }
  } finally {
    for (const beam of beams) beam.state.dispose()
    for (const state of states) state.dispose()
  }
  if (finished.length === 0) {
    throw (
      lastError ??
      new ConstraintError({
        pattern: options.constraint.pattern,
        message: `No hypothesis satisfied the constraint /${options.constraint.pattern}/ within ${maxTokens} tokens.`,
      })
    )
  }
  finished.sort((left, right) => right.score - left.score)
  return { sequences: finished, stats, contextExhausted: false }

  function hypothesis(
    tokenIds: number[],
    logprobs: number[],
    finishReason: 'stop' | 'length',
  ): ConstrainedBeamHypothesis {
    const sequenceLogprob = logprobs.reduce((sum, value) => sum + value, 0)
    stats.outputTokens += tokenIds.length
    return {
      tokenIds,
      logprobs,
      sequenceLogprob,
      finishReason,
      text: tokenizer.decode(tokenIds),
      score: sequenceLogprob / tokenIds.length ** lengthPenalty,
    }
  }
}
