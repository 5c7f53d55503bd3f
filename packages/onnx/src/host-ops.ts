// An exact JavaScript evaluator of the small integer/bool/float32 ONNX operators that compute
// attention masks and position tensors (Shape, Gather, Range, Where, comparisons, ...), so that
// host-subgraph.ts can take them out of the graph and feed their results as inputs. Every result
// must equal onnxruntime's bit for bit: hostOutputTypes accepts only what can be reproduced
// exactly, and evaluateHostOp throws where an exact result cannot be given (an integer leaving
// the safe-integer range, where onnxruntime would silently wrap).
import { MetagenError } from '@metagen/core'
import * as ort from 'onnxruntime-node'
import type { NodeAttribute, TensorSummary } from './onnx-graph.js'

/** Element types the host evaluator handles. */
export type HostType = 'float32' | 'int64' | 'int32' | 'bool'

/**
 * A small tensor on the host. Every element is a JS number: integers exact (safe integers),
 * booleans 0/1, float32 values already rounded to float32 (Math.fround). Row-major.
 * Evaluator outputs may share `data` with an input (Identity, Reshape, Squeeze, Unsqueeze):
 * never mutate a host tensor's data.
 */
export interface HostTensor {
  type: HostType
  dims: number[]
  data: Float64Array
}

/** A node as the evaluator sees it (a subset of onnx-graph.ts's GraphNode). */
export interface HostNode {
  opType: string
  domain: string
  attributes: Map<string, NodeAttribute>
}

/** Lowest default-domain opset accepted (negative axes and indices everywhere from 11 on). */
const MIN_OPSET = 11
/** Highest default-domain opset whose semantics of the supported ops are known here. */
const MAX_OPSET = 24

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

/** ONNX TensorProto.DataType numbers of the host types. */
const DATA_TYPES: Record<number, HostType> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool' }

type Types = ReadonlyArray<HostType | undefined>

function fail(node: HostNode, message: string): never {
  throw new MetagenError(`${node.opType}: ${message}`)
}

/** The product of dims[from, to). */
function elementCount(dims: readonly number[], from = 0, to = dims.length): number {
  let count = 1
  for (let index = from; index < to; index++) count *= dims[index] as number
  return count
}

function intAttribute(node: HostNode, name: string, fallback: number): number {
  const value = node.attributes.get(name)?.int
  return value === undefined ? fallback : Number(value)
}

// ---------------------------------------------------------------------------------------------
// Load-time check

/** Attributes each op may carry (anything else is rejected: its semantics are not implemented). */
const ATTRIBUTES: Record<string, readonly string[]> = {
  Shape: ['start', 'end'],
  Gather: ['axis'],
  Unsqueeze: ['axes'],
  Squeeze: ['axes'],
  Reshape: ['allowzero'],
  Concat: ['axis'],
  // `saturate` is left out: onnxruntime refuses the model when a cast not to float8 has it.
  Cast: ['to'],
  ConstantOfShape: ['value'],
  CumSum: ['exclusive', 'reverse'],
  Trilu: ['upper'],
  Mod: ['fmod'],
  Constant: ['value', 'value_int', 'value_ints', 'value_float'],
  Transpose: ['perm'],
}

const ARITHMETIC = new Set(['Add', 'Sub', 'Mul', 'Div', 'Mod'])
const COMPARISONS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual'])
const LOGICAL = new Set(['And', 'Or', 'Xor'])
const NUMERIC = new Set<HostType | undefined>(['float32', 'int32', 'int64'])
const INDEX = new Set<HostType | undefined>(['int32', 'int64'])

/** True when inputs [0, required) are present and inputs [required, maximum) may be omitted. */
function hasInputs(types: Types, required: number, maximum: number): boolean {
  if (types.length < required || types.length > maximum) return false
  for (let index = 0; index < required; index++) if (types[index] === undefined) return false
  return true
}

function attributesKnown(node: HostNode, opset: number): boolean {
  const allowed = ATTRIBUTES[node.opType] ?? []
  for (const [name, attribute] of node.attributes) {
    if (!allowed.includes(name) || attribute.graph) return false
  }
  const integer = (name: string): boolean => {
    const attribute = node.attributes.get(name)
    return attribute === undefined || attribute.int !== undefined
  }
  switch (node.opType) {
    case 'Shape':
      return (opset >= 15 || node.attributes.size === 0) && integer('start') && integer('end')
    case 'Gather':
      return integer('axis')
    case 'Unsqueeze':
    case 'Squeeze': {
      const axes = node.attributes.get('axes')
      if (opset >= 13) return axes === undefined
      if (axes === undefined) return node.opType === 'Squeeze'
      return axes.ints !== undefined
    }
    case 'Reshape':
      return (opset >= 14 || node.attributes.size === 0) && integer('allowzero')
    case 'Concat':
      return node.attributes.get('axis')?.int !== undefined
    case 'Cast':
      return node.attributes.get('to')?.int !== undefined
    case 'CastLike':
      return true
    case 'CumSum':
      return ['exclusive', 'reverse'].every((name) => {
        const value = node.attributes.get(name)?.int
        return integer(name) && (value === undefined || value === 0n || value === 1n)
      })
    case 'Trilu':
      return integer('upper')
    case 'Mod': {
      const fmod = node.attributes.get('fmod')?.int
      return fmod === undefined || fmod === 0n || fmod === 1n
    }
    case 'Constant':
      return node.attributes.size === 1
    case 'Transpose': {
      const perm = node.attributes.get('perm')
      return perm === undefined || perm.ints !== undefined
    }
    default:
      return true
  }
}

const constantValues = new WeakMap<HostNode, { type: HostType; value: number } | undefined>()

/** The value of ConstantOfShape's `value` attribute (default float32 0), if usable. */
function constantValue(node: HostNode): { type: HostType; value: number } | undefined {
  if (constantValues.has(node)) return constantValues.get(node)
  const value = readConstantValue(node)
  constantValues.set(node, value)
  return value
}

function readConstantValue(node: HostNode): { type: HostType; value: number } | undefined {
  const tensor = node.attributes.get('value')?.tensor
  if (tensor === undefined)
    return node.attributes.has('value') ? undefined : { type: 'float32', value: 0 }
  if (elementCount(tensor.dims) !== 1) return undefined
  const host = hostTensorFromSummary(tensor)
  if (host === undefined) return undefined
  const value = host.data[0] as number
  if (host.type === 'int64' && !Number.isSafeInteger(value)) return undefined
  return { type: host.type, value }
}

const constantNodeValues = new WeakMap<HostNode, HostTensor | undefined>()

/** The value of a Constant node, when it is a host tensor (value_floats and strings are not). */
function constantNodeValue(node: HostNode): HostTensor | undefined {
  if (constantNodeValues.has(node)) return constantNodeValues.get(node)
  const value = readConstantNodeValue(node)
  constantNodeValues.set(node, value)
  return value
}

