import { concatBytes, MetagenError } from '@metagen/core'
import * as ort from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import {
  evaluateHostOp,
  fromOrtTensor,
  type HostNode,
  type HostTensor,
  type HostType,
  hostOutputTypes,
  hostTensorFromSummary,
  toOrtTensor,
} from './host-ops.js'
import { readOnnxGraph } from './onnx-graph.js'
import { lengthDelimited, message, strings, varintField } from './protobuf.js'

// Every op is checked against onnxruntime itself: a one-node model per case, run on the same
// inputs, and the evaluator's output must have the same dims and the same bytes.

const DATA_TYPE: Record<HostType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 }

type AttributeValue = number | number[] | { float: number } | { tensor: HostTensor }

/** A host tensor of `type` from plain values (float32 values are rounded to float32). */
function tensor(type: HostType, dims: number[], values: number[]): HostTensor {
  const data = Float64Array.from(values, (value) =>
    type === 'float32' ? Math.fround(value) : value,
  )
  if (data.length !== dims.reduce((product, dim) => product * dim, 1))
    throw new Error('bad test tensor')
  return { type, dims, data }
}

const i64 = (dims: number[], values: number[]) => tensor('int64', dims, values)
const i32 = (dims: number[], values: number[]) => tensor('int32', dims, values)
const f32 = (dims: number[], values: number[]) => tensor('float32', dims, values)
const bool = (dims: number[], values: number[]) => tensor('bool', dims, values)
const scalar64 = (value: number) => i64([], [value])

function tensorProto(name: string, value: HostTensor): Uint8Array {
  const raw = bytesOf(toOrtTensor(value))
  return concatBytes([
    ...value.dims.map((dim) => varintField(1, dim)),
    varintField(2, DATA_TYPE[value.type]),
    strings(8, [name]),
    lengthDelimited(9, raw),
  ])
}

function attributeProto(name: string, value: AttributeValue): Uint8Array {
  if (typeof value === 'number') {
    return message(5, [strings(1, [name]), varintField(3, BigInt(value)), varintField(20, 2)])
  }
  if (Array.isArray(value)) {
    return message(5, [
      strings(1, [name]),
      ...value.map((item) => varintField(8, BigInt(item))),
      varintField(20, 7),
    ])
  }
  if ('float' in value) {
    const fixed = new Uint8Array(4)
    new DataView(fixed.buffer).setFloat32(0, value.float, true)
    return message(5, [
      strings(1, [name]),
      Uint8Array.of((2 << 3) | 5, ...fixed),
      varintField(20, 1),
    ])
  }
  return message(5, [
    strings(1, [name]),
    message(5, [tensorProto('value', value.tensor)]),
    varintField(20, 4),
  ])
}

function valueInfo(name: string, type: HostType): Uint8Array {
  // No shape: any rank, so one model serves every case of an op and its types.
  return concatBytes([
    strings(1, [name]),
    message(2, [message(1, [varintField(1, DATA_TYPE[type])])]),
  ])
}

interface Case {
  op: string
  inputs: Array<HostTensor | undefined>
  attributes?: Record<string, AttributeValue>
  opset?: number
  /** Positions of inputs stored as initializers (the evaluator reads them back from the model). */
  initializers?: number[]
}

function buildModel(spec: Case, outputTypes: readonly HostType[]): Uint8Array {
  const inputNames = spec.inputs.map((input, index) => (input === undefined ? '' : `in${index}`))
  const outputNames = outputTypes.map((_, index) => `out${index}`)
  const node = message(1, [
    strings(1, inputNames),
    strings(2, outputNames),
    strings(4, [spec.op]),
    ...Object.entries(spec.attributes ?? {}).map(([name, value]) => attributeProto(name, value)),
  ])
  const graph = concatBytes([
    node,
    strings(2, ['host_ops']),
    ...spec.inputs.flatMap((input, index) => {
      if (input === undefined) return []
      if (spec.initializers?.includes(index))
        return [message(5, [tensorProto(`in${index}`, input)])]
      return [message(11, [valueInfo(`in${index}`, input.type)])]
    }),
    ...outputTypes.map((type, index) => message(12, [valueInfo(`out${index}`, type)])),
  ])
  return concatBytes([
    varintField(1, 8),
    message(8, [strings(1, ['']), varintField(2, spec.opset ?? 17)]),
    message(7, [graph]),
  ])
}

const sessions = new Map<string, Promise<ort.InferenceSession>>()

afterAll(async () => {
  for (const session of sessions.values()) {
    await session.then((loaded) => loaded.release()).catch(() => undefined)
  }
})

function sessionFor(model: Uint8Array): Promise<ort.InferenceSession> {
  const key = Buffer.from(model).toString('base64')
  let session = sessions.get(key)
  if (session === undefined) {
    session = ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 })
    sessions.set(key, session)
  }
  return session
}

/** The node as the graph reader decodes it from the model, as host-subgraph.ts will see it. */
function hostNode(model: Uint8Array): HostNode {
  const node = readOnnxGraph(model).nodes[0]
  if (node === undefined) throw new Error('no node')
  return node
}

