// Number formatting for the counters and the details panel. Pure functions.

/** An integer with thin grouping (`12 345`); non-finite values as `-`. */
export function formatCount(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-'
  return Math.round(value).toLocaleString('en-US').replace(/,/g, '\u202f')
}

/** FLOPs with an SI prefix (`1.71 GFLOP`); undefined as `-`. */
export function formatFlops(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-'
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P', 'E']
  let scaled = value
  let index = 0
  while (Math.abs(scaled) >= 1000 && index < prefixes.length - 1) {
    scaled /= 1000
    index++
  }
  return `${scaled.toFixed(scaled >= 100 || index === 0 ? 0 : 2)} ${prefixes[index]}FLOP`
}

/** US dollars: 4 significant digits below one cent, else cents (`$0.0123`, `$1.50`). */
export function formatUsd(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-'
  if (value === 0) return '$0'
  return value < 0.01 ? `$${value.toPrecision(3)}` : `$${value.toFixed(2)}`
}

/** Seconds with two decimals below 10 s, one above (`0.42 s`, `12.3 s`). */
export function formatSeconds(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-'
  return `${value.toFixed(value < 10 ? 2 : 1)} s`
}

/** A score with three decimals, or `n/a`. */
export function formatScore(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(3) : 'n/a'
}

/** The fraction `used / limit` in [0, 1] for a progress bar (0 without a limit). */
export function budgetFraction(used: number | undefined, limit: number | undefined): number {
  if (!limit || limit <= 0 || used === undefined || !Number.isFinite(used)) return 0
  return Math.min(1, Math.max(0, used / limit))
}
