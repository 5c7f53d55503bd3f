// Numerics over logits shared by decoders and scorers. -Infinity logits are masked tokens.

/** Index of the largest value; the lowest index wins ties. -1 for an empty array. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1
  let bestValue = Number.NEGATIVE_INFINITY
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number
    if (value > bestValue || best === -1) {
      if (best === -1 || value > bestValue) {
        best = index
        bestValue = value
      }
    }
  }
  return best
}

/** log(sum(exp(values))), stable; -Infinity when every value is -Infinity. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = Number.NEGATIVE_INFINITY
  for (let index = 0; index < values.length; index++) {
    if ((values[index] as number) > max) max = values[index] as number
  }
  if (max === Number.NEGATIVE_INFINITY) return max
  let sum = 0
  for (let index = 0; index < values.length; index++)
    sum += Math.exp((values[index] as number) - max)
  return max + Math.log(sum)
}

/** log-softmax into a new Float64Array: log p_i = x_i - logsumexp(x). */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  const normaliser = logSumExp(logits)
  const result = new Float64Array(logits.length)
  for (let index = 0; index < logits.length; index++) {
    result[index] = (logits[index] as number) - normaliser
  }
  return result
}

/** softmax into a new Float64Array: p_i = exp(x_i) / sum_j exp(x_j). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  const result = logSoftmax(logits)
  for (let index = 0; index < result.length; index++)
    result[index] = Math.exp(result[index] as number)
  return result
}
