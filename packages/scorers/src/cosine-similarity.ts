// MBR utility: cosine similarity over embeddings that the user supplies (any embedding model).
import { InvalidArgumentError } from '@metagen/core'

/**
 * Cosine of the angle between two vectors, in [-1, 1]. Throws {@link InvalidArgumentError} on
 * empty vectors, different lengths, non-finite entries or a zero vector (cosine undefined).
 */
export function cosineSimilarity(first: ArrayLike<number>, second: ArrayLike<number>): number {
  if (first.length === 0 || first.length !== second.length) {
    throw new InvalidArgumentError({
      argument: 'second',
      expected: `a vector of the same non-zero length as the first (${first.length})`,
      received: `a vector of length ${second.length}`,
    })
  }
  let dot = 0
  let firstNorm = 0
  let secondNorm = 0
  for (let index = 0; index < first.length; index++) {
    const x = first[index] as number
    const y = second[index] as number
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new InvalidArgumentError({
        argument: `vectors[${index}]`,
        expected: 'finite numbers',
        received: [x, y],
      })
    }
    dot += x * y
    firstNorm += x * x
    secondNorm += y * y
  }
  if (firstNorm === 0 || secondNorm === 0) {
    throw new InvalidArgumentError({
      argument: firstNorm === 0 ? 'first' : 'second',
      expected: 'a non-zero vector (the cosine of a zero vector is undefined)',
      received: 'a zero vector',
    })
  }
  return Math.max(-1, Math.min(1, dot / Math.sqrt(firstNorm * secondNorm)))
}

/** Embeds texts: one vector per text, all of the same length. */
export type EmbedTexts = (texts: string[]) => Promise<ArrayLike<number>[]>

/** Pairwise cosine similarities of texts under a user-supplied embedding function. */
export interface EmbeddingSimilarity {
  /** `m[i][j]` = cosine(embed(texts[i]), embed(texts[j])), with one `embed` call for all texts. */
  similarityMatrix(texts: readonly string[]): Promise<number[][]>
}

/**
 * Cosine similarity over `embed`. Throws {@link InvalidArgumentError} when `embed` returns a
 * different number of vectors than texts, or vectors that {@link cosineSimilarity} rejects.
 */
export function createEmbeddingSimilarity(options: { embed: EmbedTexts }): EmbeddingSimilarity {
  if (typeof options?.embed !== 'function') {
    throw new InvalidArgumentError({
      argument: 'embed',
      expected: 'a function (texts) => Promise<number[][]>',
      received: options?.embed,
    })
  }
  const embed = options.embed
  return {
    async similarityMatrix(texts) {
      if (!Array.isArray(texts) || texts.some((text) => typeof text !== 'string')) {
        throw new InvalidArgumentError({
          argument: 'texts',
          expected: 'an array of strings',
          received: texts,
        })
      }
      if (texts.length === 0) return []
      const vectors = await embed([...texts])
      if (!Array.isArray(vectors) || vectors.length !== texts.length) {
        throw new InvalidArgumentError({
          argument: 'embed(texts)',
          expected: `${texts.length} vectors, one per text`,
          received: Array.isArray(vectors) ? `${vectors.length} vectors` : vectors,
        })
      }
      return vectors.map((row) => vectors.map((column) => cosineSimilarity(row, column)))
    },
  }
}
