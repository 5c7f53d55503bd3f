// The load-time graph simplification (src/simplify-graph.ts) on real models: every tinymath model
// and every fixture export (fp32, fp16, 8-bit and 4-bit quantized, torch- and optimum-style)
// gives bit-identical outputs simplified and as exported, on prefill and decode inputs with
// batch > 1, left padding and a non-empty cache; the node count drops (a silent no-op fails);
// and what the pass cannot handle is left alone.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tinymathModelPaths } from '@metagen/tinymath'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { loadOnnxTokenModel } from '../dist/index.js'
import { createModelSession } from '../src/model-session.js'
import { readOnnxGraph } from '../src/onnx-graph.js'
import { simplifyGraph } from '../src/simplify-graph.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const tinymath = ['tinymath-generator', 'tinymath-draft', 'tinymath-verifier'] as const
const models: Array<{ label: string; file: string }> = [
  ...tinymath.map((name) => ({ label: name, file: `${tinymathModelPaths[name]}/onnx/model.onnx` })),
  ...readdirSync(fixtures, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'unsupported-hybrid')
    .flatMap((entry) =>
      readdirSync(join(fixtures, entry.name, 'onnx'))
        .filter((file) => file.endsWith('.onnx'))
        .map((file) => ({
          label: `${entry.name}/${file}`,
          file: join(fixtures, entry.name, 'onnx', file),
        })),
    ),
]

interface Case {
  rows: number
  past: number
  window: number
  /** Left padding of the second row. */
  padding: number
}

const cases: Case[] = [
  { rows: 1, past: 0, window: 6, padding: 0 },
  { rows: 2, past: 0, window: 5, padding: 2 },
  { rows: 2, past: 4, window: 3, padding: 2 },
  { rows: 3, past: 7, window: 1, padding: 3 },
]

function dimOf(dim: number | string | undefined, fallback: number): number {
  return typeof dim === 'number' && dim > 0 ? dim : fallback
}

/** Feeds for every input the session declares, for one case. */
function feedsFor(session: ort.InferenceSession, testCase: Case): Record<string, ort.Tensor> {
  const { rows, padding } = testCase
  // A model without a cache (the verifier) sees the whole sequence in one window.
  const cached = session.inputNames.some((name) => name.startsWith('past_key_values.'))
  const past = cached ? testCase.past : 0
  const window = cached ? testCase.window : testCase.past + testCase.window
  const total = past + window
  const feeds: Record<string, ort.Tensor> = {}
  const mask = new BigInt64Array(rows * total).fill(1n)
  // Every row keeps at least one attended position.
  for (let column = 0; column < Math.min(padding, total - 1); column++) {
    if (rows > 1) mask[total + column] = 0n
  }
  for (const metadata of session.inputMetadata) {
    if (!metadata.isTensor) throw new Error(`${metadata.name} is not a tensor`)
    const name = metadata.name
    if (name === 'input_ids') {
      const ids = BigInt64Array.from({ length: rows * window }, (_, i) =>
        BigInt(3 + ((i * 7) % 40)),
      )
      feeds[name] = new ort.Tensor('int64', ids, [rows, window])
    } else if (name === 'attention_mask') {
      feeds[name] = new ort.Tensor('int64', mask, [rows, total])
    } else if (name === 'position_ids') {
      const positions = new BigInt64Array(rows * window)
      for (let row = 0; row < rows; row++) {
        let position = 0
        for (let column = 0; column < total; column++) {
          const attended = mask[row * total + column] === 1n
          if (column >= past)
            positions[row * window + column - past] = BigInt(attended ? position : 1)
          if (attended) position++
        }
      }
      feeds[name] = new ort.Tensor('int64', positions, [rows, window])
    } else if (name === 'num_logits_to_keep') {
      feeds[name] = new ort.Tensor('int64', BigInt64Array.of(0n), [])
    } else if (name === 'use_cache_branch') {
      feeds[name] = new ort.Tensor('bool', Uint8Array.of(past > 0 ? 1 : 0), [1])
    } else if (name.startsWith('past_key_values.')) {
      const heads = dimOf(metadata.shape[1], 1)
      const size = dimOf(metadata.shape[3], 1)
      const count = rows * heads * past * size
      const values = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37))
      feeds[name] =
        metadata.type === 'float16'
          ? new ort.Tensor('float16', toFloat16Bits(values), [rows, heads, past, size])
          : new ort.Tensor('float32', values, [rows, heads, past, size])
    } else {
      throw new Error(`the test has no feed for input ${name}`)
    }
  }
  return feeds
}

function toFloat16Bits(values: Float32Array): Uint16Array {
  const view = new DataView(new ArrayBuffer(4))
  return Uint16Array.from(values, (value) => {
    view.setFloat32(0, value)
    const bits = view.getUint32(0)
    const sign = (bits >>> 16) & 0x8000
    const exponent = ((bits >>> 23) & 0xff) - 127 + 15
    if (exponent <= 0) return sign
    return sign | (exponent << 10) | ((bits >>> 13) & 0x3ff)
  })
}

function bytesOf(tensor: ort.Tensor): Uint8Array {
  const data = tensor.data as ArrayBufferView
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

const options: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  graphOptimizationLevel: 'all',
}

