// Geometry of the scaling plot (accuracy against generated tokens, tokens on a log2 axis):
// pure functions from data points to SVG coordinates and ticks.

/** One measured point: a strategy at one budget. */
export interface ScalingPoint {
  strategy: string
  label: string
  /** Mean generated tokens per problem. */
  tokens: number
  /** Fraction correct in [0, 1]. */
  accuracy: number
  /** Problems counted so far. */
  problems: number
}

/** Placed points and axis ticks. */
export interface ScalingPlotLayout {
  points: Array<ScalingPoint & { x: number; y: number }>
  xTicks: Array<{ value: number; x: number }>
  yTicks: Array<{ value: number; y: number }>
  /** The plotting area inside the margins. */
  area: { left: number; top: number; right: number; bottom: number }
}

/**
 * Places `points` in a `width` x `height` plot: x = log2(tokens) between the smallest and the
 * largest power of two around the data, y = accuracy from 0 (bottom) to 1 (top). Points with
 * tokens <= 0 sit on the left edge. Ticks at each power of two (at most 8, thinned evenly)
 * and at accuracy 0, 0.25, ..., 1.
 */
export function layoutScalingPlot(
  points: readonly ScalingPoint[],
  width: number,
  height: number,
): ScalingPlotLayout {
  const area = { left: 48, top: 12, right: width - 12, bottom: height - 36 }
  const positive = points.map((point) => point.tokens).filter((tokens) => tokens > 0)
  const low = positive.length > 0 ? Math.floor(Math.log2(Math.min(...positive))) : 0
  let high = positive.length > 0 ? Math.ceil(Math.log2(Math.max(...positive))) : 1
  if (high <= low) high = low + 1
  const x = (tokens: number) =>
    tokens <= 0
      ? area.left
      : area.left + ((Math.log2(tokens) - low) / (high - low)) * (area.right - area.left)
  const y = (accuracy: number) => area.bottom - accuracy * (area.bottom - area.top)
  const exponents = Array.from({ length: high - low + 1 }, (_, index) => low + index)
  const step = Math.max(1, Math.ceil(exponents.length / 8))
  return {
    points: points.map((point) => ({ ...point, x: x(point.tokens), y: y(point.accuracy) })),
    xTicks: exponents
      .filter((_, index) => index % step === 0)
      .map((exponent) => ({ value: 2 ** exponent, x: x(2 ** exponent) })),
    yTicks: [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, y: y(value) })),
    area,
  }
}

/** True when a returned answer matches the expected one (trimmed, thousands separators ignored). */
export function answersMatch(answer: string | undefined, expected: string): boolean {
  if (answer === undefined) return false
  const clean = (text: string) => text.trim().replace(/,/g, '').replace(/\.$/, '')
  return clean(answer) === clean(expected)
}