function readConstantNodeValue(node: HostNode): HostTensor | undefined {
  const [name, attribute] = [...node.attributes][0] ?? []
  if (attribute === undefined) return undefined
  if (name === 'value' && attribute.tensor !== undefined) {
    const value = hostTensorFromSummary(attribute.tensor)
    if (value === undefined || value.type !== 'int64') return value
    return value.data.every((item) => Number.isSafeInteger(item)) ? value : undefined
  }
  if (name === 'value_int' && attribute.int !== undefined) return safeInt64([], [attribute.int])
  if (name === 'value_ints' && attribute.ints !== undefined) {
    return safeInt64([attribute.ints.length], attribute.ints)
  }
  if (name === 'value_float' && attribute.float !== undefined) {
    return { type: 'float32', dims: [], data: Float64Array.of(Math.fround(attribute.float)) }
  }
  return undefined
}

function safeInt64(dims: number[], values: readonly bigint[]): HostTensor | undefined {
  const data = new Float64Array(values.length)
  for (let index = 0; index < values.length; index++) {
    const value = int64Number(values[index] as bigint)
    if (!Number.isSafeInteger(value)) return undefined
    data[index] = value
  }
  return { type: 'int64', dims, data }
}

/**
 * Load-time check: the output element types of `node` given its inputs' element types
 * (`undefined` for an omitted optional input, i.e. the name ''), at default-domain opset `opset`;
 * undefined when the evaluator cannot compute this node exactly for EVERY input of those types
 * (unsupported op, domain, attribute, type combination, or an opset whose semantics differ).
 * Only types and attributes decide: every supported op's output types follow from them, so
 * values of constant inputs are not needed (`constantInputs` is accepted and ignored).
 * Accepts default-domain opsets 11 to 24 and, per op, only the input types onnxruntime 1.30's
 * CPU kernels implement.
 */
export function hostOutputTypes(
  node: HostNode,
  inputTypes: ReadonlyArray<HostType | undefined>,
  opset: number,
  _constantInputs?: ReadonlyArray<HostTensor | undefined>,
): HostType[] | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) return undefined
  if (!attributesKnown(node, opset)) return undefined
  const t = inputTypes
  const [first, second] = t
  const op = node.opType
  if (ARITHMETIC.has(op)) {
    // onnxruntime's float Mod requires fmod = 1 (C fmod, exact in any precision).
    if (op === 'Mod' && first === 'float32' && node.attributes.get('fmod')?.int !== 1n)
      return undefined
    return hasInputs(t, 2, 2) && NUMERIC.has(first) && second === first
      ? [first as HostType]
      : undefined
  }
  if (COMPARISONS.has(op)) {
    if (!hasInputs(t, 2, 2) || second !== first) return undefined
    if ((op === 'LessOrEqual' || op === 'GreaterOrEqual') && opset < 12) return undefined
    return NUMERIC.has(first) || (op === 'Equal' && first === 'bool') ? ['bool'] : undefined
  }
  if (LOGICAL.has(op)) {
    return hasInputs(t, 2, 2) && first === 'bool' && second === 'bool' ? ['bool'] : undefined
  }
  switch (op) {
    case 'Not':
      return hasInputs(t, 1, 1) && first === 'bool' ? ['bool'] : undefined
    case 'Neg':
    case 'Abs':
      return hasInputs(t, 1, 1) && NUMERIC.has(first) ? [first as HostType] : undefined
    case 'Size':
      return hasInputs(t, 1, 1) ? ['int64'] : undefined
    case 'Transpose':
      return hasInputs(t, 1, 1) ? [first as HostType] : undefined
    case 'Tile':
      return opset >= 13 && hasInputs(t, 2, 2) && second === 'int64'
        ? [first as HostType]
        : undefined
    case 'Min':
    case 'Max': {
      if (t.length < 1 || t.some((type) => type !== first)) return undefined
      // Before opset 12 onnxruntime implements Min and Max for floating point types only.
      if (first !== 'float32' && (opset < 12 || !INDEX.has(first))) return undefined
      return [first as HostType]
    }
    case 'Identity':
      return hasInputs(t, 1, 1) ? [first as HostType] : undefined
    case 'Where': {
      const third = t[2]
      // onnxruntime has no CPU Where kernel for bool values.
      return hasInputs(t, 3, 3) && first === 'bool' && second === third && NUMERIC.has(second)
        ? [second as HostType]
        : undefined
    }
    case 'Cast': {
      const to = DATA_TYPES[Number(node.attributes.get('to')?.int)]
      return hasInputs(t, 1, 1) && to !== undefined ? [to] : undefined
    }
    case 'CastLike':
      return opset >= 15 && hasInputs(t, 2, 2) ? [second as HostType] : undefined
    case 'Shape':
      return hasInputs(t, 1, 1) ? ['int64'] : undefined
    case 'Constant': {
      const value = constantNodeValue(node)
      return t.length === 0 && value !== undefined ? [value.type] : undefined
    }
    case 'Gather':
      return hasInputs(t, 2, 2) && INDEX.has(second) ? [first as HostType] : undefined
    case 'Unsqueeze':
      if (opset >= 13)
        return hasInputs(t, 2, 2) && second === 'int64' ? [first as HostType] : undefined
      return hasInputs(t, 1, 1) ? [first as HostType] : undefined
    case 'Squeeze':
      if (opset >= 13) {
        // An omitted axes input named '' fails in onnxruntime ("Axes input is null"): refused.
        return hasInputs(t, 1, 2) && (t.length === 1 || second === 'int64')
          ? [first as HostType]
          : undefined
      }
      return hasInputs(t, 1, 1) ? [first as HostType] : undefined
    case 'Reshape':
      return hasInputs(t, 2, 2) && second === 'int64' ? [first as HostType] : undefined
    case 'Expand':
      return hasInputs(t, 2, 2) && second === 'int64' ? [first as HostType] : undefined
    case 'Concat':
      return t.length >= 1 && t.every((type) => type === first && type !== undefined)
        ? [first as HostType]
        : undefined
    case 'Slice': {
      if (!hasInputs(t, 3, 5) || !INDEX.has(second)) return undefined
      for (let index = 2; index < t.length; index++) {
        if (t[index] !== undefined && t[index] !== second) return undefined
      }
      return [first as HostType]
    }
    case 'Range':
      return hasInputs(t, 3, 3) && NUMERIC.has(first) && t.every((type) => type === first)
        ? [first as HostType]
        : undefined
    case 'ConstantOfShape': {
      const value = constantValue(node)
      return hasInputs(t, 1, 1) && first === 'int64' && value !== undefined
        ? [value.type]
        : undefined
    }
    case 'CumSum':
      return hasInputs(t, 2, 2) && NUMERIC.has(first) && INDEX.has(second)
        ? [first as HostType]
        : undefined
    case 'Trilu':
      return opset >= 14 &&
        hasInputs(t, 1, 2) &&
        (first === 'float32' || first === 'int64') &&
        (t[1] === undefined || t[1] === 'int64')
        ? [first]
        : undefined
    default:
      return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Broadcasting elementwise kernels

const ADD = 0
const SUB = 1
const MUL = 2
const DIV = 3
const MIN = 4
const MAX = 5
const EQUAL = 6
const LESS = 7
const LESS_OR_EQUAL = 8
const GREATER = 9
const GREATER_OR_EQUAL = 10
const AND = 11
const OR = 12
const XOR = 13
const WHERE = 14
const COPY = 15
const MOD = 16
const FMOD = 17

const CODES: Record<string, number> = {
  Add: ADD,
  Sub: SUB,
  Mul: MUL,
  Div: DIV,
  Min: MIN,
  Max: MAX,
  Equal: EQUAL,
  Less: LESS,
  LessOrEqual: LESS_OR_EQUAL,
  Greater: GREATER,
  GreaterOrEqual: GREATER_OR_EQUAL,
  And: AND,
  Or: OR,
  Xor: XOR,
}

/** The numpy-style broadcast of the given shapes; throws naming the op when they do not broadcast. */
function broadcastDims(node: HostNode, shapes: ReadonlyArray<readonly number[]>): number[] {
  let rank = 0
  for (const shape of shapes) rank = Math.max(rank, shape.length)
  const dims = new Array<number>(rank).fill(1)
  for (const shape of shapes) {
    const offset = rank - shape.length
    for (let index = 0; index < shape.length; index++) {
      const dim = shape[index] as number
      const current = dims[offset + index] as number
      if (dim === current || dim === 1) continue
      if (current === 1) dims[offset + index] = dim
      else {
        fail(
          node,
          `shapes ${shapes.map((item) => `[${item.join(', ')}]`).join(' and ')} do not broadcast`,
        )
      }
    }
  }
  return dims
}

/** Strides of `dims` aligned to the trailing dims of `outDims`, 0 where `dims` is broadcast. */
function broadcastStrides(dims: readonly number[], outDims: readonly number[]): Int32Array {
  const rank = outDims.length
  const strides = new Int32Array(rank)
  let stride = 1
  for (let index = dims.length - 1; index >= 0; index--) {
    const dim = dims[index] as number
    strides[rank - dims.length + index] = dim === 1 ? 0 : stride
    stride *= dim
  }
  return strides
}

const SCALAR_ZERO = new Float64Array(1)

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

/**
 * Writes `n` results of the binary op `code` to out[o...], reading x[pa + j * ia] and
 * y[pb + j * ib] (raw double results: the caller rounds or checks them). One loop per op, so
 * the op is chosen once per row rather than once per element.
 */
function binaryRow(
  code: number,
  out: Float64Array,
  o: number,
  x: Float64Array,
  pa: number,
  ia: number,
  y: Float64Array,
  pb: number,
  ib: number,
  n: number,
): void {
  switch (code) {
    case ADD:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ + y_
      }
      return
    case SUB:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ - y_
      }
      return
    case MUL:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ * y_
      }
      return
    case DIV:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ / y_
      }
      return
    case EQUAL:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ === y_ ? 1 : 0
      }
      return
    case LESS:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ < y_ ? 1 : 0
      }
      return
    case LESS_OR_EQUAL:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ <= y_ ? 1 : 0
      }
      return
    case GREATER:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ > y_ ? 1 : 0
      }
      return
    case GREATER_OR_EQUAL:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ >= y_ ? 1 : 0
      }
      return
    case AND:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ & y_
      }
      return
    case OR:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ | y_
      }
      return
    case XOR:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ ^ y_
      }
      return
    case FMOD:
      for (let j = 0; j < n; j++) {
        const x_ = x[pa + j * ia] as number
        const y_ = y[pb + j * ib] as number
        out[o + j] = x_ % y_
      }
      return
    case MOD:
      for (let j = 0; j < n; j++) {
        const divisor = y[pb + j * ib] as number
        // onnxruntime's integer Mod with fmod = 0: the remainder takes the divisor's sign.
        const remainder = (x[pa + j * ia] as number) % divisor
        out[o + j] =
          (remainder < 0 && divisor > 0) || (remainder > 0 && divisor < 0)
            ? remainder + divisor
            : remainder
      }
      return
    default:
      throw new Error(`unknown elementwise code ${code}`)
  }
}

