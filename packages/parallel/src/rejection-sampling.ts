// Rejection sampling: keep sampling in rounds until a sample's score reaches a threshold, the
// sample limit is reached or the budget ends.
import {
  addUsage,
  emptyUsage,
  type Generator,
  parseOption,
  type RunContext,
  type Scorer,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { createCandidateSampler } from './candidate-sampler.js'
import { parallelOptionSchemas } from './option-schemas.js'
import { type SampleSourceOptions, validateSampleSourceOptions } from './sample-source.js'
import { selectBest } from './select-best.js'
import { buildSelectionResult, scoreCandidates } from './selection-output.js'
import { assertOutcomeScorer } from './validate-scorer.js'

/** Options of {@link rejectionSampling}. */
export interface RejectionSamplingOptions extends SampleSourceOptions {
  /** Scores each round's samples (one scorer call per round). */
  scorer: Scorer
  /** A sample is accepted when its score is >= threshold (a finite number). */
  threshold: number
  /** Maximum number of samples, an integer >= 1 (default 16). */
  n?: number
  /** Samples per round (one batched call), an integer >= 1 (default 4). */
  roundSize?: number
}

/** What {@link rejectionSampling} returns besides the text. */
export interface RejectionSamplingOutput extends TextOutput {
  /** True when the chosen sample reached the threshold. */
  accepted: boolean
  /** Samples drawn (failed ones included). */
  samples: number
}

/**
 * Rejection sampling: draws rounds of `roundSize` samples and scores them; stops at the first
 * round containing a sample with score >= `threshold` and returns the EARLIEST such sample (in
 * draw order). When no sample is accepted before `n` samples or the budget end, returns the
 * highest-scored one (ties: earliest) with `accepted: false`.
 */
export function rejectionSampling(
  options: RejectionSamplingOptions,
): Generator<TextInput, RejectionSamplingOutput> {
  validateSampleSourceOptions(options)
  assertOutcomeScorer('options.scorer', options.scorer)
  parseOption('options.threshold', parallelOptionSchemas.acceptanceThreshold, options.threshold)
  const n = options.n ?? 16
  parseOption('options.n', parallelOptionSchemas.n, n)
  const roundSize = options.roundSize ?? 4
  parseOption('options.roundSize', parallelOptionSchemas.roundSize, roundSize)
  return {
    name: 'rejection-sampling',
    async run(input: TextInput, context: RunContext) {
      const sampler = createCandidateSampler(context, input, options)
      let scoring = emptyUsage()
      let accepted = -1
      while (sampler.candidates.length < n && sampler.stoppedBy === undefined) {
        const round = await sampler.sample(Math.min(roundSize, n - sampler.candidates.length))
        if (round.length === 0) break
        scoring = addUsage(scoring, await scoreCandidates(context, options.scorer, input, round))
        const hit = round.find(
          (candidate) =>
            candidate.error === undefined &&
            candidate.score !== undefined &&
            candidate.score >= options.threshold,
        )
        if (hit) {
          accepted = hit.index
          break
        }
      }
      const index = accepted >= 0 ? accepted : selectBest(sampler.candidates)
      context.emit({
        kind: 'note',
        id: context.nextId('v'),
        name: 'rejection-sampling',
        data: { accepted: accepted >= 0, chosen: index, samples: sampler.candidates.length },
      })
      return buildSelectionResult({
        name: 'rejection-sampling',
        sampler,
        index,
        extraUsage: scoring,
        extra: { accepted: accepted >= 0, samples: sampler.candidates.length },
      })
    },
  }
}
