// Weighted majority vote: each sample votes for its answer with its scorer's score.
import {
  type Generator,
  InvalidArgumentError,
  parseOption,
  type RunContext,
  type Scorer,
  type TextInput,
} from '@metagen/core'
import { createCandidateSampler } from './candidate-sampler.js'
import type { VoteOutput } from './majority-vote.js'
import { parallelOptionSchemas } from './option-schemas.js'
import { type SampleSourceOptions, validateSampleSourceOptions } from './sample-source.js'
import { buildSelectionResult, scoreCandidates } from './selection-output.js'
import { selectWeightedVote } from './tally-votes.js'
import { assertOutcomeScorer } from './validate-scorer.js'

/** Options of {@link weightedVote}. */
export interface WeightedVoteOptions extends SampleSourceOptions {
  /** Number of samples, an integer >= 1 (default 16). */
  n?: number
  /** Scores every sample (one batched call); the outcome score is the vote's weight. */
  scorer: Scorer
  /**
   * Maps a score to a weight, a finite number >= 0 (default: the score itself, right for
   * probabilities such as reward-model outputs; use `Math.exp` for log-probabilities).
   */
  weight?: (score: number) => number
}

/**
 * Weighted majority vote: draws `n` samples, scores them all in one scorer call, sums the
 * weights per normalised answer and returns the heaviest answer's highest-scored sample (ties:
 * more voters, then the answer seen first; among its samples the earliest, see {@link selectWeightedVote}).
 * `output.score` is the chosen sample's score.
 */
export function weightedVote(options: WeightedVoteOptions): Generator<TextInput, VoteOutput> {
  validateSampleSourceOptions(options)
  assertOutcomeScorer('options.scorer', options.scorer)
  const n = options.n ?? 16
  parseOption('options.n', parallelOptionSchemas.n, n)
  if (options.weight !== undefined && typeof options.weight !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.weight',
      expected: 'a function (score) => number',
      received: options.weight,
    })
  }
  return {
    name: 'weighted-vote',
    async run(input: TextInput, context: RunContext) {
      const sampler = createCandidateSampler(context, input, options)
      await sampler.sample(n)
      const scoring = await scoreCandidates(context, options.scorer, input, sampler.candidates)
      const vote = selectWeightedVote(sampler.candidates, options.weight)
      const winner = vote.tally[0]
      context.emit({
        kind: 'note',
        id: context.nextId('v'),
        name: 'weighted-vote',
        data: { tally: vote.tally, chosen: vote.index, scorer: options.scorer.name },
      })
      return buildSelectionResult({
        name: 'weighted-vote',
        sampler,
        index: vote.index,
        extraUsage: scoring,
        extra: { votes: winner?.count ?? 0, weight: winner?.weight ?? 0 },
      })
    },
  }
}