/**
 * Evaluates `code` over the broadcast of `a`, `b` (and `c` for Where) into a new array of
 * `outDims`' size: one pass, an odometer over the outer dims and a strided inner loop.
 */
function broadcastLoop(
  code: number,
  outDims: readonly number[],
  a: HostTensor,
  b: HostTensor | undefined,
  c: HostTensor | undefined,
): Float64Array {
  const total = elementCount(outDims)
  const out = new Float64Array(total)
  if (total === 0) return out
  const x = a.data
  const y = b?.data ?? SCALAR_ZERO
  const z = c?.data ?? SCALAR_ZERO
  if (code !== WHERE && code !== COPY && b !== undefined) {
    // Fast paths without index arithmetic: equal shapes, or a scalar-like side.
    const ia = x.length === total ? 1 : 0
    const ib = y.length === total ? 1 : 0
    if ((ia === 1 || x.length === 1) && (ib === 1 || y.length === 1)) {
      binaryRow(code, out, 0, x, 0, ia, y, 0, ib, total)
      return out
    }
  }
  if (code === WHERE) {
    const ia = x.length === total ? 1 : 0
    const ib = y.length === total ? 1 : 0
    const ic = z.length === total ? 1 : 0
    if ((ia || x.length === 1) && (ib || y.length === 1) && (ic || z.length === 1)) {
      for (let j = 0; j < total; j++) {
        out[j] = x[j * ia] ? whereTrue(y[j * ib] as number) : (z[j * ic] as number)
      }
      return out
    }
  }
  const rank = outDims.length
  if (rank === 0) {
    out[0] = element(code, x, y, z)
    return out
  }
  const sa = broadcastStrides(a.dims, outDims)
  const sb = b === undefined ? new Int32Array(rank) : broadcastStrides(b.dims, outDims)
  const sc = c === undefined ? new Int32Array(rank) : broadcastStrides(c.dims, outDims)
  const inner = outDims[rank - 1] as number
  const ia = sa[rank - 1] as number
  const ib = sb[rank - 1] as number
  const ic = sc[rank - 1] as number
  const counter = new Int32Array(rank)
  let pa = 0
  let pb = 0
  let pc = 0
  let o = 0
  while (o < total) {
    if (code === WHERE) {
      for (let j = 0; j < inner; j++) {
        out[o++] = x[pa + j * ia] ? whereTrue(y[pb + j * ib] as number) : (z[pc + j * ic] as number)
      }
    } else if (code === COPY) {
      for (let j = 0; j < inner; j++) out[o++] = x[pa + j * ia] as number
    } else {
      binaryRow(code, out, o, x, pa, ia, y, pb, ib, inner)
      o += inner
    }
    for (let d = rank - 2; d >= 0; d--) {
      const dim = outDims[d] as number
      pa += sa[d] as number
      pb += sb[d] as number
      pc += sc[d] as number
      const next = (counter[d] as number) + 1
      if (next < dim) {
        counter[d] = next
        break
      }
      counter[d] = 0
      pa -= (sa[d] as number) * dim
      pb -= (sb[d] as number) * dim
      pc -= (sc[d] as number) * dim
    }
  }
  return out
}

/**
 * Where's value taken from X. onnxruntime selects X where the condition holds (0 elsewhere),
 * Y where it does not (0 elsewhere), then merges with `xSelected != 0 ? xSelected : ySelected`:
 * a -0 taken from X comes out as +0.
 */
function whereTrue(value: number): number {
  return value === 0 ? 0 : value
}

