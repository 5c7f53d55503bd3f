// Majority vote over extracted answers (self-consistency, Wang et al. 2023), as a generator.
import {
  type Generator,
  parseOption,
  type RunContext,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { createCandidateSampler } from './candidate-sampler.js'
import { parallelOptionSchemas } from './option-schemas.js'
import { type SampleSourceOptions, validateSampleSourceOptions } from './sample-source.js'
import { buildSelectionResult } from './selection-output.js'
import { selectMajority } from './tally-votes.js'

/** Options of {@link majorityVote}. */
export interface MajorityVoteOptions extends SampleSourceOptions {
  /** Number of samples, an integer >= 1 (default 16). */
  n?: number
}

/** What {@link majorityVote} returns besides the text. */
export interface VoteOutput extends TextOutput {
  /** Number of samples that voted for the chosen answer (for weighted votes: its voter count). */
  votes: number
  /** Total weight of the chosen answer (its vote count for a plain majority). */
  weight: number
}

/**
 * Self-consistency: draws `n` samples, extracts and normalises each answer, and returns the
 * earliest sample of the most frequent answer (ties: the answer seen first wins, see
 * {@link selectMajority}). Samples without an answer and failed samples do not vote; when none
 * votes, the first successful sample is returned with `votes: 0`.
 */
export function majorityVote(options: MajorityVoteOptions): Generator<TextInput, VoteOutput> {
  validateSampleSourceOptions(options)
  const n = options.n ?? 16
  parseOption('options.n', parallelOptionSchemas.n, n)
  return {
    name: 'majority-vote',
    async run(input: TextInput, context: RunContext) {
      const sampler = createCandidateSampler(context, input, options)
      await sampler.sample(n)
      const vote = selectMajority(sampler.candidates)
      const winner = vote.tally[0]
      context.emit({
        kind: 'note',
        id: context.nextId('v'),
        name: 'majority-vote',
        data: { tally: vote.tally, chosen: vote.index, samples: sampler.candidates.length },
      })
      return buildSelectionResult({
        name: 'majority-vote',
        sampler,
        index: vote.index,
        extra: { votes: winner?.count ?? 0, weight: winner?.weight ?? 0 },
      })
    },
  }
}
