// Argument check for the scorer option of the scoring generators.
import { InvalidArgumentError, type Scorer } from '@metagen/core'

/** Throws {@link InvalidArgumentError} unless `scorer` is a Scorer with an outcome score. */
export function assertOutcomeScorer(argument: string, scorer: unknown): asserts scorer is Scorer {
  if (
    typeof scorer !== 'object' ||
    scorer === null ||
    typeof (scorer as Scorer).score !== 'function'
  ) {
    throw new InvalidArgumentError({
      argument,
      expected: 'a Scorer (with score())',
      received: scorer,
    })
  }
  if ((scorer as Scorer).kind?.outcome !== true) {
    throw new InvalidArgumentError({
      argument,
      expected: 'a scorer that produces outcome scores (kind.outcome true)',
      received: (scorer as Scorer).name,
    })
  }
}