function element(code: number, x: Float64Array, y: Float64Array, z: Float64Array): number {
  if (code === WHERE) return x[0] ? whereTrue(y[0] as number) : (z[0] as number)
  if (code === COPY) return x[0] as number
  const out = new Float64Array(1)
  binaryRow(code, out, 0, x, 0, 0, y, 0, 0, 1)
  return out[0] as number
}

/** Rounds (float32) or range-checks (integers) raw double results of an arithmetic op in place. */
function finishArithmetic(node: HostNode, type: HostType, data: Float64Array): void {
  const length = data.length
  if (type === 'float32') {
    for (let index = 0; index < length; index++) data[index] = Math.fround(data[index] as number)
    return
  }
  const low = type === 'int32' ? INT32_MIN : Number.MIN_SAFE_INTEGER
  const high = type === 'int32' ? INT32_MAX : Number.MAX_SAFE_INTEGER
  for (let index = 0; index < length; index++) {
    const value = data[index] as number
    // NaN fails both comparisons: it cannot come from safe integers, but a guard costs nothing.
    if (!(value >= low && value <= high)) {
      fail(
        node,
        `${type} result ${value} is outside the range computed exactly (${low} to ${high})`,
      )
    }
    // -0 from 0 * -1 or truncation toward zero is integer 0.
    data[index] = value + 0
  }
}

function evaluateArithmetic(node: HostNode, a: HostTensor, b: HostTensor): HostTensor {
  const fmod = node.attributes.get('fmod')?.int === 1n
  const code = node.opType === 'Mod' ? (fmod ? FMOD : MOD) : (CODES[node.opType] as number)
  const dims = sameDims(a.dims, b.dims) ? a.dims : broadcastDims(node, [a.dims, b.dims])
  const dividing = code === DIV || code === MOD || code === FMOD
  if (dividing && a.type !== 'float32' && elementCount(dims) > 0) {
    const divisors = b.data
    for (let index = 0; index < divisors.length; index++) {
      if (divisors[index] === 0) fail(node, 'integer division by zero')
    }
  }
  const data = broadcastLoop(code, dims, a, b, undefined)
  if (code === DIV && a.type !== 'float32') {
    // Truncation toward zero. For safe integers the rounded quotient never crosses an integer:
    // its error (|x / y| * 2^-53) is below the distance 1 / |y| to the next integer.
    for (let index = 0; index < data.length; index++)
      data[index] = Math.trunc(data[index] as number)
  }
  finishArithmetic(node, a.type, data)
  return { type: a.type, dims, data }
}

/** Min or Max of two tensors, NaN propagating (float32), as onnxruntime's Eigen kernels do. */
function minMax(node: HostNode, isMax: boolean, a: HostTensor, b: HostTensor): HostTensor {
  const dims = sameDims(a.dims, b.dims) ? a.dims : broadcastDims(node, [a.dims, b.dims])
  // Gather both operands side by side so the pick below is one loop without index arithmetic.
  const left = broadcastLoop(COPY, dims, a, undefined, undefined)
  const right = broadcastLoop(COPY, dims, b, undefined, undefined)
  for (let index = 0; index < left.length; index++) {
    const x = left[index] as number
    const y = right[index] as number
    if (Number.isNaN(x)) continue
    if (Number.isNaN(y)) {
      left[index] = y
      continue
    }
    if (x === y) {
      if (x === 0 && Object.is(x, -0) !== Object.is(y, -0)) {
        fail(node, 'comparing -0 with +0: the sign of the result is not reproduced exactly')
      }
      continue
    }
    if (isMax ? y > x : y < x) left[index] = y
  }
  return { type: a.type, dims, data: left }
}

// ---------------------------------------------------------------------------------------------
// Shape and data movement

function normalizeAxis(node: HostNode, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail(node, `${what} ${axis} is out of range for rank ${rank}`)
  }
  return axis < 0 ? axis + rank : axis
}

/** Values of a 0-D or 1-D integer input as numbers. */
function integerList(node: HostNode, tensor: HostTensor, what: string): Float64Array {
  if (tensor.dims.length > 1)
    fail(node, `${what} must be a 1-D tensor, got dims [${tensor.dims.join(', ')}]`)
  return tensor.data
}

function checkDims(node: HostNode, dims: readonly number[]): void {
  for (const dim of dims) {
    if (!Number.isSafeInteger(dim) || dim < 0) fail(node, `invalid output dimension ${dim}`)
  }
  if (elementCount(dims) > 2 ** 31)
    fail(node, `output of ${elementCount(dims)} elements is too large`)
}

function evaluateShape(node: HostNode, input: HostTensor): HostTensor {
  const rank = input.dims.length
  let start = 0
  let end = rank
  if (node.attributes.size > 0) {
    start = clampToRank(intAttribute(node, 'start', 0), rank)
    end = Math.max(start, clampToRank(intAttribute(node, 'end', rank), rank))
  }
  const data = new Float64Array(end - start)
  for (let index = start; index < end; index++) data[index - start] = input.dims[index] as number
  return { type: 'int64', dims: [end - start], data }
}

/** Shape's start/end: negative counts from the back, then clamped to [0, rank]. */
function clampToRank(value: number, rank: number): number {
  return Math.min(Math.max(value < 0 ? value + rank : value, 0), rank)
}

function evaluateGather(node: HostNode, data: HostTensor, indices: HostTensor): HostTensor {
  const rank = data.dims.length
  if (rank === 0) fail(node, 'data must have rank at least 1')
  const axis = normalizeAxis(node, intAttribute(node, 'axis', 0), rank)
  const axisDim = data.dims[axis] as number
  const outer = elementCount(data.dims, 0, axis)
  const inner = elementCount(data.dims, axis + 1)
  const dims: number[] = []
  for (let index = 0; index < axis; index++) dims.push(data.dims[index] as number)
  for (const dim of indices.dims) dims.push(dim)
  for (let index = axis + 1; index < rank; index++) dims.push(data.dims[index] as number)
  const count = indices.data.length
  const offsets = new Float64Array(count)
  for (let index = 0; index < count; index++) {
    const value = indices.data[index] as number
    if (value < -axisDim || value >= axisDim) {
      fail(node, `index ${value} is out of bounds for axis ${axis} of size ${axisDim}`)
    }
    offsets[index] = (value < 0 ? value + axisDim : value) * inner
  }
  const out = new Float64Array(outer * count * inner)
  const source = data.data
  let o = 0
  for (let block = 0; block < outer; block++) {
    const base = block * axisDim * inner
    for (let index = 0; index < count; index++) {
      const from = base + (offsets[index] as number)
      if (inner === 1) out[o++] = source[from] as number
      else {
        out.set(source.subarray(from, from + inner), o)
        o += inner
      }
    }
  }
  return { type: data.type, dims, data: out }
}

function axesOf(node: HostNode, tensor: HostTensor | undefined): ArrayLike<number> | undefined {
  if (tensor === undefined) return node.attributes.get('axes')?.ints?.map(Number)
  return integerList(node, tensor, 'axes')
}

