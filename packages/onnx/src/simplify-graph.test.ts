import { concatBytes } from '@metagen/core'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { readOnnxGraph } from './onnx-graph.js'
import { int64Tensor, message, protoFields, strings, varintField } from './protobuf.js'
import { simplifyGraph } from './simplify-graph.js'

// A hand-built graph with the shape computations exporters write, and with the cases the pass
// must leave alone: a target whose symbol sits at another index than in the input, allowzero,
// and a target computed through an operator whose values inference does not track.

type Dim = number | string

function valueInfo(name: string, elementType: number, dims: readonly Dim[]): Uint8Array {
  const shape = message(
    2,
    dims.map((dim) =>
      message(1, [typeof dim === 'number' ? varintField(1, dim) : strings(2, [dim])]),
    ),
  )
  return concatBytes([
    strings(1, [name]),
    message(2, [message(1, [varintField(1, elementType), shape])]),
  ])
}

function attribute(name: string, value: number | number[]): Uint8Array {
  if (typeof value === 'number') {
    return message(5, [strings(1, [name]), varintField(3, BigInt(value)), varintField(20, 2)])
  }
  return message(5, [
    strings(1, [name]),
    ...value.map((item) => varintField(8, BigInt(item))),
    varintField(20, 7),
  ])
}

function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Uint8Array[] = [],
): Uint8Array {
  return message(1, [strings(1, inputs), strings(2, outputs), strings(4, [opType]), ...attributes])
}

const FLOAT = 1

function buildModel(): Uint8Array {
  const constant = (name: string, values: number[]) =>
    message(5, [int64Tensor(name, values.map(BigInt), [values.length])])
  const scalar = (name: string, value: number) =>
    message(5, [int64Tensor(name, [BigInt(value)], [])])
  const nodes = [
    node('Shape', ['x'], ['shape']),
    node('Gather', ['shape', 'zero'], ['batch'], [attribute('axis', 0)]),
    node('Gather', ['shape', 'one'], ['length'], [attribute('axis', 0)]),
    node('Unsqueeze', ['batch', 'axes0'], ['batch1']),
    node('Unsqueeze', ['length', 'axes0'], ['length1']),
    // [B, S, 2, 4]: folds to [0, 0, 2, 4].
    node('Concat', ['batch1', 'length1', 'two', 'four'], ['target1'], [attribute('axis', 0)]),
    node('Reshape', ['x', 'target1'], ['y1']),
    node('Transpose', ['y1'], ['heads'], [attribute('perm', [0, 2, 1, 3])]),
    node('Concat', ['past', 'heads'], ['kv'], [attribute('axis', 2)]),
    node('Shape', ['kv'], ['kv_shape']),
    node('Gather', ['kv_shape', 'two_index'], ['total'], [attribute('axis', 0)]),
    node('Unsqueeze', ['total', 'axes0'], ['total1']),
    node('Div', ['eight', 'two'], ['half']),
    // [B, 2, P + S, 8 / 2]: folds to [0, 2, 0, 4].
    node('Concat', ['batch1', 'two', 'total1', 'half'], ['target2'], [attribute('axis', 0)]),
    node('Reshape', ['kv', 'target2'], ['y2']),
    // [S, B, 8]: S is not the input's dim 0, so 0 would be wrong: stays.
    node('Concat', ['length1', 'batch1', 'eight'], ['target3'], [attribute('axis', 0)]),
    node('Reshape', ['x', 'target3'], ['y3']),
    // allowzero = 1: 0 means an empty dim, not a copy: stays.
    node('Reshape', ['x', 'target1'], ['y4'], [attribute('allowzero', 1)]),
    // Values through an operator inference does not evaluate: stays.
    node('Abs', ['target1'], ['target5']),
    node('Reshape', ['x', 'target5'], ['y5']),
  ]
  const graph = concatBytes([
    ...nodes,
    strings(2, ['shapes']),
    scalar('zero', 0),
    scalar('one', 1),
    scalar('two_index', 2),
    constant('axes0', [0]),
    constant('two', [2]),
    constant('four', [4]),
    constant('eight', [8]),
    message(11, [valueInfo('x', FLOAT, ['batch', 'sequence', 8])]),
    message(11, [valueInfo('past', FLOAT, ['batch', 2, 'past', 4])]),
    message(12, [valueInfo('y1', FLOAT, ['batch', 'sequence', 2, 4])]),
    message(12, [valueInfo('y2', FLOAT, ['batch', 2, 'total', 4])]),
    message(12, [valueInfo('y3', FLOAT, ['sequence', 'batch', 8])]),
    message(12, [valueInfo('y4', FLOAT, ['batch', 'sequence', 2, 4])]),
    message(12, [valueInfo('y5', FLOAT, ['batch', 'sequence', 2, 4])]),
  ])
  return concatBytes([
    varintField(1, 8),
    message(8, [strings(1, ['']), varintField(2, 17)]),
    message(7, [graph]),
  ])
}

