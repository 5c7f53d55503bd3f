// Adaptive consistency (Aggarwal et al. 2023): majority vote that samples in rounds and stops as
// soon as a stopping rule is confident of the majority answer, reporting the samples it saved.
import {
  assertInteger,
  type Generator,
  InvalidArgumentError,
  parseOption,
  type RunContext,
  type TextInput,
} from '@metagen/core'
import { createCandidateSampler } from './candidate-sampler.js'
import type { VoteOutput } from './majority-vote.js'
import { parallelOptionSchemas } from './option-schemas.js'
import { type SampleSourceOptions, validateSampleSourceOptions } from './sample-source.js'
import { buildSelectionResult } from './selection-output.js'
import { betaStoppingRule, type StoppingRule } from './stopping-rules.js'
import { selectMajority } from './tally-votes.js'

/** Options of {@link adaptiveConsistency}. */
export interface AdaptiveConsistencyOptions extends SampleSourceOptions {
  /** Maximum number of samples, an integer >= 1 (default 16). */
  n?: number
  /** Samples per round (one batched call), an integer >= 1 (default 1, as in the paper). */
  roundSize?: number
  /** Samples drawn before the rule is first asked, an integer >= 1 (default 1). */
  minSamples?: number
  /** The stopping rule (default {@link betaStoppingRule} with threshold 0.95). */
  stoppingRule?: StoppingRule
}

/** What {@link adaptiveConsistency} returns besides the text. */
export interface AdaptiveConsistencyOutput extends VoteOutput {
  /** Samples drawn (failed ones included). */
  samplesUsed: number
  /** `n - samplesUsed`: samples a fixed n-sample majority vote would have drawn in addition. */
  samplesSaved: number
  /** The stopping rule's confidence in the chosen answer at the end, in [0, 1]. */
  confidence: number
  /** Why sampling ended: the rule was confident, n was reached, or the budget ran out. */
  stoppedWhy: 'confident' | 'max-samples' | 'budget'
}

/**
 * Adaptive consistency: draws rounds of `roundSize` samples; after each round (once
 * `minSamples` are drawn) asks the stopping rule about the vote counts and stops when it is
 * confident, or at `n` samples. Returns the majority answer as {@link majorityVote} does (ties:
 * the answer seen first; its earliest sample) with the samples used and saved.
 */
export function adaptiveConsistency(
  options: AdaptiveConsistencyOptions,
): Generator<TextInput, AdaptiveConsistencyOutput> {
  validateSampleSourceOptions(options)
  const n = options.n ?? 16
  parseOption('options.n', parallelOptionSchemas.n, n)
  const roundSize = options.roundSize ?? 1
  parseOption('options.roundSize', parallelOptionSchemas.roundSize, roundSize)
  const minSamples = options.minSamples ?? 1
  assertInteger('options.minSamples', minSamples, 1)
  const rule = options.stoppingRule ?? betaStoppingRule()
  if (typeof rule !== 'object' || typeof rule.decide !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.stoppingRule',
      expected: 'a StoppingRule (with decide())',
      received: rule,
    })
  }
  return {
    name: 'adaptive-consistency',
    async run(input: TextInput, context: RunContext) {
      const sampler = createCandidateSampler(context, input, options)
      const rng = context.rng.fork('stopping-rule')
      let confidence = 0
      let stoppedWhy: AdaptiveConsistencyOutput['stoppedWhy'] = 'max-samples'
      while (sampler.candidates.length < n) {
        const wanted = Math.min(roundSize, n - sampler.candidates.length)
        const round = await sampler.sample(wanted)
        if (sampler.stoppedBy === 'budget' || round.length === 0) {
          stoppedWhy = 'budget'
          break
        }
        if (sampler.candidates.length < minSamples) continue
        const counts = selectMajority(sampler.candidates).tally.map((entry) => entry.count)
        const decision = rule.decide(counts, rng)
        confidence = decision.confidence
        context.emit({
          kind: 'note',
          id: context.nextId('v'),
          name: 'stopping-rule',
          data: { rule: rule.name, counts, ...decision, samples: sampler.candidates.length },
        })
        if (decision.stop) {
          stoppedWhy = 'confident'
          break
        }
      }
      const vote = selectMajority(sampler.candidates)
      const winner = vote.tally[0]
      const samplesUsed = sampler.candidates.length
      return buildSelectionResult({
        name: 'adaptive-consistency',
        sampler,
        index: vote.index,
        extra: {
          votes: winner?.count ?? 0,
          weight: winner?.weight ?? 0,
          samplesUsed,
          samplesSaved: n - samplesUsed,
          confidence,
          stoppedWhy,
        },
      })
    },
  }
}
