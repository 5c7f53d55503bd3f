import { tinymathModelPaths } from '@metagen/tinymath'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { createModelSession } from './model-session.js'

const verifierFile = `${tinymathModelPaths['tinymath-verifier']}/onnx/model.onnx`

function feedsOf(tokens: number[]): Record<string, ort.Tensor> {
  const ids = BigInt64Array.from(tokens.map(BigInt))
  return {
    input_ids: new ort.Tensor('int64', ids, [1, tokens.length]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(tokens.length).fill(1n), [
      1,
      tokens.length,
    ]),
    position_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(tokens.map((_, index) => BigInt(index))),
      [1, tokens.length],
    ),
  }
}

describe('createModelSession', () => {
  it("runs onnxruntime-node's native session synchronously, with the public API's metadata and outputs", async () => {
    const { session } = await createModelSession(verifierFile, { threads: 1, spinning: 'never' })
    // The pinned onnxruntime-node has its native session where model-session.ts looks for it:
    // a silent fall-back to the public API would lose the per-pass saving.
    expect(session.direct).toBe(true)
    const reference = await ort.InferenceSession.create(verifierFile, { intraOpNumThreads: 1 })
    expect(session.inputMetadata.map((value) => value.name)).toEqual(reference.inputNames)
    expect(session.outputMetadata.map((value) => value.name)).toEqual(reference.outputNames)
    for (const [index, value] of session.inputMetadata.entries()) {
      const expected = reference.inputMetadata[index] as ort.InferenceSession.ValueMetadata
      expect(expected.isTensor).toBe(true)
      if (expected.isTensor) {
        expect(value.type).toBe(expected.type)
        expect(value.shape).toEqual([...expected.shape])
      }
    }
    const tokens = [5, 17, 42, 9, 3]
    const outputs = session.run(feedsOf(tokens), ['token_scores'])
    expect(outputs).not.toBeInstanceOf(Promise)
    const direct = (outputs as Record<string, ort.Tensor>).token_scores as ort.Tensor
    const expected = (await reference.run(feedsOf(tokens), ['token_scores']))
      .token_scores as ort.Tensor
    expect(direct.dims).toEqual(expected.dims)
    expect(Array.from(direct.data as Float32Array)).toEqual(
      Array.from(expected.data as Float32Array),
    )
    await reference.release()
    await session.release()
  })

  it('names the output when asked for one the model does not have, and refuses runs after release', async () => {
    const { session } = await createModelSession(verifierFile, { threads: 1, spinning: 'never' })
    expect(() => session.run(feedsOf([5, 6]), ['logits'])).toThrow(/no output "logits"/)
    await session.release()
    expect(() => session.run(feedsOf([5, 6]), ['token_scores'])).toThrow(/released/)
  })
})
