// Combinator: turns a scorer's values (and step scores) into 1/0 verdicts at a threshold.
import { InvalidArgumentError, type Scorer } from '@metagen/core'
import { assertScorer, createCombinedScorer } from './combine-scores.js'

/** Options of {@link createThresholdScorer}. */
export interface ThresholdScorerOptions {
  /** The scorer to threshold. */
  scorer: Scorer
  /** Values >= threshold become 1, lower values 0. A finite number. */
  threshold: number
  /** Scorer name (default `threshold(name>=t)`). */
  name?: string
}

/**
 * A scorer with value 1 when the inner value is >= `threshold` and 0 otherwise; step scores
 * are thresholded the same way. Unscorable items stay unscorable.
 */
export function createThresholdScorer(options: ThresholdScorerOptions): Scorer {
  assertScorer('scorer', options?.scorer)
  const threshold = options.threshold
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new InvalidArgumentError({
      argument: 'threshold',
      expected: 'a finite number',
      received: threshold,
    })
  }
  const inner = options.scorer
  return createCombinedScorer(
    options.name ?? `threshold(${inner.name}>=${threshold})`,
    [inner],
    ([value]) => ((value as number) >= threshold ? 1 : 0),
  )
}