function evaluateUnsqueeze(
  node: HostNode,
  data: HostTensor,
  axesTensor: HostTensor | undefined,
): HostTensor {
  const axes = axesOf(node, axesTensor) ?? fail(node, 'axes are required')
  const rank = data.dims.length + axes.length
  const inserted = new Array<boolean>(rank).fill(false)
  for (let index = 0; index < axes.length; index++) {
    const axis = axes[index] as number
    const normalized = normalizeAxis(node, axis, rank)
    if (inserted[normalized]) fail(node, `axis ${axis} is repeated`)
    inserted[normalized] = true
  }
  const dims: number[] = []
  let next = 0
  for (let index = 0; index < rank; index++)
    dims.push(inserted[index] ? 1 : (data.dims[next++] as number))
  return { type: data.type, dims, data: data.data }
}

function evaluateSqueeze(
  node: HostNode,
  data: HostTensor,
  axesTensor: HostTensor | undefined,
): HostTensor {
  const axes = axesOf(node, axesTensor)
  const rank = data.dims.length
  const removed = new Array<boolean>(rank).fill(false)
  if (axes === undefined) {
    for (let index = 0; index < rank; index++) removed[index] = data.dims[index] === 1
  } else {
    for (let index = 0; index < axes.length; index++) {
      const axis = axes[index] as number
      const normalized = normalizeAxis(node, axis, rank)
      if (data.dims[normalized] !== 1) {
        fail(node, `cannot squeeze axis ${axis} of size ${data.dims[normalized]} (must be 1)`)
      }
      removed[normalized] = true
    }
  }
  return { type: data.type, dims: data.dims.filter((_, index) => !removed[index]), data: data.data }
}

function evaluateReshape(node: HostNode, data: HostTensor, shape: HostTensor): HostTensor {
  const requested = integerList(node, shape, 'shape')
  const allowZero = node.attributes.get('allowzero')?.int === 1n
  const dims: number[] = []
  let unknown = -1
  let known = 1
  for (let index = 0; index < requested.length; index++) {
    let dim = requested[index] as number
    if (dim === -1) {
      if (unknown !== -1) fail(node, 'at most one dimension of the shape can be -1')
      unknown = index
    } else {
      if (dim === 0 && !allowZero) {
        if (index >= data.dims.length) {
          fail(node, `shape[${index}] is 0 (copy) but the input has rank ${data.dims.length}`)
        }
        dim = data.dims[index] as number
      }
      if (dim < 0) fail(node, `shape[${index}] is ${dim}: a dimension cannot be less than -1`)
      known *= dim
    }
    dims.push(dim)
  }
  const size = data.data.length
  if (unknown !== -1) {
    if (known === 0 || size % known !== 0) {
      fail(
        node,
        `cannot reshape [${data.dims.join(', ')}] to [${Array.from(requested).join(', ')}]`,
      )
    }
    dims[unknown] = size / known
  } else if (known !== size) {
    fail(node, `cannot reshape [${data.dims.join(', ')}] to [${Array.from(requested).join(', ')}]`)
  }
  return { type: data.type, dims, data: data.data }
}

function evaluateConcat(node: HostNode, inputs: readonly HostTensor[]): HostTensor {
  const first = inputs[0] as HostTensor
  const rank = first.dims.length
  if (rank === 0) fail(node, 'cannot concatenate scalars')
  const axis = normalizeAxis(node, intAttribute(node, 'axis', 0), rank)
  const dims = first.dims.slice()
  dims[axis] = 0
  for (const input of inputs) {
    if (input.dims.length !== rank)
      fail(node, `inputs have different ranks (${rank} and ${input.dims.length})`)
    for (let index = 0; index < rank; index++) {
      if (index !== axis && input.dims[index] !== first.dims[index]) {
        fail(
          node,
          `non-concat axis ${index} has mismatched dimensions ${input.dims[index]} and ${first.dims[index]}`,
        )
      }
    }
    dims[axis] = (dims[axis] as number) + (input.dims[axis] as number)
  }
  const outer = elementCount(first.dims, 0, axis)
  const out = new Float64Array(elementCount(dims))
  const outPitch = out.length / Math.max(outer, 1)
  let offset = 0
  for (const input of inputs) {
    const pitch = elementCount(input.dims, axis)
    const source = input.data
    for (let block = 0; block < outer; block++) {
      const from = block * pitch
      const to = block * outPitch + offset
      if (pitch > 32) out.set(source.subarray(from, from + pitch), to)
      else
        for (let index = 0; index < pitch; index++) out[to + index] = source[from + index] as number
    }
    offset += pitch
  }
  return { type: first.type, dims, data: out }
}

function evaluateSlice(node: HostNode, inputs: ReadonlyArray<HostTensor | undefined>): HostTensor {
  const data = inputs[0] as HostTensor
  const starts = integerList(node, inputs[1] as HostTensor, 'starts')
  const ends = integerList(node, inputs[2] as HostTensor, 'ends')
  const axesTensor = inputs[3]
  const stepsTensor = inputs[4]
  const rank = data.dims.length
  const count = starts.length
  if (ends.length !== count)
    fail(node, `starts and ends have different lengths (${count} and ${ends.length})`)
  const axes = axesTensor === undefined ? undefined : integerList(node, axesTensor, 'axes')
  const steps = stepsTensor === undefined ? undefined : integerList(node, stepsTensor, 'steps')
  if (axes !== undefined && axes.length !== count)
    fail(node, `axes has ${axes.length} values, starts ${count}`)
  if (steps !== undefined && steps.length !== count)
    fail(node, `steps has ${steps.length} values, starts ${count}`)
  const firsts = new Array<number>(rank).fill(0)
  const stepOf = new Array<number>(rank).fill(1)
  const dims = data.dims.slice()
  const seen = new Array<boolean>(rank).fill(false)
  for (let index = 0; index < count; index++) {
    const axis = axes === undefined ? index : (axes[index] as number)
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      fail(node, `axes has an axis (${axis}) outside of the tensor dimension count ${rank}`)
    }
    const normalized = axis < 0 ? axis + rank : axis
    if (seen[normalized]) fail(node, `axes has duplicates (${axis})`)
    seen[normalized] = true
    const step = steps === undefined ? 1 : (steps[index] as number)
    if (step === 0) fail(node, 'step value cannot be 0')
    if (!Number.isSafeInteger(step)) fail(node, `step ${step} is not a safe integer`)
    const dim = data.dims[normalized] as number
    // Sentinels such as INT64_MAX arrive as doubles far beyond any dim: clamping is unaffected.
    let start = starts[index] as number
    if (start < 0) start += dim
    start = step < 0 ? Math.min(Math.max(start, 0), dim - 1) : Math.min(Math.max(start, 0), dim)
    let end = ends[index] as number
    if (end === INT32_MAX || end >= 2 ** 63) {
      // onnxruntime reads INT32_MAX and INT64_MAX as "to the end" in the step's direction.
      end = step < 0 ? -1 : dim
    } else {
      if (end < 0) end += dim
      end = step < 0 ? Math.min(Math.max(end, -1), dim) : Math.min(Math.max(end, 0), dim)
    }
    const length = dim === 0 ? 0 : Math.ceil((end - start) / step)
    firsts[normalized] = dim === 0 ? 0 : start
    stepOf[normalized] = step
    dims[normalized] = Math.max(length, 0)
  }
  const total = elementCount(dims)
  const out = new Float64Array(total)
  if (total === 0) return { type: data.type, dims, data: out }
  // Input strides, and the offset of the first element taken.
  const strides = new Array<number>(rank)
  let stride = 1
  let base = 0
  for (let index = rank - 1; index >= 0; index--) {
    strides[index] = stride
    base += (firsts[index] as number) * stride
    stride *= data.dims[index] as number
  }
  const source = data.data
  if (rank === 0) {
    out[0] = source[0] as number
    return { type: data.type, dims, data: out }
  }
  const inner = dims[rank - 1] as number
  const innerStep = (stepOf[rank - 1] as number) * (strides[rank - 1] as number)
  const counter = new Array<number>(rank).fill(0)
  let position = base
  let o = 0
  while (o < total) {
    for (let j = 0; j < inner; j++) out[o++] = source[position + j * innerStep] as number
    for (let d = rank - 2; d >= 0; d--) {
      const move = (stepOf[d] as number) * (strides[d] as number)
      position += move
      const next = (counter[d] as number) + 1
      if (next < (dims[d] as number)) {
        counter[d] = next
        break
      }
      counter[d] = 0
      position -= move * (dims[d] as number)
    }
  }
  return { type: data.type, dims, data: out }
}

