import { createRng } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { createBasisAwareTruncation } from './basis-aware-truncation.js'

/** Solves the square system M x = y (Gaussian elimination, partial pivoting); undefined if singular. */
function solveSquare(matrix: number[][], right: number[]): number[] | undefined {
  const size = right.length
  const rows = matrix.map((row, index) => [...row, right[index]!])
  for (let column = 0; column < size; column++) {
    let pivot = column
    for (let row = column + 1; row < size; row++) {
      if (Math.abs(rows[row]![column]!) > Math.abs(rows[pivot]![column]!)) pivot = row
    }
    if (Math.abs(rows[pivot]![column]!) < 1e-10) return undefined
    ;[rows[column], rows[pivot]] = [rows[pivot]!, rows[column]!]
    for (let row = 0; row < size; row++) {
      if (row === column) continue
      const factor = rows[row]![column]! / rows[column]![column]!
      for (let k = column; k <= size; k++) rows[row]![k]! -= factor * rows[column]![k]!
    }
  }
  return rows.map((row, index) => row[size]! / row[index]!)
}

function* subsets(size: number, count: number, start = 0): Generator<number[]> {
  if (count === 0) {
    yield []
    return
  }
  for (let first = start; first <= size - count; first++) {
    for (const rest of subsets(size, count - 1, first + 1)) yield [first, ...rest]
  }
}

/**
 * The paper's definition evaluated by an independent exact method for small vocabularies:
 * min { p_v : p in F } over the vertices of F (a linear objective is minimised at a vertex, and
 * every vertex is a basic feasible solution on d + 1 columns). Returns the kept tokens.
 */
function keptByVertexEnumeration(
  matrix: Float32Array,
  vocabSize: number,
  hiddenSize: number,
  logits: Float32Array,
  threshold: number,
  tolerance: number,
): number[] {
  const max = Math.max(...logits)
  const exps = Array.from(logits, (value) => Math.exp(value - max))
  const total = exps.reduce((a, b) => a + b, 0)
  const p = exps.map((value) => value / total)
  const lower = p.map((value) => Math.max(0, value - threshold))
  const column = (token: number) => [
    ...Array.from({ length: hiddenSize }, (_, row) => matrix[token * hiddenSize + row]!),
    1,
  ]
  // A q = b - A lower, q >= 0, with b = A p.
  const rows = hiddenSize + 1
  const right = Array.from({ length: rows }, (_, row) =>
    p.reduce((sum, value, token) => sum + column(token)[row]! * (value - lower[token]!), 0),
  )
  const minimum = new Array<number>(vocabSize).fill(Number.POSITIVE_INFINITY)
  for (const support of subsets(vocabSize, rows)) {
    const square = Array.from({ length: rows }, (_, row) =>
      support.map((token) => column(token)[row]!),
    )
    const q = solveSquare(square, right)
    if (!q || q.some((value) => value < -1e-9)) continue
    for (let token = 0; token < vocabSize; token++) {
      const index = support.indexOf(token)
      const value = lower[token]! + (index === -1 ? 0 : Math.max(0, q[index]!))
      minimum[token] = Math.min(minimum[token]!, value)
    }
  }
  return minimum.flatMap((value, token) => (value > tolerance ? [token] : []))
}

function randomModel(seed: number, vocabSize: number, hiddenSize: number) {
  const rng = createRng(seed)
  const matrix = Float32Array.from({ length: vocabSize * hiddenSize }, () => rng.next() * 2 - 1)
  const hidden = Array.from({ length: hiddenSize }, () => (rng.next() * 2 - 1) * 3)
  const logits = Float32Array.from({ length: vocabSize }, (_, token) =>
    hidden.reduce((sum, value, index) => sum + matrix[token * hiddenSize + index]! * value, 0),
  )
  return { matrix, logits }
}

describe('basis-aware truncation (Finlayson et al. 2024)', () => {
  it('keeps exactly the tokens whose minimum feasible probability is positive, on 60 small random models', async () => {
    let keptSome = 0
    let droppedSome = 0
    for (let seed = 0; seed < 60; seed++) {
      const vocabSize = 5 + (seed % 4)
      const hiddenSize = 1 + (seed % 3)
      const threshold = [1, 0.3, 0.1][seed % 3]!
      const { matrix, logits } = randomModel(seed, vocabSize, hiddenSize)
      const truncation = await createBasisAwareTruncation({
        unembedding: { matrix, vocabSize, hiddenSize },
        threshold,
      })
      const kept = truncation.keptTokens(logits)
      truncation.dispose()
      const expected = keptByVertexEnumeration(
        matrix,
        vocabSize,
        hiddenSize,
        logits,
        threshold,
        1e-7,
      )
      expect(kept, `seed ${seed}`).toEqual(expected)
      if (kept.length > 0) keptSome++
      if (kept.length < vocabSize) droppedSome++
    }
    // The cases are not degenerate: tokens are both kept and dropped across them.
    expect(keptSome).toBeGreaterThan(20)
    expect(droppedSome).toBeGreaterThan(20)
  })

  it('keeps every token above the threshold, and the processor masks the rest', async () => {
    const vocabSize = 12
    const hiddenSize = 3
    const { matrix, logits } = randomModel(99, vocabSize, hiddenSize)
    const truncation = await createBasisAwareTruncation({
      unembedding: { matrix, vocabSize, hiddenSize },
      threshold: 0.05,
    })
    const kept = truncation.keptTokens(logits)
    const max = Math.max(...logits)
    const total = Array.from(logits).reduce((sum, value) => sum + Math.exp(value - max), 0)
    for (let token = 0; token < vocabSize; token++) {
      if (Math.exp(logits[token]! - max) / total > 0.05 + 1e-6) expect(kept).toContain(token)
    }
    const row = truncation.processor(logits, { tokens: [1], generatedCount: 0, eosTokenIds: [] })
    for (let token = 0; token < vocabSize; token++) {
      expect(row[token]).toBe(kept.includes(token) ? logits[token] : Number.NEGATIVE_INFINITY)
    }
    expect(truncation.stats()).toMatchObject({ rows: 2, keptTokens: 2 * kept.length })
    truncation.dispose()
    expect(() => truncation.keptTokens(logits)).toThrow(/disposed/)
  })

  it('rejects a bad matrix, threshold or tolerance', async () => {
    const unembedding = { matrix: new Float32Array(6), vocabSize: 3, hiddenSize: 2 }
    await expect(createBasisAwareTruncation({ unembedding, threshold: 0 })).rejects.toThrow(
      /threshold/,
    )
    await expect(
      createBasisAwareTruncation({ unembedding, threshold: 0.1, tolerance: -1 }),
    ).rejects.toThrow(/tolerance/)
    await expect(
      createBasisAwareTruncation({ unembedding: { ...unembedding, vocabSize: 4 }, threshold: 0.1 }),
    ).rejects.toThrow(/unembedding/)
  })
})