describe('simplifyGraph', () => {
  for (const { label, file } of models) {
    it(`${label}: folds shape computations and gives bit-identical outputs`, async () => {
      const original = new Uint8Array(readFileSync(file))
      const simplified = simplifyGraph(original)
      expect(simplified).toBeDefined()
      if (simplified === undefined) return
      expect(simplified.foldedReshapes).toBeGreaterThan(0)
      expect(simplified.nodesAfter).toBeLessThan(simplified.nodesBefore)
      expect(readOnnxGraph(simplified.model).nodes.length).toBe(simplified.nodesAfter)
      const before = await ort.InferenceSession.create(original, options)
      const after = await ort.InferenceSession.create(simplified.model, options)
      try {
        expect(after.inputNames).toEqual(before.inputNames)
        expect(after.outputNames).toEqual(before.outputNames)
        for (const testCase of cases) {
          const feeds = feedsFor(before, testCase)
          const expected = await before.run(feeds)
          const actual = await after.run(feeds)
          for (const name of before.outputNames) {
            const want = expected[name] as ort.Tensor
            const got = actual[name] as ort.Tensor
            expect(got.dims, `${name} ${JSON.stringify(testCase)}`).toEqual(want.dims)
            expect(got.type).toBe(want.type)
            expect(
              Buffer.compare(bytesOf(got), bytesOf(want)),
              `${name} differs for ${JSON.stringify(testCase)}`,
            ).toBe(0)
          }
        }
      } finally {
        await before.release()
        await after.release()
      }
    })
  }

  it('removes most of tinymath-generator shape nodes: all 16 Reshape targets become constants', () => {
    const file = `${tinymathModelPaths['tinymath-generator']}/onnx/model.onnx`
    const simplified = simplifyGraph(new Uint8Array(readFileSync(file)))
    expect(simplified?.foldedReshapes).toBe(16)
    const before = readOnnxGraph(new Uint8Array(readFileSync(file))).nodes
    const after = readOnnxGraph(simplified?.model as Uint8Array).nodes
    const count = (nodes: typeof before, op: string) => nodes.filter((n) => n.opType === op).length
    expect(count(before, 'Shape')).toBeGreaterThan(0)
    expect(count(after, 'Shape')).toBeLessThan(count(before, 'Shape'))
    expect(count(after, 'Concat')).toBeLessThan(count(before, 'Concat'))
    expect(count(after, 'Reshape')).toBe(16)
  })

  it('leaves alone what it cannot handle: non-models, graphs with nothing to fold, IR < 4', () => {
    expect(simplifyGraph(Uint8Array.from([0xff, 0xff, 0xff]))).toBeUndefined()
    expect(simplifyGraph(new Uint8Array(0))).toBeUndefined()
    const hybrid = join(fixtures, 'unsupported-hybrid', 'onnx', 'model.onnx')
    expect(simplifyGraph(new Uint8Array(readFileSync(hybrid)))).toBeUndefined()
    // ir_version is field 1 (a varint); rewriting it to 3 must stop the pass.
    const generator = new Uint8Array(
      readFileSync(`${tinymathModelPaths['tinymath-generator']}/onnx/model.onnx`),
    )
    expect(generator[0]).toBe(0x08)
    const old = generator.slice()
    old[1] = 3
    expect(simplifyGraph(old)).toBeUndefined()
    // A truncated model is not a model.
    expect(simplifyGraph(generator.subarray(0, 1000))).toBeUndefined()
  })
})

describe('createModelSession graph simplification', () => {
  const file = `${tinymathModelPaths['tinymath-generator']}/onnx/model.onnx`

  it('loads simplified by default, as exported with graphSimplification: false, same outputs', async () => {
    const simplified = await createModelSession(file, { threads: 1, spinning: 'never' })
    const exported = await createModelSession(file, {
      threads: 1,
      spinning: 'never',
      graphSimplification: false,
    })
    try {
      expect(simplified.graphSimplified).toBe(true)
      expect(simplified.slicedKv).toBe(true)
      expect(exported.graphSimplified).toBe(false)
      expect(exported.slicedKv).toBe(true)
      const reference = await ort.InferenceSession.create(file, options)
      const feeds = feedsFor(reference, { rows: 2, past: 3, window: 2, padding: 1 })
      await reference.release()
      feeds.metagen_past_length = new ort.Tensor('int64', BigInt64Array.of(3n), [1])
      const fetches = simplified.session.outputMetadata.map((value) => value.name)
      const left = await simplified.session.run(feeds, fetches)
      const right = await exported.session.run(feeds, fetches)
      for (const name of fetches) {
        expect(
          Buffer.compare(bytesOf(left[name] as ort.Tensor), bytesOf(right[name] as ort.Tensor)),
        ).toBe(0)
      }
    } finally {
      await simplified.session.release()
      await exported.session.release()
    }
  })
})

describe('loadOnnxTokenModel graphSimplification', () => {
  const folder = tinymathModelPaths['tinymath-generator']

  it('decodes the same tokens with the same logprobs simplified and as exported', async () => {
    const simplified = await loadOnnxTokenModel(folder, { threads: 1, spinning: 'never' })
    const exported = await loadOnnxTokenModel(folder, {
      threads: 1,
      spinning: 'never',
      graphSimplification: false,
    })
    try {
      const decode = async (model: typeof simplified) => {
        const sequence = model.createSequence()
        await model.extend([{ sequence, tokens: model.tokenizer.encode('Q: 12 + 30 = ?\nA:') }])
        const [result] = await (model.sampleTokens as NonNullable<typeof model.sampleTokens>)({
          sequences: [sequence],
          temperature: 0,
          maxTokens: 24,
          stopTokenIds: model.tokenizer.eosTokenIds,
        })
        sequence.dispose()
        return result
      }
      const expected = await decode(exported)
      const actual = await decode(simplified)
      expect(actual?.tokenIds.length).toBeGreaterThan(1)
      expect(actual?.tokenIds).toEqual(expected?.tokenIds)
      expect(actual?.logprobs).toEqual(expected?.logprobs)
    } finally {
      await simplified.close()
      await exported.close()
    }
  })

  it('rejects a graphSimplification that is not a boolean, naming it', async () => {
    await expect(
      loadOnnxTokenModel(folder, { graphSimplification: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/graphSimplification/)
  })
})
