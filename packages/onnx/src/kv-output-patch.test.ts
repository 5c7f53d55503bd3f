import { readFileSync } from 'node:fs'
import { tinymathModelPaths } from '@metagen/tinymath'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { newKvOutputName, PAST_LENGTH_INPUT, patchNewKvOutputs } from './kv-output-patch.js'

const generatorFile = `${tinymathModelPaths['tinymath-generator']}/onnx/model.onnx`

describe('patchNewKvOutputs', () => {
  it('adds outputs that hold exactly the positions a pass appends to each present tensor', async () => {
    const bytes = new Uint8Array(readFileSync(generatorFile))
    const patched = patchNewKvOutputs(bytes) as Uint8Array
    expect(patched).toBeDefined()
    const session = await ort.InferenceSession.create(patched, { intraOpNumThreads: 1 })
    expect(session.inputNames).toContain(PAST_LENGTH_INPUT)
    for (let layer = 0; layer < 4; layer++) {
      for (const part of ['key', 'value']) {
        expect(session.outputNames).toContain(newKvOutputName(`present.${layer}.${part}`))
      }
    }
    const past = 5
    const window = 3
    const heads = 4
    const headSize = 64
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from([7n, 8n, 9n]), [1, window]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(past + window).fill(1n), [
        1,
        past + window,
      ]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from([5n, 6n, 7n]), [1, window]),
      [PAST_LENGTH_INPUT]: new ort.Tensor('int64', BigInt64Array.of(BigInt(past)), [1]),
    }
    for (const input of session.inputNames.filter((name) => name.startsWith('past_'))) {
      const values = Float32Array.from({ length: heads * past * headSize }, (_, i) => Math.sin(i))
      feeds[input] = new ort.Tensor('float32', values, [1, heads, past, headSize])
    }
    const outputs = await session.run(feeds)
    for (const name of session.outputNames.filter((output) => output.startsWith('present.'))) {
      const present = outputs[name] as ort.Tensor
      const added = outputs[newKvOutputName(name)] as ort.Tensor
      expect(added.dims).toEqual([1, heads, window, headSize])
      const presentData = present.data as Float32Array
      const expected: number[] = []
      for (let head = 0; head < heads; head++) {
        const start = (head * (past + window) + past) * headSize
        expected.push(...presentData.subarray(start, start + window * headSize))
      }
      expect(Array.from(added.data as Float32Array)).toEqual(expected)
    }
    await session.release()
  })

  it('leaves models without present outputs, and bytes that are not a model, alone', () => {
    const verifier = `${tinymathModelPaths['tinymath-verifier']}/onnx/model.onnx`
    expect(patchNewKvOutputs(new Uint8Array(readFileSync(verifier)))).toBeUndefined()
    expect(patchNewKvOutputs(Uint8Array.from([0xff, 0xff, 0xff]))).toBeUndefined()
    expect(patchNewKvOutputs(new Uint8Array(0))).toBeUndefined()
  })
})
