// MBR utility: normalised edit similarity, 1 - Levenshtein distance / length of the longer text.

/** Levenshtein distance between two strings, over Unicode code points (unit costs). */
export function levenshteinDistance(first: string, second: string): number {
  const a = Array.from(first)
  const b = Array.from(second)
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  let current = new Array<number>(b.length + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        substitution,
      )
    }
    ;[previous, current] = [current, previous]
  }
  return previous[b.length] as number
}

/**
 * 1 - levenshteinDistance / max(code-point length): 1 for equal strings (two empty strings
 * included), 0 when nothing is shared. Symmetric, in [0, 1].
 */
export function editSimilarity(first: string, second: string): number {
  const length = Math.max(Array.from(first).length, Array.from(second).length)
  if (length === 0) return 1
  return 1 - levenshteinDistance(first, second) / length
}
