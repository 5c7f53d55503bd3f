// The shape of MBR utilities (similarities between two outputs) and the pairwise matrix that
// minimum-Bayes-risk selection needs.
import { InvalidArgumentError } from '@metagen/core'

/**
 * Similarity of a candidate to a pseudo-reference, in [0, 1], higher is more similar. Not
 * necessarily symmetric (BLEU, chrF and ROUGE-L treat the second argument as the reference).
 */
export type TextSimilarity = (candidate: string, reference: string) => number

/**
 * The n x n matrix `m[i][j] = similarity(texts[i], texts[j])`. The diagonal is computed too
 * (MBR usually skips it). Throws {@link InvalidArgumentError} when a similarity is not finite.
 */
export function similarityMatrix(texts: readonly string[], similarity: TextSimilarity): number[][] {
  if (!Array.isArray(texts)) {
    throw new InvalidArgumentError({
      argument: 'texts',
      expected: 'an array of strings',
      received: texts,
    })
  }
  if (typeof similarity !== 'function') {
    throw new InvalidArgumentError({
      argument: 'similarity',
      expected: 'a function (candidate, reference) => number',
      received: similarity,
    })
  }
  return texts.map((candidate, row) =>
    texts.map((reference, column) => {
      const value = similarity(candidate, reference)
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidArgumentError({
          argument: `similarity(texts[${row}], texts[${column}])`,
          expected: 'a finite number',
          received: value,
        })
      }
      return value
    }),
  )
}
