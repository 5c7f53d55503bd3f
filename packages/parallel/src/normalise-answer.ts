// The default answer normaliser: maps answers that mean the same to the same vote key.

/**
 * Normalises an extracted answer into a vote key: trims, drops a trailing period, surrounding
 * `$` and a leading `$` sign, lower-cases, collapses inner whitespace, and writes numbers in
 * canonical form (`1,000` and `1000.0` become `1000`, `-0` becomes `0`). Two answers get the
 * same vote only when their keys are equal.
 */
export function normaliseAnswer(answer: string): string {
  let key = answer.trim().replace(/\s+/g, ' ')
  key = key.replace(/^\$+|\$+$/g, '').trim()
  key = key.replace(/[.;,]+$/, '').trim()
  const numeric = key.replace(/,(?=\d{3}(?:\D|$))/g, '')
  if (/^[-+]?\$?\d+(?:\.\d+)?$/.test(numeric)) {
    const value = Number(numeric.replace('$', ''))
    if (Number.isFinite(value)) return String(value === 0 ? 0 : value)
  }
  return key.toLowerCase()
}