function listOf(values: Float64Array): number[] {
  const list: number[] = []
  for (let index = 0; index < values.length; index++) list.push(values[index] as number)
  return list
}

/**
 * Copies `input` into a new array of `dims`, where output position (i0, ..., in) reads input
 * element sum(ik * strides[k]) after `wrap` (for Tile: ik modulo the input dim).
 */
function gatherStrided(
  input: HostTensor,
  dims: readonly number[],
  strides: readonly number[],
  wrap: boolean,
): Float64Array {
  const total = elementCount(dims)
  const out = new Float64Array(total)
  if (total === 0) return out
  const rank = dims.length
  const source = input.data
  if (rank === 0) {
    out[0] = source[0] as number
    return out
  }
  const counter = new Array<number>(rank).fill(0)
  const inner = dims[rank - 1] as number
  const innerStride = strides[rank - 1] as number
  const innerWrap = wrap ? (input.dims[rank - 1] as number) : inner
  let position = 0
  let o = 0
  while (o < total) {
    if (wrap) {
      for (let j = 0; j < inner; j++)
        out[o++] = source[position + (j % innerWrap) * innerStride] as number
    } else {
      for (let j = 0; j < inner; j++) out[o++] = source[position + j * innerStride] as number
    }
    for (let d = rank - 2; d >= 0; d--) {
      const stride = strides[d] as number
      const next = (counter[d] as number) + 1
      if (next < (dims[d] as number)) {
        counter[d] = next
        // Tile wraps each dim around the input's size.
        position +=
          wrap && next % (input.dims[d] as number) === 0
            ? -stride * ((input.dims[d] as number) - 1)
            : stride
        break
      }
      position -=
        stride *
        (wrap ? (counter[d] as number) % (input.dims[d] as number) : (counter[d] as number))
      counter[d] = 0
    }
  }
  return out
}

function rowMajorStrides(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length)
  let stride = 1
  for (let index = dims.length - 1; index >= 0; index--) {
    strides[index] = stride
    stride *= dims[index] as number
  }
  return strides
}

function evaluateTranspose(node: HostNode, input: HostTensor): HostTensor {
  const rank = input.dims.length
  const given = node.attributes.get('perm')?.ints
  const perm = given === undefined ? [...Array(rank).keys()].reverse() : given.map(Number)
  if (perm.length !== rank) fail(node, `perm has ${perm.length} axes, the input has rank ${rank}`)
  const seen = new Array<boolean>(rank).fill(false)
  for (const axis of perm) {
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank || seen[axis]) {
      fail(node, `perm [${perm.join(', ')}] is not a permutation of the input's ${rank} axes`)
    }
    seen[axis] = true
  }
  const inputStrides = rowMajorStrides(input.dims)
  const dims = perm.map((axis) => input.dims[axis] as number)
  const strides = perm.map((axis) => inputStrides[axis] as number)
  return { type: input.type, dims, data: gatherStrided(input, dims, strides, false) }
}

function evaluateTile(node: HostNode, input: HostTensor, repeatsTensor: HostTensor): HostTensor {
  const rank = input.dims.length
  if (rank === 0) fail(node, 'input must have rank at least 1')
  const repeats = integerList(node, repeatsTensor, 'repeats')
  if (repeatsTensor.dims.length !== 1 || repeats.length !== rank) {
    fail(node, `repeats must be a 1-D tensor of ${rank} values`)
  }
  const dims: number[] = []
  for (let index = 0; index < rank; index++) {
    const repeat = repeats[index] as number
    if (repeat < 0) fail(node, `repeats[${index}] is negative (${repeat})`)
    dims.push((input.dims[index] as number) * repeat)
  }
  checkDims(node, dims)
  return {
    type: input.type,
    dims,
    data: gatherStrided(input, dims, rowMajorStrides(input.dims), true),
  }
}

/** onnxruntime's "scalar like": rank 0, or rank 1 with one element. */
function scalarLike(node: HostNode, tensor: HostTensor, what: string): number {
  const { dims } = tensor
  if (!(dims.length === 0 || (dims.length === 1 && dims[0] === 1))) {
    fail(node, `${what} must be a scalar, got dims [${dims.join(', ')}]`)
  }
  return tensor.data[0] as number
}

function evaluateRange(node: HostNode, inputs: readonly HostTensor[]): HostTensor {
  const type = (inputs[0] as HostTensor).type
  const start = scalarLike(node, inputs[0] as HostTensor, 'start')
  const limit = scalarLike(node, inputs[1] as HostTensor, 'limit')
  const delta = scalarLike(node, inputs[2] as HostTensor, 'delta')
  if (delta === 0) fail(node, 'delta cannot be zero')
  let span: number
  if (type === 'float32') span = Math.fround(limit - start)
  else {
    span = limit - start
    const [low, high] = type === 'int32' ? [INT32_MIN, INT32_MAX] : [-(2 ** 53) + 1, 2 ** 53 - 1]
    if (span < low || span > high) fail(node, `limit - start = ${span} leaves the ${type} range`)
  }
  const steps = Math.ceil(span / delta)
  if (Number.isNaN(steps) || steps > 2 ** 31) fail(node, `cannot produce ${steps} elements`)
  const count = Math.max(steps, 0)
  const out = new Float64Array(count)
  let value = start
  for (let index = 0; index < count; index++) {
    out[index] = value
    // float32 accumulates with rounding at each step, as onnxruntime's `start += delta`.
    value = type === 'float32' ? Math.fround(value + delta) : value + delta
  }
  return { type, dims: [count], data: out }
}

function evaluateExpand(node: HostNode, input: HostTensor, shape: HostTensor): HostTensor {
  const requested = listOf(integerList(node, shape, 'shape'))
  for (const dim of requested) if (dim < 0) fail(node, `shape has a negative dimension ${dim}`)
  const dims = broadcastDims(node, [input.dims, requested])
  checkDims(node, dims)
  if (sameDims(dims, input.dims)) return { type: input.type, dims, data: input.data }
  return { type: input.type, dims, data: broadcastLoop(COPY, dims, input, undefined, undefined) }
}