function bytesOf(value: ort.Tensor): Uint8Array {
  const data = value.data as ArrayBufferView
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

function describeCase(spec: Case): string {
  const inputs = spec.inputs.map((input) =>
    input === undefined
      ? '-'
      : `${input.type}[${input.dims}](${Array.from(input.data).slice(0, 8)})`,
  )
  return `${spec.op} ${JSON.stringify(spec.attributes ?? {})} ${inputs.join(' ')}`
}

/** Runs the case in onnxruntime and through the evaluator; expects identical dims and bytes. */
async function expectSameAsOnnxruntime(spec: Case): Promise<HostTensor[]> {
  const opset = spec.opset ?? 17
  const probe = buildModel(spec, [])
  const types = hostOutputTypes(
    hostNode(probe),
    spec.inputs.map((input) => input?.type),
    opset,
  )
  expect(types, describeCase(spec)).toBeDefined()
  const model = buildModel(spec, types as HostType[])
  const session = await sessionFor(model)
  const feeds: Record<string, ort.Tensor> = {}
  spec.inputs.forEach((input, index) => {
    if (input !== undefined && !spec.initializers?.includes(index)) {
      feeds[`in${index}`] = toOrtTensor(input)
    }
  })
  const expected = await session.run(feeds)
  // Initializers go through the graph reader and hostTensorFromSummary, as at load.
  const graph = readOnnxGraph(model)
  const inputs = spec.inputs.map((input, index) => {
    if (!spec.initializers?.includes(index)) return input
    const summary = graph.initializers.get(`in${index}`)
    const value = summary && hostTensorFromSummary(summary)
    expect(value, `initializer ${index}`).toBeDefined()
    return value
  })
  const actual = evaluateHostOp(hostNode(model), inputs, opset)
  expect(actual.length).toBe(types?.length)
  actual.forEach((output, index) => {
    const reference = expected[`out${index}`] as ort.Tensor
    const label = describeCase(spec)
    expect(output.type, label).toBe(types?.[index])
    expect(output.dims, label).toEqual(reference.dims.map(Number))
    expect(output.data.length, label).toBe(reference.size)
    const mine = toOrtTensor(output)
    expect(mine.type, label).toBe(reference.type)
    expect(Array.from(bytesOf(mine)), `${label} -> ${Array.from(output.data)}`).toEqual(
      Array.from(bytesOf(reference)),
    )
  })
  return actual
}

/** Expects onnxruntime to fail on the case and the evaluator to throw a MetagenError naming the op. */
async function expectBothFail(spec: Case, pattern: RegExp): Promise<void> {
  const opset = spec.opset ?? 17
  const types = hostOutputTypes(
    hostNode(buildModel(spec, [])),
    spec.inputs.map((input) => input?.type),
    opset,
  )
  expect(types, describeCase(spec)).toBeDefined()
  const model = buildModel(spec, types as HostType[])
  const feeds: Record<string, ort.Tensor> = {}
  spec.inputs.forEach((input, index) => {
    if (input !== undefined) feeds[`in${index}`] = toOrtTensor(input)
  })
  await expect(sessionFor(model).then((session) => session.run(feeds))).rejects.toThrow()
  expectEvaluatorError(spec, pattern)
}

function expectEvaluatorError(spec: Case, pattern: RegExp): void {
  const node = hostNode(buildModel(spec, []))
  let caught: unknown
  try {
    evaluateHostOp(node, spec.inputs, spec.opset ?? 17)
  } catch (error) {
    caught = error
  }
  expect(MetagenError.isInstance(caught), describeCase(spec)).toBe(true)
  expect((caught as Error).message.startsWith(`${spec.op}: `)).toBe(true)
  expect((caught as Error).message).toMatch(pattern)
}

const FLOAT_MAX = 3.4028234663852886e38
/** Awkward float32 values: signed zeros, infinities, the extremes, subnormals, NaN, inexact sums. */
const AWKWARD = [
  0,
  -0,
  1,
  -1,
  0.1,
  -2.5,
  1e-45,
  -1e-40,
  FLOAT_MAX,
  -FLOAT_MAX,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  16777217,
  3.3333333,
  -7.75,
]

/** Every ordered pair of AWKWARD values as two [n] float32 tensors. */
function awkwardPairs(): [HostTensor, HostTensor] {
  const left: number[] = []
  const right: number[] = []
  for (const x of AWKWARD) {
    for (const y of AWKWARD) {
      left.push(x)
      right.push(y)
    }
  }
  return [f32([left.length], left), f32([right.length], right)]
}

describe('elementwise arithmetic', () => {
  it('Add, Sub, Mul, Div on int64 and int32 with broadcasting, scalars and empty dims', async () => {
    for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
      for (const make of [i64, i32]) {
        await expectSameAsOnnxruntime({
          op,
          inputs: [make([2, 3], [7, -7, 9, -9, 0, 100]), make([3], [2, -2, 4])],
        })
        await expectSameAsOnnxruntime({
          op,
          inputs: [make([2, 1], [5, -6]), make([1, 3], [3, -4, 7])],
        })
        await expectSameAsOnnxruntime({ op, inputs: [make([], [-13]), make([4], [1, 2, -3, 5])] })
        await expectSameAsOnnxruntime({ op, inputs: [make([0, 3], []), make([3], [1, 2, 3])] })
        await expectSameAsOnnxruntime({
          op,
          inputs: [make([2, 1, 2], [1, 2, 3, 4]), make([3, 1], [5, 6, -7])],
        })
      }
    }
    // Large int64 values stay exact.
    await expectSameAsOnnxruntime({
      op: 'Mul',
      inputs: [i64([2], [94906265, -3037000499]), i64([2], [94906265, 2965])],
    })
    await expectSameAsOnnxruntime({
      op: 'Div',
      inputs: [
        i64([3], [9007199254740991, -9007199254740991, 4503599627370497]),
        i64([3], [3, 7, 67108865]),
      ],
    })
  })

  it('Add, Sub, Mul, Div on float32 round like IEEE float32 arithmetic', async () => {
    const [left, right] = awkwardPairs()
    for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
      await expectSameAsOnnxruntime({ op, inputs: [left, right] })
      await expectSameAsOnnxruntime({
        op,
        inputs: [f32([2, 1], [0.1, -3]), f32([3], [0.2, 1e-38, 7])],
      })
    }
  })

  it('Mod on integers (both fmod) and float32 (fmod = 1)', async () => {
    for (const make of [i64, i32]) {
      for (const fmod of [0, 1]) {
        await expectSameAsOnnxruntime({
          op: 'Mod',
          inputs: [make([2, 4], [7, -7, 7, -7, 0, 6, -6, 13]), make([4], [3, 3, -3, -3])],
          attributes: { fmod },
        })
        await expectSameAsOnnxruntime({
          op: 'Mod',
          inputs: [make([], [-9]), make([3], [4, -4, 9])],
          attributes: { fmod },
        })
      }
    }
    const [left, right] = awkwardPairs()
    await expectSameAsOnnxruntime({ op: 'Mod', inputs: [left, right], attributes: { fmod: 1 } })
  })

  it('Neg on int64, int32 and float32', async () => {
    await expectSameAsOnnxruntime({ op: 'Neg', inputs: [i64([4], [0, 5, -9007199254740991, 3])] })
    await expectSameAsOnnxruntime({ op: 'Neg', inputs: [i32([3], [0, -2147483647, 2147483647])] })
    await expectSameAsOnnxruntime({ op: 'Neg', inputs: [f32([AWKWARD.length], AWKWARD)] })
  })

  it('Min and Max on integers, variadic and broadcasting', async () => {
    for (const op of ['Min', 'Max']) {
      await expectSameAsOnnxruntime({
        op,
        inputs: [i64([2, 3], [1, 5, -3, 8, 0, 2]), i64([3], [2, 2, 2]), i64([2, 1], [-1, 9])],
      })
      await expectSameAsOnnxruntime({ op, inputs: [i32([3], [4, -4, 0])] })
      await expectSameAsOnnxruntime({ op, inputs: [i32([], [3]), i32([2, 2], [1, 5, 3, -8])] })
    }
  })

  it('Min and Max on float32 propagate NaN', async () => {
    const values = AWKWARD.filter((value) => value !== 0)
    const left: number[] = []
    const right: number[] = []
    for (const x of values) {
      for (const y of values) {
        left.push(x)
        right.push(y)
      }
    }
    for (const op of ['Min', 'Max']) {
      await expectSameAsOnnxruntime({
        op,
        inputs: [f32([left.length], left), f32([right.length], right)],
      })
      await expectSameAsOnnxruntime({ op, inputs: [f32([], [Number.NaN]), f32([3], [1, -2, 0])] })
      await expectSameAsOnnxruntime({
        op,
        inputs: [f32([5], [1, Number.NaN, 3, -1, 0]), f32([], [0.5])],
      })
    }
  })
})

