// Best-of-N: sample N outputs, score them with any scorer, return the highest-scored one.
import {
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

/** Options of {@link bestOfN}. */
export interface BestOfNOptions extends SampleSourceOptions {
  /** Number of samples, an integer >= 1 (default 16). */
  n?: number
  /** Scores every sample (one batched call); higher outcome scores are better. */
  scorer: Scorer
}

/**
 * Best-of-N: draws `n` samples, scores them in one scorer call and returns the highest-scored
 * one (ties: the earliest sample; unscored samples lose to scored ones; see {@link selectBest}).
 * With a budget, sampling stops when it runs out and the best sample so far is returned.
 */
export function bestOfN(options: BestOfNOptions): Generator<TextInput, TextOutput> {
  validateSampleSourceOptions(options)
  assertOutcomeScorer('options.scorer', options.scorer)
  const n = options.n ?? 16
  parseOption('options.n', parallelOptionSchemas.n, n)
  return {
    name: 'best-of-n',
    async run(input: TextInput, context: RunContext) {
      const sampler = createCandidateSampler(context, input, options)
      await sampler.sample(n)
      const scoring = await scoreCandidates(context, options.scorer, input, sampler.candidates)
      const index = selectBest(sampler.candidates)
      context.emit({
        kind: 'note',
        id: context.nextId('v'),
        name: 'best-of-n',
        data: {
          scores: sampler.candidates.map((candidate) => candidate.score ?? null),
          chosen: index,
          scorer: options.scorer.name,
        },
      })
      return buildSelectionResult({ name: 'best-of-n', sampler, index, extraUsage: scoring })
    },
  }
}
