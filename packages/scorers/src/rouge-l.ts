// MBR utility: ROUGE-L (longest common subsequence of words) as computed by Google's
// rouge-score package without stemming.

/** Precision, recall and F1 of a ROUGE comparison, each in [0, 1]. */
export interface RougeScore {
  /** LCS length / prediction length. */
  precision: number
  /** LCS length / target length. */
  recall: number
  /** 2PR / (P + R), 0 when both are 0. */
  fmeasure: number
}

/** rouge-score's tokenisation: lower case, non-alphanumeric characters as separators. */
export function tokenizeRouge(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(/\s+/)
    .filter((token) => /^[a-z0-9]+$/.test(token))
}

function lcsLength(first: readonly string[], second: readonly string[]): number {
  let previous = new Array<number>(second.length + 1).fill(0)
  let current = new Array<number>(second.length + 1).fill(0)
  for (let i = 1; i <= first.length; i++) {
    for (let j = 1; j <= second.length; j++) {
      current[j] =
        first[i - 1] === second[j - 1]
          ? (previous[j - 1] as number) + 1
          : Math.max(previous[j] as number, current[j - 1] as number)
    }
    ;[previous, current] = [current, previous]
  }
  return previous[second.length] as number
}

/**
 * ROUGE-L of `prediction` against `target` (rouge-score's `RougeScorer(['rougeL']).score(target,
 * prediction)`). All zeros when either side has no tokens.
 */
export function rougeL(prediction: string, target: string): RougeScore {
  const predictionTokens = tokenizeRouge(prediction)
  const targetTokens = tokenizeRouge(target)
  if (predictionTokens.length === 0 || targetTokens.length === 0) {
    return { precision: 0, recall: 0, fmeasure: 0 }
  }
  const lcs = lcsLength(targetTokens, predictionTokens)
  const precision = lcs / predictionTokens.length
  const recall = lcs / targetTokens.length
  const fmeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
  return { precision, recall, fmeasure }
}

/** ROUGE-L F1 as a TextSimilarity (second argument = reference). */
export function rougeLSimilarity(candidate: string, reference: string): number {
  return rougeL(candidate, reference).fmeasure
}