describe('comparisons and logic', () => {
  it('Equal, Less, LessOrEqual, Greater, GreaterOrEqual on float32, int64 and int32', async () => {
    const [left, right] = awkwardPairs()
    for (const op of ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual']) {
      await expectSameAsOnnxruntime({ op, inputs: [left, right] })
      await expectSameAsOnnxruntime({
        op,
        inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6]), i64([3, 1, 1], [3, 4, 5])],
      })
      await expectSameAsOnnxruntime({ op, inputs: [i32([4], [-1, 0, 1, 2]), i32([], [1])] })
    }
    await expectSameAsOnnxruntime({
      op: 'Equal',
      inputs: [bool([4], [0, 1, 0, 1]), bool([2, 1], [0, 1])],
    })
  })

  it('And, Or, Xor, Not', async () => {
    for (const op of ['And', 'Or', 'Xor']) {
      await expectSameAsOnnxruntime({ op, inputs: [bool([4], [0, 1, 0, 1]), bool([2, 1], [0, 1])] })
      await expectSameAsOnnxruntime({ op, inputs: [bool([], [1]), bool([0], [])] })
    }
    await expectSameAsOnnxruntime({ op: 'Not', inputs: [bool([2, 2], [0, 1, 1, 0])] })
  })

  it('Where broadcasts its three inputs', async () => {
    const condition = bool([1, 1, 3, 3], [1, 0, 0, 1, 1, 0, 1, 1, 1])
    await expectSameAsOnnxruntime({
      op: 'Where',
      inputs: [condition, f32([], [0]), f32([], [-FLOAT_MAX])],
    })
    await expectSameAsOnnxruntime({
      op: 'Where',
      inputs: [
        condition,
        f32([2, 1, 1, 1], [Number.NaN, -0]),
        f32([3], [Number.NEGATIVE_INFINITY, 1, 2]),
      ],
    })
    await expectSameAsOnnxruntime({
      op: 'Where',
      inputs: [bool([2, 1], [1, 0]), i64([3], [1, 2, 3]), i64([], [-7])],
    })
    await expectSameAsOnnxruntime({
      op: 'Where',
      inputs: [bool([3], [1, 0, 1]), i32([0, 1], []), i32([], [4])],
    })
  })
})

describe('a batched prefill mask', () => {
  it('broadcasts large operands like onnxruntime', async () => {
    const batch = 4
    const length = 96
    // Padding on the left of some rows, and a causal (lower triangular) pattern.
    const padding = bool(
      [batch, 1, 1, length],
      Array.from({ length: batch * length }, (_, index) =>
        index % length >= (index / length) * 7 ? 1 : 0,
      ),
    )
    const causal = bool(
      [1, 1, length, length],
      Array.from({ length: length * length }, (_, index) =>
        index % length <= Math.floor(index / length) ? 1 : 0,
      ),
    )
    const [allowed] = await expectSameAsOnnxruntime({ op: 'And', inputs: [padding, causal] })
    expect(allowed?.dims).toEqual([batch, 1, length, length])
    await expectSameAsOnnxruntime({
      op: 'Where',
      inputs: [allowed, f32([], [0]), f32([], [-FLOAT_MAX])],
    })
    const positions = i64(
      [batch, 1, 1, length],
      Array.from({ length: batch * length }, (_, index) => index % length),
    )
    await expectSameAsOnnxruntime({
      op: 'LessOrEqual',
      inputs: [
        i64(
          [1, 1, length, 1],
          Array.from({ length }, (_, index) => index),
        ),
        positions,
      ],
    })
  })
})

describe('casts', () => {
  it('Cast between float32, int64, int32 and bool', async () => {
    const floats = f32([10], [0, -0, 0.5, -0.5, 2.7, -2.7, 16777217, -2147483648, 1e15, 3e-39])
    for (const to of [1, 6, 7, 9]) {
      if (to !== 6)
        await expectSameAsOnnxruntime({ op: 'Cast', inputs: [floats], attributes: { to } })
      await expectSameAsOnnxruntime({
        op: 'Cast',
        inputs: [i64([6], [0, 1, -1, 16777217, 2 ** 40 + 3, -(2 ** 33) - 5])],
        attributes: { to },
      })
      await expectSameAsOnnxruntime({
        op: 'Cast',
        inputs: [i32([4], [0, 7, -2147483648, 16777219])],
        attributes: { to },
      })
      await expectSameAsOnnxruntime({
        op: 'Cast',
        inputs: [bool([2, 2], [0, 1, 1, 0])],
        attributes: { to },
      })
    }
    await expectSameAsOnnxruntime({
      op: 'Cast',
      inputs: [f32([3], [2147483520, -2147483648, -3.5])],
      attributes: { to: 6 },
    })
    await expectSameAsOnnxruntime({
      op: 'Cast',
      inputs: [f32([4], [Number.NaN, Number.NEGATIVE_INFINITY, -0, 1e-45])],
      attributes: { to: 9 },
    })
  })

  it('CastLike takes the type of its second input', async () => {
    await expectSameAsOnnxruntime({
      op: 'CastLike',
      inputs: [i64([2], [3, 16777217]), f32([], [0])],
    })
    await expectSameAsOnnxruntime({ op: 'CastLike', inputs: [f32([2], [-3.9, 0]), i64([1], [0])] })
    await expectSameAsOnnxruntime({ op: 'CastLike', inputs: [i32([2], [0, 5]), bool([], [1])] })
  })
})

