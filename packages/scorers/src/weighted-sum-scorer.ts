// Combinator: the weighted sum of several scorers' values (and of their step scores).
import { InvalidArgumentError, type Scorer } from '@metagen/core'
import { assertNonEmptyArray, assertScorer, createCombinedScorer } from './combine-scores.js'

/** Options of {@link createWeightedSumScorer}. */
export interface WeightedSumScorerOptions {
  /** The scorers and their finite weights (at least one). */
  components: ReadonlyArray<{ scorer: Scorer; weight: number }>
  /** Scorer name (default `weighted-sum(a,b,...)`). */
  name?: string
}

/**
 * A scorer whose value is sum_i weight_i * value_i over the components (all run concurrently on
 * the same batch); step scores are combined the same way when every component is a process
 * scorer with the same step count. An item any component cannot score is unscorable. Weights
 * that sum to 1 over [0, 1] scores keep the result in [0, 1].
 */
export function createWeightedSumScorer(options: WeightedSumScorerOptions): Scorer {
  const components = options?.components
  assertNonEmptyArray('components', components, 'a non-empty array of { scorer, weight }')
  components.forEach((component, index) => {
    assertScorer(`components[${index}].scorer`, component?.scorer)
    if (typeof component.weight !== 'number' || !Number.isFinite(component.weight)) {
      throw new InvalidArgumentError({
        argument: `components[${index}].weight`,
        expected: 'a finite number',
        received: component.weight,
      })
    }
  })
  const scorers = components.map((component) => component.scorer)
  const weights = components.map((component) => component.weight)
  return createCombinedScorer(
    options.name ?? `weighted-sum(${scorers.map((scorer) => scorer.name).join(',')})`,
    scorers,
    (values) => values.reduce((sum, value, index) => sum + (weights[index] as number) * value, 0),
  )
}
