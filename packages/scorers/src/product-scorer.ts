// Combinator: the product of several scorers' values (and of their step scores), e.g. a
// verifier's probability gated by a hard check.
import type { Scorer } from '@metagen/core'
import { assertNonEmptyArray, assertScorer, createCombinedScorer } from './combine-scores.js'

/** Options of {@link createProductScorer}. */
export interface ProductScorerOptions {
  /** The scorers to multiply (at least one). */
  scorers: readonly Scorer[]
  /** Scorer name (default `product(a,b,...)`). */
  name?: string
}

/**
 * A scorer whose value is the product of the components' values (all run concurrently on the
 * same batch); step scores are multiplied the same way when every component is a process
 * scorer with the same step count. With [0, 1] components the product is in [0, 1] and acts as
 * a soft AND. An item any component cannot score is unscorable.
 */
export function createProductScorer(options: ProductScorerOptions): Scorer {
  const scorers = options?.scorers
  assertNonEmptyArray('scorers', scorers, 'a non-empty array of scorers')
  scorers.forEach((scorer, index) => {
    assertScorer(`scorers[${index}]`, scorer)
  })
  return createCombinedScorer(
    options.name ?? `product(${scorers.map((scorer) => scorer.name).join(',')})`,
    scorers,
    (values) => values.reduce((product, value) => product * value, 1),
  )
}
