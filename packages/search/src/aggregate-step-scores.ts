// How the step scores of a process scorer are reduced to one score of a partial solution.
import { InvalidArgumentError, type StepScore } from '@metagen/core'

/**
 * Reduction of process (per-step) scores: `min` the weakest step (default: a chain is as good
 * as its worst step), `last` the last step's score (for PRMs whose step score already means
 * "every step so far is right"), `mean` the average, `product` the product.
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
