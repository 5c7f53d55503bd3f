// Minimum Bayes risk selection as pure functions: the expected-utility matrix (computed once,
// each distinct text pair evaluated once) and the argmax of expected utility.
import { InvalidArgumentError } from '@metagen/core'

/** A utility: how good hypothesis `a` is if `b` is the truth; higher is better, finite. */
export type UtilityFunction = (hypothesis: string, reference: string) => number

/** The utilities of every hypothesis against every reference. */
export interface UtilityMatrix {
  /** `values[h][r]` = utility(hypotheses[h], references[r]). */
  values: number[][]
  /** How many times the utility function was called (distinct text pairs only). */
  evaluations: number
}

/**
 * Computes `utility(hypothesis, reference)` for every pair, once per DISTINCT pair of texts
 * (duplicate samples are common, so this often saves most of the work). With `symmetric: true`
 * the utility is assumed symmetric and each unordered pair is evaluated once.
 * Throws {@link InvalidArgumentError} when the utility returns a non-finite value.
 */
export function computeUtilityMatrix(
  hypotheses: readonly string[],
  references: readonly string[],
  utility: UtilityFunction,
  options: { symmetric?: boolean } = {},
): UtilityMatrix {
  const cache = new Map<string, number>()
  let evaluations = 0
  const evaluate = (hypothesis: string, reference: string): number => {
    const swapped = options.symmetric === true && hypothesis > reference
    const cacheKey = swapped
      ? `${reference.length}:${reference}${hypothesis}`
      : `${hypothesis.length}:${hypothesis}${reference}`
    const cached = cache.get(cacheKey)
    if (cached !== undefined) return cached
    const value = swapped ? utility(reference, hypothesis) : utility(hypothesis, reference)
    evaluations++
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidArgumentError({
        argument: 'utility',
        expected: 'a function returning finite numbers',
        received: value,
      })
    }
    cache.set(cacheKey, value)
    return value
  }
  const values = hypotheses.map((hypothesis) =>
    references.map((reference) => evaluate(hypothesis, reference)),
  )
  return { values, evaluations }
}

/** Options of {@link selectMinimumBayesRisk}. */
export interface MinimumBayesRiskSelectionOptions {
  /**
   * True when the references ARE the hypotheses (MBR over the samples): the diagonal (a sample
   * against itself) is left out of each expectation. Default false.
   */
  excludeSelf?: boolean
  /** Probability weight of each reference (default uniform); finite, >= 0, not all 0. */
  referenceWeights?: readonly number[]
  /** Hypotheses that may not be chosen (e.g. failed samples); they get expected utility -Infinity. */
  excluded?: ReadonlySet<number>
}

/** The result of {@link selectMinimumBayesRisk}. */
export interface MinimumBayesRiskSelection {
  /** The chosen hypothesis (-1 when there is none to choose). */
  index: number
  /** Expected utility of each hypothesis (weighted mean over its references). */
  expectedUtilities: number[]
}

/**
 * Chooses the hypothesis with the highest expected utility against the references
 * (Kumar and Byrne 2004; Bertsch et al. 2023). Tie rule: the earliest hypothesis wins.
 * A hypothesis with no reference left (one sample, excludeSelf) has expected utility 0.
 */
export function selectMinimumBayesRisk(
  matrix: readonly (readonly number[])[],
  options: MinimumBayesRiskSelectionOptions = {},
): MinimumBayesRiskSelection {
  const weights = options.referenceWeights
  if (weights !== undefined) {
    const columns = matrix[0]?.length ?? weights.length
    if (
      weights.length !== columns ||
      weights.some((weight) => !Number.isFinite(weight) || weight < 0)
    ) {
      throw new InvalidArgumentError({
        argument: 'referenceWeights',
        expected: `${columns} finite numbers >= 0`,
        received: weights,
      })
    }
  }
  const expectedUtilities = matrix.map((row, hypothesis) => {
    if (options.excluded?.has(hypothesis)) return Number.NEGATIVE_INFINITY
    let sum = 0
    let total = 0
    row.forEach((value, reference) => {
      if (options.excludeSelf && reference === hypothesis) return
      const weight = weights ? (weights[reference] as number) : 1
      sum += weight * value
      total += weight
    })
    return total > 0 ? sum / total : 0
  })
  let index = -1
  expectedUtilities.forEach((value, hypothesis) => {
    if (options.excluded?.has(hypothesis)) return
    if (index === -1 || value > (expectedUtilities[index] as number)) index = hypothesis
  })
  return { index, expectedUtilities }
}