describe('simplifyGraph on a hand-built graph', () => {
  it('folds exactly the targets it can prove, and the outputs stay bit-identical', async () => {
    const model = buildModel()
    const simplified = simplifyGraph(model)
    expect(simplified?.foldedReshapes).toBe(2)
    const after = readOnnxGraph(simplified?.model as Uint8Array)
    const targets = after.nodes
      .filter((node) => node.opType === 'Reshape')
      .map((node) => after.initializers.get(node.inputs[1] as string)?.integers?.map(Number))
    expect(targets).toEqual([[0, 0, 2, 4], [0, 2, 0, 4], undefined, undefined, undefined])
    // The nodes of the folded targets' own computations are gone; the shared ones stay.
    expect(after.nodes.map((node) => node.opType)).not.toContain('Div')
    const before = await ort.InferenceSession.create(model)
    const rewritten = await ort.InferenceSession.create(simplified?.model as Uint8Array)
    try {
      for (const [batch, sequence, past] of [
        [1, 3, 0],
        [2, 1, 5],
        [3, 2, 1],
      ] as Array<[number, number, number]>) {
        const x = Float32Array.from({ length: batch * sequence * 8 }, (_, i) => i * 0.5 - 3)
        const cache = Float32Array.from({ length: batch * 2 * past * 4 }, (_, i) => Math.cos(i))
        const feeds = {
          x: new ort.Tensor('float32', x, [batch, sequence, 8]),
          past: new ort.Tensor('float32', cache, [batch, 2, past, 4]),
        }
        const expected = await before.run(feeds)
        const actual = await rewritten.run(feeds)
        for (const name of ['y1', 'y2', 'y3', 'y4', 'y5']) {
          const want = expected[name] as ort.Tensor
          const got = actual[name] as ort.Tensor
          expect(got.dims).toEqual(want.dims)
          expect(Array.from(got.data as Float32Array)).toEqual(
            Array.from(want.data as Float32Array),
          )
        }
      }
    } finally {
      await before.release()
      await rewritten.release()
    }
  })

  it('leaves a model with external data alone, however much it could fold', () => {
    const model = buildModel()
    const external = message(5, [
      varintField(1, 4),
      varintField(2, FLOAT),
      strings(8, ['weight']),
      message(13, [strings(1, ['location']), strings(2, ['model.onnx_data'])]),
      varintField(14, 1),
    ])
    const [graphField] = [...protoFields(model)].filter((field) => field.number === 7)
    const withExternal = concatBytes([
      ...[...protoFields(model)].filter((field) => field.number !== 7).map((field) => field.raw),
      message(7, [graphField?.bytes as Uint8Array, external]),
    ])
    expect(simplifyGraph(model)).toBeDefined()
    expect(simplifyGraph(withExternal)).toBeUndefined()
  })

  it('keeps the values a subgraph reads from the outer graph', async () => {
    const branch = (name: string, opType: string) =>
      message(6, [
        node(opType, ['hidden'], [`${name}_out`]),
        strings(2, [name]),
        message(12, [valueInfo(`${name}_out`, FLOAT, ['batch', 2, 4])]),
      ])
    const graphAttribute = (name: string, body: Uint8Array) =>
      message(5, [strings(1, [name]), body, varintField(20, 5)])
    const graph = concatBytes([
      node('Shape', ['x'], ['shape']),
      node('Gather', ['shape', 'zero'], ['batch'], [attribute('axis', 0)]),
      node('Unsqueeze', ['batch', 'axes0'], ['batch1']),
      node('Concat', ['batch1', 'eight'], ['target'], [attribute('axis', 0)]),
      node('Reshape', ['x', 'target'], ['flat']),
      // Read only inside the branches.
      node('Neg', ['x'], ['hidden']),
      node(
        'If',
        ['condition'],
        ['chosen'],
        [
          graphAttribute('then_branch', branch('then', 'Identity')),
          graphAttribute('else_branch', branch('else', 'Abs')),
        ],
      ),
      strings(2, ['branches']),
      message(5, [int64Tensor('zero', [0n], [])]),
      message(5, [int64Tensor('axes0', [0n], [1])]),
      message(5, [int64Tensor('eight', [8n], [1])]),
      message(11, [valueInfo('x', FLOAT, ['batch', 2, 4])]),
      message(11, [valueInfo('condition', 9, [1])]),
      message(12, [valueInfo('flat', FLOAT, ['batch', 8])]),
      message(12, [valueInfo('chosen', FLOAT, ['batch', 2, 4])]),
    ])
    const model = concatBytes([
      varintField(1, 8),
      message(8, [strings(1, ['']), varintField(2, 17)]),
      message(7, [graph]),
    ])
    const simplified = simplifyGraph(model)
    expect(simplified?.foldedReshapes).toBe(1)
    const ops = readOnnxGraph(simplified?.model as Uint8Array).nodes.map((node) => node.opType)
    expect(ops).toEqual(['Reshape', 'Neg', 'If'])
    const before = await ort.InferenceSession.create(model)
    const after = await ort.InferenceSession.create(simplified?.model as Uint8Array)
    try {
      for (const condition of [0, 1]) {
        const feeds = {
          x: new ort.Tensor(
            'float32',
            Float32Array.from({ length: 16 }, (_, i) => i - 7),
            [2, 2, 4],
          ),
          condition: new ort.Tensor('bool', Uint8Array.of(condition), [1]),
        }
        const expected = await before.run(feeds)
        const actual = await after.run(feeds)
        for (const name of ['flat', 'chosen']) {
          expect(Array.from((actual[name] as ort.Tensor).data as Float32Array)).toEqual(
            Array.from((expected[name] as ort.Tensor).data as Float32Array),
          )
        }
      }
    } finally {
      await before.release()
      await after.release()
    }
  })

  it('finds nothing to fold when every target is already a constant', () => {
    const graph = concatBytes([
      node('Reshape', ['x', 'target'], ['y']),
      strings(2, ['constant']),
      message(5, [int64Tensor('target', [0n, -1n], [2])]),
      message(11, [valueInfo('x', FLOAT, ['batch', 4, 2])]),
      message(12, [valueInfo('y', FLOAT, ['batch', 8])]),
    ])
    const model = concatBytes([
      varintField(1, 8),
      message(8, [strings(1, ['']), varintField(2, 17)]),
      message(7, [graph]),
    ])
    expect(simplifyGraph(model)).toBeUndefined()
  })
})