function evaluateConstantOfShape(node: HostNode, shape: HostTensor): HostTensor {
  const value = constantValue(node) ?? fail(node, 'value attribute is not usable')
  const dims = listOf(integerList(node, shape, 'input'))
  for (const dim of dims) if (dim < 0) fail(node, `shape has a negative dimension ${dim}`)
  checkDims(node, dims)
  return { type: value.type, dims, data: new Float64Array(elementCount(dims)).fill(value.value) }
}

function evaluateCumSum(node: HostNode, input: HostTensor, axisTensor: HostTensor): HostTensor {
  const rank = input.dims.length
  if (rank === 0) fail(node, 'cannot apply CumSum to a scalar')
  const total = input.data.length
  const out = new Float64Array(total)
  if (total === 0) return { type: input.type, dims: input.dims, data: out }
  if (axisTensor.dims.length > 1) fail(node, 'axis must be 0-D or 1-D')
  if (axisTensor.data.length === 0) fail(node, 'axis is empty')
  const axis = normalizeAxis(node, axisTensor.data[0] as number, rank)
  const exclusive = node.attributes.get('exclusive')?.int === 1n
  const reverse = node.attributes.get('reverse')?.int === 1n
  const dim = input.dims[axis] as number
  const inner = elementCount(input.dims, axis + 1)
  const outer = total / (dim * inner)
  const source = input.data
  const float = input.type === 'float32'
  // Walk each slice along the axis in the summation order, adding the previous output.
  for (let block = 0; block < outer; block++) {
    for (let lane = 0; lane < inner; lane++) {
      const base = block * dim * inner + lane
      let previous = 0
      for (let step = 0; step < dim; step++) {
        const position = base + (reverse ? dim - 1 - step : step) * inner
        let value: number
        if (step === 0) value = exclusive ? 0 : (source[position] as number)
        else {
          const added = source[position - (exclusive ? (reverse ? -inner : inner) : 0)] as number
          value = float ? Math.fround(previous + added) : previous + added
        }
        out[position] = value
        previous = value
      }
    }
  }
  if (!float) finishArithmetic(node, input.type, out)
  return { type: input.type, dims: input.dims, data: out }
}

function evaluateTrilu(
  node: HostNode,
  input: HostTensor,
  kTensor: HostTensor | undefined,
): HostTensor {
  const rank = input.dims.length
  if (rank < 2) fail(node, 'input must have rank at least 2')
  let k = 0
  if (kTensor !== undefined) {
    if (!(kTensor.dims.length === 0 || (kTensor.dims.length === 1 && kTensor.dims[0] === 1))) {
      fail(node, 'k must be a 0-D or 1-element 1-D tensor')
    }
    k = kTensor.data[0] as number
  }
  const upper = intAttribute(node, 'upper', 1) !== 0
  const height = input.dims[rank - 2] as number
  const width = input.dims[rank - 1] as number
  const out = input.data.slice()
  const matrices = height * width === 0 ? 0 : out.length / (height * width)
  for (let matrix = 0; matrix < matrices; matrix++) {
    const base = matrix * height * width
    for (let row = 0; row < height; row++) {
      for (let column = 0; column < width; column++) {
        // Upper keeps column - row >= k; lower keeps column - row <= k.
        const keep = upper ? column - row >= k : column - row <= k
        if (!keep) out[base + row * width + column] = 0
      }
    }
  }
  return { type: input.type, dims: input.dims, data: out }
}

// ---------------------------------------------------------------------------------------------
// Casts

function castData(node: HostNode, input: HostTensor, to: HostType): Float64Array {
  const source = input.data
  const from = input.type
  const length = source.length
  // bool -> int, int32 -> int64 and same-type casts keep the values.
  if (
    from === to ||
    (from === 'bool' && to !== 'float32') ||
    (from === 'int32' && to === 'int64')
  ) {
    return source.slice()
  }
  const out = new Float64Array(length)
  if (to === 'bool') {
    // NaN !== 0: true, as static_cast<bool>.
    for (let index = 0; index < length; index++) out[index] = source[index] !== 0 ? 1 : 0
  } else if (to === 'float32') {
    for (let index = 0; index < length; index++) out[index] = Math.fround(source[index] as number)
  } else if (from === 'float32') {
    const low = to === 'int32' ? INT32_MIN : Number.MIN_SAFE_INTEGER
    const high = to === 'int32' ? INT32_MAX : Number.MAX_SAFE_INTEGER
    for (let index = 0; index < length; index++) {
      const value = source[index] as number
      const truncated = Math.trunc(value)
      // NaN fails both comparisons.
      if (!(truncated >= low && truncated <= high))
        fail(node, `cannot cast ${value} to ${to} exactly`)
      out[index] = truncated + 0
    }
  } else {
    // int64 -> int32 keeps the low 32 bits, as static_cast does.
    for (let index = 0; index < length; index++) out[index] = (source[index] as number) | 0
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function checkSafeIntegers(node: HostNode, tensor: HostTensor, position: number): void {
  const data = tensor.data
  for (let index = 0; index < data.length; index++) {
    const value = data[index] as number
    if (!(value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER)) {
      fail(node, `input ${position} holds ${value}, beyond the integers computed exactly`)
    }
  }
}

function required(
  node: HostNode,
  inputs: ReadonlyArray<HostTensor | undefined>,
  index: number,
): HostTensor {
  return inputs[index] ?? fail(node, `input ${index} is missing`)
}

/**
 * Computes `node`'s outputs (in order) from `inputs` (undefined for omitted optional inputs),
 * exactly as onnxruntime does. Only called on nodes hostOutputTypes accepted. Throws a
 * MetagenError (from '@metagen/core') naming the op and the problem when the inputs are invalid
 * for the op (shapes that do not broadcast, an index out of range, an integer result that is not
 * a safe integer, ...): the pass then fails with that message, as onnxruntime would fail.
 * Also throws where onnxruntime's result is defined but not reproduced: an int64 input beyond the
 * safe-integer range (except Slice's starts/ends and Trilu's k, which only clamp), a float32 to
 * integer cast of NaN, an infinity or a value beyond the target's range, and a float32 Min/Max
 * of -0 against +0. Outputs may share `data` with inputs.
 */
export function evaluateHostOp(
  node: HostNode,
  inputs: ReadonlyArray<HostTensor | undefined>,
  opset: number,
): HostTensor[] {
  const op = node.opType
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index]
    if (input === undefined || input.type !== 'int64') continue
    if ((op === 'Slice' && (index === 1 || index === 2)) || (op === 'Trilu' && index === 1))
      continue
    checkSafeIntegers(node, input, index)
  }
  const a = inputs[0] as HostTensor
  if (ARITHMETIC.has(op)) return [evaluateArithmetic(node, a, required(node, inputs, 1))]
  const code = CODES[op]
  if (code !== undefined && (COMPARISONS.has(op) || LOGICAL.has(op))) {
    const b = required(node, inputs, 1)
    const dims = sameDims(a.dims, b.dims) ? a.dims : broadcastDims(node, [a.dims, b.dims])
    return [{ type: 'bool', dims, data: broadcastLoop(code, dims, a, b, undefined) }]
  }
  switch (op) {
    case 'Not': {
      const data = new Float64Array(a.data.length)
      for (let index = 0; index < data.length; index++) data[index] = a.data[index] ? 0 : 1
      return [{ type: 'bool', dims: a.dims, data }]
    }
    case 'Neg':
    case 'Abs': {
      const data = new Float64Array(a.data.length)
      // Math.abs clears the sign bit, as fabs does (NaN included).
      if (op === 'Abs')
        for (let index = 0; index < data.length; index++)
          data[index] = Math.abs(a.data[index] as number)
      else
        for (let index = 0; index < data.length; index++) data[index] = -(a.data[index] as number)
      if (a.type !== 'float32') finishArithmetic(node, a.type, data)
      return [{ type: a.type, dims: a.dims, data }]
    }
    case 'Size':
      return [{ type: 'int64', dims: [], data: Float64Array.of(a.data.length) }]
    case 'Transpose':
      return [evaluateTranspose(node, a)]
    case 'Tile':
      return [evaluateTile(node, a, required(node, inputs, 1))]
    case 'Min':
    case 'Max': {
      let result = required(node, inputs, 0)
      if (inputs.length === 1)
        result = { type: result.type, dims: result.dims, data: result.data.slice() }
      for (let index = 1; index < inputs.length; index++) {
        result = minMax(node, op === 'Max', result, required(node, inputs, index))
      }
      return [result]
    }
    case 'Identity':
      return [a]
    case 'Constant':
      return [constantNodeValue(node) ?? fail(node, 'value is not a host tensor')]
    case 'Where': {
      const b = required(node, inputs, 1)
      const c = required(node, inputs, 2)
      const dims = broadcastDims(node, [a.dims, b.dims, c.dims])
      return [{ type: b.type, dims, data: broadcastLoop(WHERE, dims, a, b, c) }]
    }
    case 'Cast': {
      const to =
        DATA_TYPES[Number(node.attributes.get('to')?.int)] ?? fail(node, 'unsupported target type')
      return [{ type: to, dims: a.dims, data: castData(node, a, to) }]
    }
    case 'CastLike': {
      const to = required(node, inputs, 1).type
      return [{ type: to, dims: a.dims, data: castData(node, a, to) }]
    }
    case 'Shape':
      return [evaluateShape(node, a)]
    case 'Gather':
      return [evaluateGather(node, a, required(node, inputs, 1))]
    case 'Unsqueeze':
      return [evaluateUnsqueeze(node, a, opset >= 13 ? required(node, inputs, 1) : undefined)]
    case 'Squeeze':
      return [evaluateSqueeze(node, a, opset >= 13 ? inputs[1] : undefined)]
    case 'Reshape':
      return [evaluateReshape(node, a, required(node, inputs, 1))]
    case 'Expand':
      return [evaluateExpand(node, a, required(node, inputs, 1))]
    case 'Concat':
      return [
        evaluateConcat(
          node,
          inputs.map((_, index) => required(node, inputs, index)),
        ),
      ]
    case 'Slice':
      return [evaluateSlice(node, inputs)]
    case 'Range':
      return [
        evaluateRange(
          node,
          [0, 1, 2].map((index) => required(node, inputs, index)),
        ),
      ]
    case 'ConstantOfShape':
      return [evaluateConstantOfShape(node, a)]
    case 'CumSum':
      return [evaluateCumSum(node, a, required(node, inputs, 1))]
    case 'Trilu':
      return [evaluateTrilu(node, a, inputs[1])]
    default:
      return fail(node, 'not supported by the host evaluator')
  }
}