describe('shape and data movement', () => {
  it('Shape with and without start/end', async () => {
    const input = f32([2, 3, 0, 5], [])
    await expectSameAsOnnxruntime({ op: 'Shape', inputs: [input], opset: 13 })
    await expectSameAsOnnxruntime({ op: 'Shape', inputs: [i64([], [4])] })
    for (const [start, end] of [
      [1, undefined],
      [-1, undefined],
      [undefined, -1],
      [-10, 10],
      [3, 1],
      [2, 2],
      [-2, -1],
    ]) {
      const attributes: Record<string, number> = {}
      if (start !== undefined) attributes.start = start
      if (end !== undefined) attributes.end = end
      await expectSameAsOnnxruntime({ op: 'Shape', inputs: [input], attributes, opset: 15 })
    }
  })

  it('Gather on any axis with negative, scalar and int32 indices', async () => {
    const data = i64([2, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    await expectSameAsOnnxruntime({ op: 'Gather', inputs: [data, scalar64(1)] })
    await expectSameAsOnnxruntime({
      op: 'Gather',
      inputs: [data, i64([3], [-1, 0, 1])],
      attributes: { axis: 1 },
    })
    await expectSameAsOnnxruntime({
      op: 'Gather',
      inputs: [data, i32([2, 2], [1, -2, 0, 0])],
      attributes: { axis: -1 },
    })
    await expectSameAsOnnxruntime({
      op: 'Gather',
      inputs: [data, i64([0], [])],
      attributes: { axis: 2 },
    })
    await expectSameAsOnnxruntime({
      op: 'Gather',
      inputs: [f32([4], [0.5, -0, Number.NaN, 3]), i32([], [-3])],
    })
    await expectSameAsOnnxruntime({
      op: 'Gather',
      inputs: [bool([2, 2], [1, 0, 0, 1]), i64([1], [1])],
      attributes: { axis: 1 },
    })
    await expectBothFail({ op: 'Gather', inputs: [data, i64([1], [2])] }, /out of bounds/)
    await expectBothFail(
      { op: 'Gather', inputs: [data, i64([1], [-4])], attributes: { axis: 1 } },
      /out of bounds/,
    )
  })

  it('Unsqueeze and Squeeze with axes as input (opset 13+) and as attribute (before 13)', async () => {
    const data = f32([2, 1, 3], [1, 2, 3, 4, 5, 6])
    await expectSameAsOnnxruntime({ op: 'Unsqueeze', inputs: [data, i64([2], [0, -1])] })
    await expectSameAsOnnxruntime({ op: 'Unsqueeze', inputs: [scalar64(5), i64([1], [0])] })
    await expectSameAsOnnxruntime({ op: 'Unsqueeze', inputs: [data, i64([2], [4, 1])] })
    await expectSameAsOnnxruntime({
      op: 'Unsqueeze',
      inputs: [data],
      attributes: { axes: [1, -1] },
      opset: 11,
    })
    await expectSameAsOnnxruntime({ op: 'Squeeze', inputs: [data, i64([1], [-2])] })
    await expectSameAsOnnxruntime({ op: 'Squeeze', inputs: [i64([1, 3, 1], [1, 2, 3])] })
    await expectSameAsOnnxruntime({ op: 'Squeeze', inputs: [i64([1], [7])] })
    await expectSameAsOnnxruntime({
      op: 'Squeeze',
      inputs: [data],
      attributes: { axes: [1] },
      opset: 12,
    })
    await expectSameAsOnnxruntime({ op: 'Squeeze', inputs: [bool([1, 1], [1])], opset: 11 })
    await expectBothFail({ op: 'Squeeze', inputs: [data, i64([1], [0])] }, /must be 1/)
    await expectBothFail({ op: 'Unsqueeze', inputs: [data, i64([2], [1, 1])] }, /repeated/)
  })

  it('Reshape with 0 (copy or allowzero), -1 and empty tensors', async () => {
    const data = i64([2, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    await expectSameAsOnnxruntime({ op: 'Reshape', inputs: [data, i64([3], [0, -1, 3])] })
    await expectSameAsOnnxruntime({ op: 'Reshape', inputs: [data, i64([1], [-1])] })
    await expectSameAsOnnxruntime({ op: 'Reshape', inputs: [data, i64([4], [3, 1, 0, 2])] })
    await expectSameAsOnnxruntime({ op: 'Reshape', inputs: [f32([1], [2.5]), i64([0], [])] })
    await expectSameAsOnnxruntime({
      op: 'Reshape',
      inputs: [f32([0, 3], []), i64([2], [3, 0])],
      attributes: { allowzero: 1 },
    })
    await expectSameAsOnnxruntime({ op: 'Reshape', inputs: [f32([0, 3], []), i64([2], [0, 3])] })
    await expectBothFail({ op: 'Reshape', inputs: [data, i64([2], [5, -1])] }, /cannot reshape/)
    await expectBothFail({ op: 'Reshape', inputs: [data, i64([2], [-1, -1])] }, /at most one/)
  })

  it('Concat on negative axes and with empty inputs', async () => {
    await expectSameAsOnnxruntime({
      op: 'Concat',
      inputs: [i64([1], [4]), i64([2], [-1, 8]), i64([0], []), i64([1], [3])],
      attributes: { axis: 0 },
    })
    await expectSameAsOnnxruntime({
      op: 'Concat',
      inputs: [f32([2, 1, 2], [1, 2, 3, 4]), f32([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12])],
      attributes: { axis: -2 },
    })
    await expectSameAsOnnxruntime({
      op: 'Concat',
      inputs: [bool([2, 2], [1, 0, 0, 1]), bool([2, 1], [1, 1]), bool([2, 0], [])],
      attributes: { axis: 1 },
    })
    await expectSameAsOnnxruntime({
      op: 'Concat',
      inputs: [i32([3], [1, 2, 3])],
      attributes: { axis: -1 },
    })
    await expectBothFail(
      {
        op: 'Concat',
        inputs: [i64([2, 2], [1, 2, 3, 4]), i64([3, 1], [1, 2, 3])],
        attributes: { axis: 1 },
      },
      /mismatched/,
    )
  })

  it('Slice with negative steps, clamping and the INT64/INT32 sentinels', async () => {
    const data = i64([3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    const int64Max = 2 ** 63
    const cases: Array<[number[], number[], number[] | undefined, number[] | undefined]> = [
      [[0], [2], undefined, undefined],
      [[1, 1], [int64Max, -1], undefined, undefined],
      [[-1], [-int64Max], [1], [-1]],
      [[-1], [int64Max], [1], [-1]],
      [[-1], [2147483647], [0], [-1]],
      [
        [3, 2],
        [-10, -100],
        [1, 0],
        [-2, -1],
      ],
      [[0], [10], [-1], [3]],
      [[10], [0], [-1], [-2]],
      [[2], [1], [0], [1]],
      [[-100], [100], [-2], [1]],
      [[5], [-5], [0], [-1]],
    ]
    for (const [starts, ends, axes, steps] of cases) {
      const inputs: Array<HostTensor | undefined> = [
        data,
        i64([starts.length], starts),
        i64([ends.length], ends),
        axes === undefined ? undefined : i64([axes.length], axes),
      ]
      if (steps !== undefined) inputs.push(i64([steps.length], steps))
      await expectSameAsOnnxruntime({ op: 'Slice', inputs })
    }
    await expectSameAsOnnxruntime({
      op: 'Slice',
      inputs: [f32([2, 0, 3], []), i32([1], [1]), i32([1], [3]), i32([1], [2])],
    })
    await expectSameAsOnnxruntime({
      op: 'Slice',
      inputs: [
        bool([4], [1, 0, 0, 1]),
        i32([1], [-1]),
        i32([1], [-2147483648]),
        undefined,
        i32([1], [-2]),
      ],
    })
    // The sentinels as initializers, read back by readOnnxGraph and hostTensorFromSummary.
    const sentinels: Array<[number[], number[]]> = [
      [
        [2 ** 63, 2 ** 63],
        [1, -1],
      ],
      [
        [-(2 ** 63), -(2 ** 63)],
        [1, -1],
      ],
      [
        [2147483647, 2 ** 62 + 1],
        [-1, 1],
      ],
    ]
    for (const [ends, steps] of sentinels) {
      await expectSameAsOnnxruntime({
        op: 'Slice',
        inputs: [data, i64([2], [1, -1]), i64([2], ends), i64([2], [0, 1]), i64([2], steps)],
        initializers: [1, 2, 3, 4],
      })
    }
    // Omitted trailing inputs named ''.
    await expectSameAsOnnxruntime({
      op: 'Slice',
      inputs: [data, i64([1], [1]), i64([1], [3]), undefined, undefined],
    })
    await expectSameAsOnnxruntime({
      op: 'Slice',
      inputs: [data, i64([1], [-1]), i64([1], [0]), i64([1], [1]), undefined],
    })
    await expectBothFail(
      { op: 'Slice', inputs: [data, i64([1], [0]), i64([1], [1]), i64([1], [0]), i64([1], [0])] },
      /step/,
    )
  })

  it('Range on int64, int32 and float32 (float32 accumulates)', async () => {
    for (const make of [i64, i32]) {
      await expectSameAsOnnxruntime({
        op: 'Range',
        inputs: [make([], [0]), make([], [5]), make([], [1])],
      })
      await expectSameAsOnnxruntime({
        op: 'Range',
        inputs: [make([], [5]), make([], [-4]), make([], [-3])],
      })
      await expectSameAsOnnxruntime({
        op: 'Range',
        inputs: [make([], [3]), make([], [3]), make([], [1])],
      })
      await expectSameAsOnnxruntime({
        op: 'Range',
        inputs: [make([], [3]), make([], [0]), make([], [1])],
      })
    }
    await expectSameAsOnnxruntime({
      op: 'Range',
      inputs: [f32([], [0]), f32([], [1]), f32([], [0.1])],
    })
    await expectSameAsOnnxruntime({
      op: 'Range',
      inputs: [f32([], [1]), f32([], [-1]), f32([], [-0.3])],
    })
    await expectSameAsOnnxruntime({
      op: 'Range',
      inputs: [f32([], [16777210]), f32([], [16777220]), f32([], [1])],
    })
    await expectSameAsOnnxruntime({
      op: 'Range',
      inputs: [f32([1], [-2.5]), f32([], [3.3333333]), f32([], [0.7])],
    })
    await expectBothFail({ op: 'Range', inputs: [scalar64(0), scalar64(4), scalar64(0)] }, /zero/)
  })

  it('Expand broadcasts both ways', async () => {
    await expectSameAsOnnxruntime({
      op: 'Expand',
      inputs: [i64([3, 1], [1, 2, 3]), i64([3], [2, 1, 4])],
    })
    await expectSameAsOnnxruntime({
      op: 'Expand',
      inputs: [f32([2, 1, 1, 3], [1, -0, Number.NaN, 4, 5, 6]), i64([2], [2, 1])],
    })
    await expectSameAsOnnxruntime({ op: 'Expand', inputs: [bool([], [1]), i64([3], [2, 0, 3])] })
    await expectSameAsOnnxruntime({ op: 'Expand', inputs: [i32([2], [7, 8]), i64([0], [])] })
    await expectBothFail(
      { op: 'Expand', inputs: [i64([3], [1, 2, 3]), i64([1], [2])] },
      /broadcast/,
    )
  })

  it('ConstantOfShape with the default and with typed values', async () => {
    await expectSameAsOnnxruntime({ op: 'ConstantOfShape', inputs: [i64([2], [2, 3])] })
    await expectSameAsOnnxruntime({
      op: 'ConstantOfShape',
      inputs: [i64([0], [])],
      attributes: { value: { tensor: i64([1], [-9]) } },
    })
    await expectSameAsOnnxruntime({
      op: 'ConstantOfShape',
      inputs: [i64([2], [2, 0])],
      attributes: { value: { tensor: bool([1], [1]) } },
    })
    await expectSameAsOnnxruntime({
      op: 'ConstantOfShape',
      inputs: [i64([3], [1, 2, 2])],
      attributes: { value: { tensor: f32([1], [Number.NEGATIVE_INFINITY]) } },
    })
    await expectSameAsOnnxruntime({
      op: 'ConstantOfShape',
      inputs: [i64([1], [3])],
      attributes: { value: { tensor: i32([1], [2147483647]) } },
    })
  })

  it('CumSum with exclusive and reverse, on any axis', async () => {
    const data = f32(
      [2, 3, 2],
      [0.1, 0.2, 0.3, -0, 1e-45, FLOAT_MAX, FLOAT_MAX, -1, -0, -0, 7, 0.7],
    )
    for (const exclusive of [0, 1]) {
      for (const reverse of [0, 1]) {
        for (const axis of [0, 1, -1]) {
          await expectSameAsOnnxruntime({
            op: 'CumSum',
            inputs: [data, i64([], [axis])],
            attributes: { exclusive, reverse },
          })
          await expectSameAsOnnxruntime({
            op: 'CumSum',
            inputs: [i64([2, 3], [1, 2, 3, 4, 5, -6]), i32([1], [axis])],
            attributes: { exclusive, reverse },
          })
        }
        await expectSameAsOnnxruntime({
          op: 'CumSum',
          inputs: [i32([4], [1, -2, 3, 4]), i32([], [0])],
          attributes: { exclusive, reverse },
        })
      }
    }
    await expectSameAsOnnxruntime({ op: 'CumSum', inputs: [f32([0, 2], []), i64([], [0])] })
  })

  it('Trilu upper and lower with k, batched and non-square', async () => {
    const data = f32(
      [2, 3, 4],
      Array.from({ length: 24 }, (_, index) => (index % 5 === 0 ? -0 : index - 10.5)),
    )
    const ints = i64(
      [4, 3],
      Array.from({ length: 12 }, (_, index) => index + 1),
    )
    for (const upper of [0, 1]) {
      for (const k of [undefined, 0, 1, -1, 2, -3, 10, -10]) {
        const kInput = k === undefined ? [] : [i64([], [k])]
        await expectSameAsOnnxruntime({
          op: 'Trilu',
          inputs: [data, ...kInput],
          attributes: { upper },
        })
        await expectSameAsOnnxruntime({
          op: 'Trilu',
          inputs: [ints, ...kInput],
          attributes: { upper },
        })
      }
    }
    await expectSameAsOnnxruntime({ op: 'Trilu', inputs: [i64([0, 3, 3], [])] })
    // An omitted k named ''.
    await expectSameAsOnnxruntime({
      op: 'Trilu',
      inputs: [ints, undefined],
      attributes: { upper: 0 },
    })
    // Any nonzero `upper` means upper.
    await expectSameAsOnnxruntime({ op: 'Trilu', inputs: [ints], attributes: { upper: 2 } })
    // k beyond the safe integers only clamps.
    await expectSameAsOnnxruntime({
      op: 'Trilu',
      inputs: [ints, i64([], [-(2 ** 63)])],
      attributes: { upper: 0 },
    })
  })

  it('Constant gives its value', async () => {
    await expectSameAsOnnxruntime({
      op: 'Constant',
      inputs: [],
      attributes: { value: { tensor: i64([2], [3, -1]) } },
    })
    await expectSameAsOnnxruntime({
      op: 'Constant',
      inputs: [],
      attributes: { value: { tensor: bool([], [1]) } },
    })
    await expectSameAsOnnxruntime({
      op: 'Constant',
      inputs: [],
      attributes: { value: { tensor: f32([2], [-FLOAT_MAX, Number.NaN]) } },
    })
    await expectSameAsOnnxruntime({ op: 'Constant', inputs: [], attributes: { value_int: -5 } })
    await expectSameAsOnnxruntime({
      op: 'Constant',
      inputs: [],
      attributes: { value_ints: [1, 2, 3] },
    })
    await expectSameAsOnnxruntime({
      op: 'Constant',
      inputs: [],
      attributes: { value_float: { float: 0.1 } },
    })
  })

  it('Transpose with and without perm', async () => {
    const data = f32(
      [2, 3, 4],
      Array.from({ length: 24 }, (_, index) => index - 0.5),
    )
    await expectSameAsOnnxruntime({ op: 'Transpose', inputs: [data] })
    await expectSameAsOnnxruntime({
      op: 'Transpose',
      inputs: [data],
      attributes: { perm: [0, 2, 1] },
    })
    await expectSameAsOnnxruntime({
      op: 'Transpose',
      inputs: [data],
      attributes: { perm: [1, 0, 2] },
    })
    await expectSameAsOnnxruntime({
      op: 'Transpose',
      inputs: [bool([1, 2, 0, 3], [])],
      attributes: { perm: [3, 1, 0, 2] },
    })
    await expectSameAsOnnxruntime({ op: 'Transpose', inputs: [i64([], [5])] })
    await expectBothFail({ op: 'Transpose', inputs: [data], attributes: { perm: [0, 1] } }, /perm/)
  })

  it('Tile repeats along every axis', async () => {
    const data = i64([2, 3], [1, 2, 3, 4, 5, 6])
    await expectSameAsOnnxruntime({ op: 'Tile', inputs: [data, i64([2], [2, 3])] })
    await expectSameAsOnnxruntime({ op: 'Tile', inputs: [data, i64([2], [1, 1])] })
    await expectSameAsOnnxruntime({ op: 'Tile', inputs: [data, i64([2], [3, 0])] })
    await expectSameAsOnnxruntime({
      op: 'Tile',
      inputs: [bool([1, 2, 1], [1, 0]), i64([3], [2, 2, 3])],
    })
    await expectSameAsOnnxruntime({
      op: 'Tile',
      inputs: [f32([3], [-0, Number.NaN, 1]), i64([1], [4])],
    })
  })

  it('Size and Abs', async () => {
    await expectSameAsOnnxruntime({ op: 'Size', inputs: [f32([2, 0, 3], [])] })
    await expectSameAsOnnxruntime({ op: 'Size', inputs: [bool([2, 3], [1, 1, 1, 0, 0, 0])] })
    await expectSameAsOnnxruntime({ op: 'Abs', inputs: [f32([AWKWARD.length], AWKWARD)] })
    await expectSameAsOnnxruntime({ op: 'Abs', inputs: [i64([3], [-9007199254740991, 0, 4])] })
    await expectSameAsOnnxruntime({ op: 'Abs', inputs: [i32([3], [-2147483647, 0, 4])] })
  })

  it('Identity passes its input through', async () => {
    await expectSameAsOnnxruntime({ op: 'Identity', inputs: [f32([3], [Number.NaN, -0, 1])] })
    await expectSameAsOnnxruntime({ op: 'Identity', inputs: [bool([], [1])] })
  })
})

describe('type support', () => {
  it('every type combination hostOutputTypes accepts has an onnxruntime kernel with those output types', async () => {
    const types: HostType[] = ['float32', 'int32', 'int64', 'bool']
    const specs: Array<[string, number[], Record<string, AttributeValue>?, number?]> = [
      ['Add', [2]],
      ['Sub', [2]],
      ['Mul', [2]],
      ['Div', [2]],
      ['Mod', [2], { fmod: 0 }],
      ['Mod', [2], { fmod: 1 }],
      ['Neg', [1]],
      ['Not', [1]],
      ['Identity', [1]],
      ['Min', [1, 2, 3]],
      ['Max', [2]],
      ['Min', [2], {}, 12],
      ['Equal', [2]],
      ['Less', [2]],
      ['LessOrEqual', [2]],
      ['Greater', [2]],
      ['GreaterOrEqual', [2]],
      ['And', [2]],
      ['Or', [2]],
      ['Xor', [2]],
      ['Where', [3]],
      ['Where', [3], {}, 11],
      ['Cast', [1], { to: 1 }],
      ['Cast', [1], { to: 6 }],
      ['Cast', [1], { to: 7 }],
      ['Cast', [1], { to: 9 }],
      ['CastLike', [2]],
      ['Shape', [1]],
      ['Gather', [2]],
      ['Unsqueeze', [2]],
      ['Unsqueeze', [1], { axes: [0] }, 11],
      ['Squeeze', [1, 2]],
      ['Reshape', [2]],
      ['Expand', [2]],
      ['Concat', [1, 2, 3], { axis: 0 }],
      ['Slice', [3, 4, 5]],
      ['Range', [3]],
      ['ConstantOfShape', [1]],
      ['ConstantOfShape', [1], { value: { tensor: i32([1], [1]) } }],
      ['ConstantOfShape', [1], { value: { tensor: bool([1], [1]) } }],
      ['ConstantOfShape', [1], { value: { tensor: i64([1], [1]) } }],
      ['CumSum', [2]],
      ['Trilu', [1, 2]],
      ['Transpose', [1]],
      ['Tile', [2]],
      ['Size', [1]],
      ['Abs', [1]],
    ]
    let accepted = 0
    for (const [op, arities, attributes = {}, opset = 17] of specs) {
      for (const arity of arities) {
        let combinations: HostType[][] = [[]]
        for (let index = 0; index < arity; index++) {
          combinations = combinations.flatMap((prefix) => types.map((type) => [...prefix, type]))
        }
        for (const combination of combinations) {
          const spec: Case = {
            op,
            inputs: combination.map((type) => tensor(type, [0], [])),
            attributes,
            opset,
          }
          const outputs = hostOutputTypes(hostNode(buildModel(spec, [])), combination, opset)
          if (outputs === undefined) continue
          accepted++
          const session = await sessionFor(buildModel(spec, outputs)).catch((error: Error) => error)
          expect(
            session instanceof Error ? `${describeCase(spec)}: ${session.message}` : 'loads',
          ).toBe('loads')
        }
      }
    }
    expect(accepted).toBeGreaterThan(150)
  })
})

describe('what the evaluator refuses', () => {
  const node = (
    opType: string,
    domain = '',
    attributes: Record<string, AttributeValue> = {},
  ): HostNode => {
    const decoded = hostNode(buildModel({ op: opType, inputs: [], attributes }, []))
    return { opType, domain, attributes: decoded.attributes }
  }

  it('rejects unsupported ops, types, domains, attributes and opsets at load', () => {
    expect(hostOutputTypes(node('Sin'), ['float32'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Exp'), ['float32'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Add'), ['float32', 'float32'], 17)).toEqual(['float32'])
    expect(
      hostOutputTypes(node('Add', 'com.microsoft'), ['float32', 'float32'], 17),
    ).toBeUndefined()
    // A float64 (or any other non-host) input arrives as an unknown type: never accepted.
    expect(hostOutputTypes(node('Add'), ['float32', 'int64'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Add'), ['bool', 'bool'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Cast', '', { to: 11 }), ['float32'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Cast', '', { to: 7 }), ['float32'], 17)).toEqual(['int64'])
    expect(hostOutputTypes(node('Cast', '', { to: 10 }), ['float32'], 17)).toBeUndefined()
    // onnxruntime refuses `saturate` on casts not to float8, and an omitted Squeeze axes named ''.
    expect(
      hostOutputTypes(node('Cast', '', { to: 7, saturate: 1 }), ['float32'], 19),
    ).toBeUndefined()
    expect(hostOutputTypes(node('Squeeze'), ['int64', undefined], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Squeeze'), ['int64'], 17)).toEqual(['int64'])
    expect(hostOutputTypes(node('Less'), ['bool', 'bool'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Mod'), ['float32', 'float32'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Mod', '', { fmod: 1 }), ['float32', 'float32'], 17)).toEqual([
      'float32',
    ])
    expect(hostOutputTypes(node('Trilu'), ['int32'], 17)).toBeUndefined()
    // onnxruntime 1.30 has no CPU kernel for these type combinations.
    expect(hostOutputTypes(node('Where'), ['bool', 'bool', 'bool'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Min'), ['int64', 'int64'], 11)).toBeUndefined()
    expect(hostOutputTypes(node('Min'), ['int64', 'int64'], 12)).toEqual(['int64'])
    expect(
      hostOutputTypes(node('Gather', '', { axis: 0 }), ['int64', 'float32'], 17),
    ).toBeUndefined()
    expect(hostOutputTypes(node('Shape', '', { start: 1 }), ['float32'], 14)).toBeUndefined()
    expect(
      hostOutputTypes(node('Unsqueeze', '', { axes: [0] }), ['float32', 'int64'], 13),
    ).toBeUndefined()
    expect(hostOutputTypes(node('Unsqueeze', '', { axes: [0] }), ['float32'], 12)).toEqual([
      'float32',
    ])
    expect(
      hostOutputTypes(node('Concat', '', { axis: 0, unknown: 1 }), ['int64'], 17),
    ).toBeUndefined()
    expect(hostOutputTypes(node('Concat'), ['int64'], 17)).toBeUndefined()
    expect(
      hostOutputTypes(node('CumSum', '', { exclusive: 2 }), ['int64', 'int64'], 17),
    ).toBeUndefined()
    expect(hostOutputTypes(node('Add'), ['int64', 'int64'], 10)).toBeUndefined()
    expect(hostOutputTypes(node('Add'), ['int64'], 17)).toBeUndefined()
    expect(hostOutputTypes(node('Slice'), ['int64', 'int64', 'int32'], 17)).toBeUndefined()
    expect(
      hostOutputTypes(node('Slice'), ['int64', 'int64', 'int64', undefined, 'int64'], 17),
    ).toEqual(['int64'])
    expect(
      hostOutputTypes(
        node('ConstantOfShape', '', { value: { tensor: i32([1], [3]) } }),
        ['int64'],
        17,
      ),
    ).toEqual(['int32'])
  })

  it('throws a MetagenError naming the op on invalid inputs and on results it cannot give exactly', () => {
    expectEvaluatorError(
      { op: 'Add', inputs: [i64([2], [1, 2]), i64([3], [1, 2, 3])] },
      /do not broadcast/,
    )
    expectEvaluatorError(
      { op: 'Div', inputs: [i64([2], [1, 2]), i64([2], [1, 0])] },
      /division by zero/,
    )
    expectEvaluatorError({ op: 'Div', inputs: [i32([1], [1]), i32([], [0])] }, /division by zero/)
    expectEvaluatorError({ op: 'Mod', inputs: [i64([1], [1]), i64([], [0])] }, /division by zero/)
    expectEvaluatorError(
      { op: 'Mul', inputs: [i64([1], [2 ** 30]), i64([1], [2 ** 30])] },
      /outside the range/,
    )
    expectEvaluatorError(
      { op: 'Add', inputs: [i32([1], [2147483647]), i32([1], [1])] },
      /outside the range/,
    )
    expectEvaluatorError({ op: 'Neg', inputs: [i32([1], [-2147483648])] }, /outside the range/)
    expectEvaluatorError({ op: 'Abs', inputs: [i32([1], [-2147483648])] }, /outside the range/)
    expectEvaluatorError(
      { op: 'Cast', inputs: [f32([1], [Number.NaN])], attributes: { to: 7 } },
      /cannot cast/,
    )
    expectEvaluatorError(
      { op: 'Cast', inputs: [f32([1], [3e9])], attributes: { to: 6 } },
      /cannot cast/,
    )
    expectEvaluatorError(
      { op: 'Equal', inputs: [i64([1], [2 ** 63]), i64([1], [2 ** 63])] },
      /beyond the integers/,
    )
    expectEvaluatorError(
      { op: 'Max', inputs: [f32([2], [0, 1]), f32([2], [-0, 1])] },
      /-0 with \+0/,
    )
    expectEvaluatorError({ op: 'CumSum', inputs: [i64([], [1]), i64([], [0])] }, /scalar/)
  })
})

describe('optimized code', () => {
  it('gives the same bits once V8 has optimized the kernels', async () => {
    const [left, right] = awkwardPairs()
    const condition = bool(
      [left.data.length],
      Array.from(left.data, (value) => (value > 0 ? 1 : 0)),
    )
    const cases: Case[] = [
      ...['Add', 'Sub', 'Mul', 'Div'].map((op) => ({ op, inputs: [left, right] })),
      { op: 'Neg', inputs: [left] },
      { op: 'Where', inputs: [condition, left, right] },
      { op: 'Cast', inputs: [left], attributes: { to: 9 } },
    ]
    for (const spec of cases) {
      const [first] = await expectSameAsOnnxruntime(spec)
      const expected = Array.from(bytesOf(toOrtTensor(first as HostTensor)))
      const node = hostNode(buildModel(spec, []))
      let result = first as HostTensor
      for (let round = 0; round < 20_000; round++)
        [result] = evaluateHostOp(node, spec.inputs, 17) as [HostTensor]
      expect(Array.from(bytesOf(toOrtTensor(result))), spec.op).toEqual(expected)
    }
  })
})

describe('conversions', () => {
  it('toOrtTensor and fromOrtTensor round trip every host type', () => {
    const values: HostTensor[] = [
      f32([2, 2], [Number.NEGATIVE_INFINITY, -0, 0.1, -FLOAT_MAX]),
      i64([3], [-9007199254740991, 0, 9007199254740991]),
      i32([2, 1], [-2147483648, 2147483647]),
      bool([0, 2], []),
      bool([], [1]),
    ]
    for (const value of values) {
      const back = fromOrtTensor(toOrtTensor(value))
      expect(back?.type).toBe(value.type)
      expect(back?.dims).toEqual(value.dims)
      expect(Array.from(back?.data ?? []).map((item) => Object.is(item, -0))).toEqual(
        Array.from(value.data).map((item) => Object.is(item, -0)),
      )
      expect(Array.from(back?.data ?? [])).toEqual(Array.from(value.data))
    }
    expect(fromOrtTensor(new ort.Tensor('float64', new Float64Array([1]), [1]))).toBeUndefined()
    expect(fromOrtTensor(new ort.Tensor('bool', Uint8Array.of(0, 2), [2]))?.data).toEqual(
      Float64Array.of(0, 1),
    )
    // INT64_MAX is Slice's sentinel; other unsafe values keep their sign and magnitude class.
    const wide = fromOrtTensor(
      new ort.Tensor('int64', BigInt64Array.of(2n ** 63n - 1n, 2n ** 62n + 1n, -(2n ** 63n)), [3]),
    )
    expect(Array.from(wide?.data ?? [])).toEqual([2 ** 63, 2 ** 62, -(2 ** 62)])
  })

  it('hostTensorFromSummary reads decoded initializers and refuses the rest', () => {
    expect(
      hostTensorFromSummary({
        name: 'a',
        dataType: 7,
        dims: [2],
        integers: [3n, -4n],
        external: false,
      }),
    ).toEqual(i64([2], [3, -4]))
    expect(
      hostTensorFromSummary({ name: 'b', dataType: 9, dims: [], integers: [1n], external: false }),
    ).toEqual(bool([], [1]))
    expect(
      hostTensorFromSummary({ name: 'c', dataType: 1, dims: [1], floats: [0.1], external: false }),
    ).toEqual(f32([1], [0.1]))
    expect(
      hostTensorFromSummary({ name: 'd', dataType: 11, dims: [1], external: false }),
    ).toBeUndefined()
    expect(
      hostTensorFromSummary({ name: 'e', dataType: 7, dims: [100], external: false }),
    ).toBeUndefined()
    expect(
      hostTensorFromSummary({ name: 'f', dataType: 7, dims: [1], integers: [1n], external: true }),
    ).toBeUndefined()
  })
})
