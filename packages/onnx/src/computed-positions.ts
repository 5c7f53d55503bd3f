// FLOP accounting of the worker's batched passes. A pass over `rows` rows and a window of
// `window` new tokens computes rows x window positions, whatever of them are real: padding
// columns (left-padded shorter rows) and ghost rows (reused block rows nobody extends) cost
// the same arithmetic as real tokens. Attention over the past is not counted: it grows with the
// past length rather than the parameter count, and like the 2 x parameters per token rule
// itself, FLOP estimates leave it out.

/**
 * Splits a pass's `total` computed positions among the items that shared it, in proportion to
 * the real tokens each fed (`weights`), as integers that sum to `total` exactly: each item gets
 * floor(total x weight / sum), and the leftover positions go one each to the items with the
 * largest fractional parts (the earlier item on ties). With total = sum(weights), each item
 * gets its own weight.
 */
export function apportionPositions(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((accumulated, weight) => accumulated + weight, 0)
  if (sum === 0) return weights.map(() => 0)
  const shares = weights.map((weight) => Math.floor((total * weight) / sum))
  let left = total - shares.reduce((accumulated, share) => accumulated + share, 0)
  const order = weights
    .map((weight, index) => ({
      index,
      fraction: (total * weight) / sum - (shares[index] as number),
    }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index)
  for (const { index } of order) {
    if (left <= 0) break
    shares[index] = (shares[index] as number) + 1
    left--
  }
  return shares
}
