// Splitting an integer budget across items in proportion to softmax(score / temperature), the
// allocation rule of REBASE.
import { assertInteger, assertNumberInRange, softmax } from '@metagen/core'

/**
 * Splits `total` (integer >= 0) into integer shares proportional to softmax(scores / temperature)
 * by the largest-remainder method: each item gets floor(total x weight), and the units left over
 * go to the largest fractional parts (earlier index on ties). Shares sum exactly to `total`.
 * Scores of -Infinity (unscored) get weight 0 unless every score is -Infinity, in which case
 * the weights are uniform. `temperature` must be > 0.
 */
export function allocateBySoftmax(
  scores: readonly number[],
  total: number,
  temperature: number,
): number[] {
  assertInteger('total', total, 0)
  assertNumberInRange('temperature', temperature, { min: 0, minInclusive: false })
  if (scores.length === 0) return []
  const finite = scores.some((score) => score !== Number.NEGATIVE_INFINITY)
  const weights = finite
    ? softmax(scores.map((score) => score / temperature))
    : scores.map(() => 1 / scores.length)
  const exact = Array.from(weights, (weight) => weight * total)
  const shares = exact.map((value) => Math.floor(value))
  let left = total - shares.reduce((sum, share) => sum + share, 0)
  const order = exact
    .map((value, index) => ({ fraction: value - Math.floor(value), index }))
    .sort((left, right) => right.fraction - left.fraction || left.index - right.index)
  for (const { index } of order) {
    if (left <= 0) break
    shares[index] = (shares[index] ?? 0) + 1
    left--
  }
  return shares
}