// ---------------------------------------------------------------------------------------------
// Conversions

/**
 * An initializer or Constant value as a host tensor; undefined when its type is not a HostType,
 * it has external data, or readOnnxGraph did not decode its values (more than 64 elements).
 * int64 values beyond the safe-integer range become stand-ins that clamp alike (INT64_MAX is 2^63,
 * any other value +-2^62): fine for Slice's bounds and Trilu's k, refused by evaluateHostOp
 * everywhere else.
 */
export function hostTensorFromSummary(tensor: TensorSummary): HostTensor | undefined {
  const type = DATA_TYPES[tensor.dataType]
  if (type === undefined || tensor.external) return undefined
  const dims = tensor.dims.slice()
  const count = elementCount(dims)
  if (type === 'float32') {
    if (tensor.floats === undefined || tensor.floats.length !== count) return undefined
    return { type, dims, data: Float64Array.from(tensor.floats, Math.fround) }
  }
  if (tensor.integers === undefined || tensor.integers.length !== count) return undefined
  const data = new Float64Array(count)
  for (let index = 0; index < count; index++) {
    const value = tensor.integers[index] as bigint
    data[index] = type === 'bool' ? (value !== 0n ? 1 : 0) : int64Number(value)
  }
  return { type, dims, data }
}

const INT64_MAX = 2n ** 63n - 1n

/**
 * An int64 as a number: exact when safe. INT64_MAX becomes 2^63 (Slice's "to the end" sentinel);
 * other unsafe values become +-2^62, which clamp like them but never equal the sentinel.
 */
function int64Number(value: bigint): number {
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(value)
  }
  if (value === INT64_MAX) return 2 ** 63
  return value > 0n ? 2 ** 62 : -(2 ** 62)
}

/**
 * Converts a host tensor to an onnxruntime-node Tensor of its type (bool -> Uint8Array,
 * int64 -> BigInt64Array, int32 -> Int32Array, float32 -> Float32Array). The data is copied;
 * int64 values from 2^63 up become INT64_MAX (the stand-in fromOrtTensor gives it).
 */
export function toOrtTensor(tensor: HostTensor): ort.Tensor {
  const { data, dims } = tensor
  switch (tensor.type) {
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(data), dims)
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(data), dims)
    case 'bool':
      return new ort.Tensor('bool', new Uint8Array(data), dims)
    case 'int64': {
      const values = new BigInt64Array(data.length)
      for (let index = 0; index < data.length; index++) {
        const value = data[index] as number
        // The stand-ins of fromOrtTensor for values beyond the safe integers saturate back.
        values[index] =
          value >= 2 ** 63 ? INT64_MAX : value < -(2 ** 63) ? -INT64_MAX - 1n : BigInt(value)
      }
      return new ort.Tensor('int64', values, dims)
    }
  }
}

/**
 * Reads an onnxruntime-node Tensor (feeds: int64/int32/bool/float32) into a host tensor (the
 * data is copied; a bool is 1 for any nonzero byte); undefined for other types. int64 values
 * beyond the safe-integer range become stand-ins as in hostTensorFromSummary.
 */
export function fromOrtTensor(tensor: ort.Tensor): HostTensor | undefined {
  const dims = tensor.dims.slice()
  switch (tensor.type) {
    case 'float32':
      return { type: 'float32', dims, data: new Float64Array(tensor.data as Float32Array) }
    case 'int32':
      return { type: 'int32', dims, data: new Float64Array(tensor.data as Int32Array) }
    case 'bool': {
      const source = tensor.data as Uint8Array
      const data = new Float64Array(source.length)
      for (let index = 0; index < source.length; index++) data[index] = source[index] ? 1 : 0
      return { type: 'bool', dims, data }
    }
    case 'int64': {
      const source = tensor.data as BigInt64Array
      const data = new Float64Array(source.length)
      for (let index = 0; index < source.length; index++) {
        data[index] = int64Number(source[index] as bigint)
      }
      return { type: 'int64', dims, data }
    }
    default:
      return undefined
  }
}
