// Pearson chi-squared tests, for the statistical tests of speculative sampling (not exported by
// the package): goodness of fit against known probabilities, and homogeneity of two samples.

/** A test statistic, its degrees of freedom and its p-value. */
export interface ChiSquaredResult {
  statistic: number
  degreesOfFreedom: number
  pValue: number
}

/**
 * Goodness of fit of `counts` to `probabilities` (same length). Categories whose expected count
 * is below `minimumExpected` (default 5) are pooled into one, as the test requires.
 */
export function chiSquaredGoodnessOfFit(
  counts: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  minimumExpected = 5,
): ChiSquaredResult {
  let total = 0
  for (let index = 0; index < counts.length; index++) total += counts[index] as number
  let statistic = 0
  let categories = 0
  let pooledObserved = 0
  let pooledExpected = 0
  for (let index = 0; index < counts.length; index++) {
    const expected = (probabilities[index] as number) * total
    const observed = counts[index] as number
    if (expected < minimumExpected) {
      pooledObserved += observed
      pooledExpected += expected
      continue
    }
    statistic += (observed - expected) ** 2 / expected
    categories += 1
  }
  if (pooledExpected > 0) {
    statistic += (pooledObserved - pooledExpected) ** 2 / pooledExpected
    categories += 1
  } else if (pooledObserved > 0) {
    statistic = Number.POSITIVE_INFINITY
  }
  const degreesOfFreedom = Math.max(1, categories - 1)
  return { statistic, degreesOfFreedom, pValue: chiSquaredSurvival(statistic, degreesOfFreedom) }
}

/**
 * Homogeneity of two samples of counts over the same categories (2 x m contingency table);
 * categories with fewer than `minimumTotal` (default 10) observations in both samples together
 * are pooled.
 */
export function chiSquaredTwoSample(
  first: ArrayLike<number>,
  second: ArrayLike<number>,
  minimumTotal = 10,
): ChiSquaredResult {
  const rowsFirst: number[] = []
  const rowsSecond: number[] = []
  let pooledFirst = 0
  let pooledSecond = 0
  for (let index = 0; index < first.length; index++) {
    const a = first[index] as number
    const b = second[index] as number
    if (a + b < minimumTotal) {
      pooledFirst += a
      pooledSecond += b
    } else {
      rowsFirst.push(a)
      rowsSecond.push(b)
    }
  }
  if (pooledFirst + pooledSecond > 0) {
    rowsFirst.push(pooledFirst)
    rowsSecond.push(pooledSecond)
  }
  const totalFirst = rowsFirst.reduce((sum, value) => sum + value, 0)
  const totalSecond = rowsSecond.reduce((sum, value) => sum + value, 0)
  const total = totalFirst + totalSecond
  let statistic = 0
  rowsFirst.forEach((a, index) => {
    const b = rowsSecond[index] as number
    const column = a + b
    const expectedFirst = (column * totalFirst) / total
    const expectedSecond = (column * totalSecond) / total
    statistic +=
      (a - expectedFirst) ** 2 / expectedFirst + (b - expectedSecond) ** 2 / expectedSecond
  })
  const degreesOfFreedom = Math.max(1, rowsFirst.length - 1)
  return { statistic, degreesOfFreedom, pValue: chiSquaredSurvival(statistic, degreesOfFreedom) }
}

/** P(X >= statistic) for X chi-squared with `degreesOfFreedom`: Q(df/2, x/2). */
export function chiSquaredSurvival(statistic: number, degreesOfFreedom: number): number {
  if (statistic <= 0) return 1
  if (!Number.isFinite(statistic)) return 0
  return upperRegularizedGamma(degreesOfFreedom / 2, statistic / 2)
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const shifted = x - 1
  let sum = coefficients[0] as number
  for (let index = 1; index < 9; index++) sum += (coefficients[index] as number) / (shifted + index)
  const t = shifted + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum)
}

function upperRegularizedGamma(a: number, x: number): number {
  if (x < a + 1) {
    // Series for P(a, x), then Q = 1 - P.
    let term = 1 / a
    let sum = term
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - logGamma(a))
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  let b = x + 1 - a
  let c = 1 / 1e-300
  let d = 1 / b
  let h = d
  for (let n = 1; n < 1000; n++) {
    const an = -n * (n - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < 1e-300) d = 1e-300
    c = b + an / c
    if (Math.abs(c) < 1e-300) c = 1e-300
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) break
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h
}
