// Edit, answer-match and cosine similarities, and the similarity matrix.
import { describe, expect, it } from 'vitest'
import { createAnswerMatchSimilarity } from './answer-match-similarity.js'
import { cosineSimilarity, createEmbeddingSimilarity } from './cosine-similarity.js'
import { editSimilarity, levenshteinDistance } from './edit-similarity.js'
import { similarityMatrix } from './text-similarity.js'

describe('MBR similarities', () => {
  it('edit similarity: Levenshtein over code points, normalised by the longer length', () => {
    expect(levenshteinDistance('kitten', 'sitting')).toBe(3)
    expect(editSimilarity('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7, 12)
    expect(editSimilarity('', '')).toBe(1)
    expect(editSimilarity('abc', '')).toBe(0)
    expect(editSimilarity('😀a', '😀b')).toBe(0.5)
  })

  it('answer match: 1 for the same extracted answer, 0 otherwise', () => {
    const similarity = createAnswerMatchSimilarity({
      extractAnswer: (text) => /The answer is (-?\d+)\./.exec(text)?.[1],
    })
    expect(similarity('x. The answer is 5.', 'y. The answer is 05.')).toBe(1)
    expect(similarity('The answer is 5.', 'The answer is 6.')).toBe(0)
    expect(similarity('no answer', 'no answer')).toBe(0)
  })

  it('cosine: the usual values, clear errors instead of NaN', async () => {
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0)
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1, 12)
    expect(cosineSimilarity([1, 0], [-1, 0])).toBe(-1)
    expect(() => cosineSimilarity([0, 0], [1, 0])).toThrow(/zero vector/)
    expect(() => cosineSimilarity([1, 0], [1, 0, 0])).toThrow(/same non-zero length/)
    const embeddings = createEmbeddingSimilarity({
      embed: async (texts) => texts.map((text) => [text.length, 1]),
    })
    const matrix = await embeddings.similarityMatrix(['a', 'bb'])
    expect(matrix[0]?.[0]).toBeCloseTo(1, 12)
    expect(matrix[0]?.[1]).toBeCloseTo(3 / Math.sqrt(2 * 5), 12)
    const broken = createEmbeddingSimilarity({ embed: async () => [[1, 0]] })
    await expect(broken.similarityMatrix(['a', 'b'])).rejects.toThrow(/2 vectors, one per text/)
  })

  it('similarity matrix: every pair, errors on non-finite similarities', () => {
    expect(similarityMatrix(['a', 'ab'], editSimilarity)).toEqual([
      [1, 0.5],
      [0.5, 1],
    ])
    expect(() => similarityMatrix(['a', 'b'], () => Number.NaN)).toThrow(/finite number/)
  })
})
