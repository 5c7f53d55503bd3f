// How the step scores of a process scorer are reduced to one score of a partial solution.
import { InvalidArgumentError, type StepScore } from '@metagen/core'

/**
 * Reduction of process (per-step) scores: `last` the last step's score (the searches' default,
 * as in search-and-learn and REBASE: a PRM's step score already judges the prefix up to it),
 * `min` the weakest step (a chain is as good as its worst step), `mean` the average, `product`
 * the product.
 */
export type StepScoreAggregation = 'min' | 'last' | 'mean' | 'product'

/** The allowed values of {@link StepScoreAggregation}. */
export const stepScoreAggregations: readonly StepScoreAggregation[] = [
  'min',
  'last',
  'mean',
  'product',
]

/** Reduces `steps` by `aggregation`; undefined for no steps. */
export function aggregateStepScores(
  steps: readonly StepScore[],
  aggregation: StepScoreAggregation,
): number | undefined {
  if (steps.length === 0) return undefined
  const scores = steps.map((step) => step.score)
  switch (aggregation) {
    case 'min':
      return Math.min(...scores)
    case 'last':
      return scores[scores.length - 1]
    case 'mean':
      return scores.reduce((sum, score) => sum + score, 0) / scores.length
    case 'product':
      return scores.reduce((product, score) => product * score, 1)
    default:
      throw new InvalidArgumentError({
        argument: 'aggregate',
        expected: `one of ${stepScoreAggregations.join(', ')}`,
        received: aggregation,
      })
  }
}
