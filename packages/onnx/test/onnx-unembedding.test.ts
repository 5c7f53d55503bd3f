// The unembedding accessor on real models: every logits row the model outputs must lie in the
// column space of the W it returns (logits = W h, no LM-head bias in these models).
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tinymathModelPaths } from '@metagen/tinymath'
import { describe, expect, it } from 'vitest'
import { loadOnnxTokenModel, readUnembeddingMatrix } from '../dist/index.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

/** ||l - W h*|| / ||l|| for the least-squares h* (normal equations in float64). */
function relativeResidual(
  matrix: Float32Array,
  vocabSize: number,
  hiddenSize: number,
  logits: Float32Array,
): number {
  const gram = Array.from({ length: hiddenSize }, () => new Float64Array(hiddenSize + 1))
  for (let v = 0; v < vocabSize; v++) {
    for (let i = 0; i < hiddenSize; i++) {
      const wi = matrix[v * hiddenSize + i] as number
      const row = gram[i] as Float64Array
      for (let j = 0; j < hiddenSize; j++)
        row[j] = (row[j] as number) + wi * (matrix[v * hiddenSize + j] as number)
      row[hiddenSize] = (row[hiddenSize] as number) + wi * (logits[v] as number)
    }
  }
  // Gaussian elimination with partial pivoting.
  for (let column = 0; column < hiddenSize; column++) {
    let pivot = column
    for (let row = column + 1; row < hiddenSize; row++) {
      if (Math.abs(gram[row]![column]!) > Math.abs(gram[pivot]![column]!)) pivot = row
    }
    ;[gram[column], gram[pivot]] = [gram[pivot]!, gram[column]!]
    for (let row = column + 1; row < hiddenSize; row++) {
      const factor = gram[row]![column]! / gram[column]![column]!
      for (let k = column; k <= hiddenSize; k++) gram[row]![k]! -= factor * gram[column]![k]!
    }
  }
  const h = new Float64Array(hiddenSize)
  for (let row = hiddenSize - 1; row >= 0; row--) {
    let sum = gram[row]![hiddenSize]!
    for (let k = row + 1; k < hiddenSize; k++) sum -= gram[row]![k]! * h[k]!
    h[row] = sum / gram[row]![row]!
  }
  let residual = 0
  let norm = 0
  for (let v = 0; v < vocabSize; v++) {
    let fitted = 0
    for (let i = 0; i < hiddenSize; i++) fitted += (matrix[v * hiddenSize + i] as number) * h[i]!
    residual += (logits[v]! - fitted) ** 2
    norm += logits[v]! ** 2
  }
  return Math.sqrt(residual / norm)
}

describe('readUnembeddingMatrix', () => {
  for (const [name, folder] of [
    ['tinymath-draft', tinymathModelPaths['tinymath-draft']],
    ['llama-gqa (tied embeddings)', join(fixtures, 'llama-gqa')],
  ] as const) {
    it(`${name}: the model's logits lie in the column space of W`, async () => {
      const unembedding = readUnembeddingMatrix(join(folder, 'onnx', 'model.onnx'))
      const model = await loadOnnxTokenModel(folder, { modelId: name })
      try {
        expect(unembedding.vocabSize).toBe(model.vocabSize)
        expect(unembedding.matrix).toHaveLength(unembedding.vocabSize * unembedding.hiddenSize)
        expect(unembedding.hiddenSize).toBeLessThan(unembedding.vocabSize)
        const sequence = model.createSequence()
        const [result] = await model.extend([{ sequence, tokens: model.tokenizer.encode('12+3') }])
        sequence.dispose()
        const residual = relativeResidual(
          unembedding.matrix,
          unembedding.vocabSize,
          unembedding.hiddenSize,
          result!.logits,
        )
        expect(residual).toBeLessThan(1e-3)
        // A random vector of the same size is far from that subspace (the test has power).
        const random = Float32Array.from(
          result!.logits,
          (_, index) => Math.sin(index * 12.9898) * 3,
        )
        expect(
          relativeResidual(
            unembedding.matrix,
            unembedding.vocabSize,
            unembedding.hiddenSize,
            random,
          ),
        ).toBeGreaterThan(0.3)
      } finally {
        await model.close()
      }
    })
  }

  it('names the obstacle for a file that is not a float LM head', () => {
    expect(() =>
      readUnembeddingMatrix(join(fixtures, 'llama-gqa', 'onnx', 'model_quantized.onnx')),
    ).toThrow(/LM head|quantized|data type/)
    expect(() => readUnembeddingMatrix(join(fixtures, 'llama-gqa', 'config.json'))).toThrow()
  })
})
