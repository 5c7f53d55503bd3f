// Combinator: the product of several scorers' values (and of their step scores), e.g. a
// verifier's probability gated by a hard check.
import { InvalidArgumentError, type ScoreRequest, type Scorer } from '@metagen/core'
import { assertScorer, scoreAndCombine } from './combine-scores.js'
import { validateScoreRequests } from './score-requests.js'

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
  if (!Array.isArray(scorers) || scorers.length === 0) {
    throw new InvalidArgumentError({
      argument: 'scorers',
      expected: 'a non-empty array of scorers',
      received: scorers,
    })
  }
  scorers.forEach((scorer, index) => {
    assertScorer(`scorers[${index}]`, scorer)
  })
  return {
    specificationVersion: 'v1',
    name: options.name ?? `product(${scorers.map((scorer) => scorer.name).join(',')})`,
    kind: {
      outcome: scorers.every((scorer) => scorer.kind.outcome),
      process: scorers.every((scorer) => scorer.kind.process),
    },
    async score(requests: readonly ScoreRequest[], scoreOptions: { signal?: AbortSignal } = {}) {
      validateScoreRequests(requests)
      return scoreAndCombine(scorers, requests, scoreOptions.signal, (values) =>
        values.reduce((product, value) => product * value, 1),
      )
    },
  }
}
