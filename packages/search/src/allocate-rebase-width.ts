// REBASE's allocation of the remaining width across the frontier, as in its reference code
// (Wu et al. 2024, `select_softmax`): nodes in descending score order each take the ceiling of
// their softmax share of what is left.
import { assertInteger, assertNumberInRange } from '@metagen/core'

/**
 * Splits `width` (an integer >= 0) across nodes with `scores` by REBASE's rule: with weights
 * w_i = exp(score_i / temperature), nodes are visited best score first (earlier index on ties)
 * and each takes `ceil(left x w_i / (sum of the weights not yet visited))` of the width `left`
 * (never more than is left). The shares sum to `width` (when some weight is positive); the best
 * node gets at least its proportional share, and every node with a positive weight gets at
 * least one expansion until the width runs out. Unscored nodes (-Infinity) weigh 0 unless
 * every score is -Infinity, in which case the weights are equal. Returns the shares in the
 * order of `scores`. `temperature` must be > 0.
 */
export function allocateRebaseWidth(
  scores: readonly number[],
  width: number,
  temperature: number,
): number[] {
  assertInteger('width', width, 0)
  assertNumberInRange('temperature', temperature, { min: 0, minInclusive: false })
  const shares = scores.map(() => 0)
  if (scores.length === 0) return shares
  const finite = scores.filter((score) => score !== Number.NEGATIVE_INFINITY)
  const top = finite.length > 0 ? Math.max(...finite) : 0
  const weights = scores.map((score) => {
    if (finite.length === 0) return 1
    return score === Number.NEGATIVE_INFINITY ? 0 : Math.exp((score - top) / temperature)
  })
  const order = scores
    .map((score, index) => ({ score, index }))
    .sort((left, right) => right.score - left.score || left.index - right.index)
  let left = width
  let rest = weights.reduce((sum, weight) => sum + weight, 0)
  for (const [position, { index }] of order.entries()) {
    const weight = weights[index] ?? 0
    if (left <= 0 || weight <= 0) break
    const last = position === order.length - 1 || rest <= weight
    const share = last ? left : Math.min(left, Math.ceil((left * weight) / rest))
    shares[index] = share
    left -= share
    rest -= weight
  }
  return shares
}
