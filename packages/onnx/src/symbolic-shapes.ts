// Symbolic shape inference over an ONNX graph, for folding shape computations into constants.
// Starting from the graph inputs' declared dims (a size or a dim_param name: ONNX states that the
// same dim_param names the same size everywhere in a graph's inputs), it derives through the
// common transformer operators the shape of each tensor and, for small integer tensors (shape
// vectors and indices), its values, each element a known number, a symbol (a dim_param, or a
// linear combination of them such as past + sequence) or unknown. It never guesses: an operator
// it does not know, or a case it cannot decide, leaves the affected dims or values unknown, so
// everything it does state holds for every run of the graph that succeeds.
import type { GraphNode, OnnxGraph } from './onnx-graph.js'

/** A dim or a shape-vector element: a number, a symbol (opaque key) or null for unknown. */
export type SymbolicDim = number | string | null

/** What inference established about one tensor. */
export interface SymbolicTensor {
  /** ONNX element type, when known. */
  type?: number
  /** The dims, when the rank is known (each dim possibly unknown). */
  shape?: SymbolicDim[]
  /** The elements in row-major order, for small integer tensors whose elements are derivable. */
  value?: SymbolicDim[]
}

const INT64 = 7
const INT32 = 6
const BOOL = 9
const INTEGER_TYPES = new Set([2, 3, 4, 5, 6, 7, 12, 13])
const MAX_VALUES = 64

/** A linear combination of dim symbols with integer coefficients, plus a constant. */
interface Linear {
  constant: number
  terms: Map<string, number>
}

/**
 * Symbolic dims as canonical keys: a dim_param `p` is `$p`; a linear combination is `=` followed
 * by its sorted terms, so two equal combinations have the same key.
 */
class Symbols {
  private readonly linear = new Map<string, Linear>()

  parameter(name: string): string {
    return `$${name}`
  }

  toLinear(dim: number | string): Linear {
    if (typeof dim === 'number') return { constant: dim, terms: new Map() }
    return this.linear.get(dim) ?? { constant: 0, terms: new Map([[dim, 1]]) }
  }

  fromLinear(linear: Linear): SymbolicDim {
    if (!Number.isSafeInteger(linear.constant)) return null
    const terms = [...linear.terms].filter(([, coefficient]) => coefficient !== 0)
    if (terms.length === 0) return linear.constant
    const [first] = terms
    if (terms.length === 1 && first !== undefined && first[1] === 1 && linear.constant === 0) {
      return first[0]
    }
    terms.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const key = `=${terms.map(([symbol, coefficient]) => `${coefficient}*${symbol}`).join('+')}+${linear.constant}`
    this.linear.set(key, { constant: linear.constant, terms: new Map(terms) })
    return key
  }

  add(a: SymbolicDim, b: SymbolicDim, sign = 1): SymbolicDim {
    if (a === null || b === null) return null
    const left = this.toLinear(a)
    const right = this.toLinear(b)
    const terms = new Map(left.terms)
    for (const [symbol, coefficient] of right.terms) {
      terms.set(symbol, (terms.get(symbol) ?? 0) + sign * coefficient)
    }
    return this.fromLinear({ constant: left.constant + sign * right.constant, terms })
  }

  multiply(a: SymbolicDim, b: SymbolicDim): SymbolicDim {
    if (a === null || b === null) return null
    if (typeof a === 'number' && typeof b === 'number') return safe(a * b)
    const [factor, symbolic] = typeof a === 'number' ? [a, b] : [b, a]
    if (typeof factor !== 'number') return null
    const linear = this.toLinear(symbolic)
    const terms = new Map([...linear.terms].map(([s, c]) => [s, c * factor] as [string, number]))
    return this.fromLinear({ constant: linear.constant * factor, terms })
  }

  /** Integer division truncating toward zero (ONNX Div on integers), when it is exact or numeric. */
  divide(a: SymbolicDim, b: SymbolicDim): SymbolicDim {
    if (a === null || b === null || typeof b !== 'number' || b === 0) return null
    if (typeof a === 'number') return safe(Math.trunc(a / b))
    const linear = this.toLinear(a)
    if (linear.constant % b !== 0) return null
    const terms = new Map<string, number>()
    for (const [symbol, coefficient] of linear.terms) {
      if (coefficient % b !== 0) return null
      terms.set(symbol, coefficient / b)
    }
    return this.fromLinear({ constant: linear.constant / b, terms })
  }

  /** True when `dim` is a number >= 0 or a combination of dims (all >= 0) with coefficients >= 0. */
  nonNegative(dim: SymbolicDim): boolean {
    if (dim === null) return false
    const linear = this.toLinear(dim)
    return linear.constant >= 0 && [...linear.terms.values()].every((c) => c >= 0)
  }
}

function safe(value: number): SymbolicDim {
  return Number.isSafeInteger(value) ? value : null
}

/** The broadcast of two dims, when it follows from the dims alone for every successful run. */
function broadcastDim(a: SymbolicDim, b: SymbolicDim): SymbolicDim {
  if (a === 1) return b
  if (b === 1) return a
  if (a !== null && a === b) return a
  // A run succeeds only when the other dim is 1 or this size: the result is this size.
  if (typeof a === 'number') return a
  if (typeof b === 'number') return b
  return null
}

function broadcastShapes(
  shapes: ReadonlyArray<SymbolicDim[] | undefined>,
): SymbolicDim[] | undefined {
  if (shapes.some((shape) => shape === undefined)) return undefined
  const known = shapes as SymbolicDim[][]
  const rank = Math.max(...known.map((shape) => shape.length))
  return Array.from({ length: rank }, (_, index) => {
    let dim: SymbolicDim = 1
    for (const shape of known) {
      const offset = index - (rank - shape.length)
      if (offset >= 0) dim = broadcastDim(dim, shape[offset] as SymbolicDim)
    }
    return dim
  })
}

function normaliseAxis(axis: number, rank: number): number | undefined {
  const normalised = axis < 0 ? axis + rank : axis
  return normalised >= 0 && normalised < rank ? normalised : undefined
}

function elementCount(shape: SymbolicDim[] | undefined): number | undefined {
  if (shape === undefined) return undefined
  let count = 1
  for (const dim of shape) {
    if (typeof dim !== 'number') return undefined
    count *= dim
  }
  return count
}

/** Infers what can be proven about every tensor of `graph`, by name. */
export function inferSymbolicShapes(graph: OnnxGraph): Map<string, SymbolicTensor> {
  const symbols = new Symbols()
  const tensors = new Map<string, SymbolicTensor>()
  const inputNames = new Set(graph.inputs.map((input) => input.name))
  for (const [name, tensor] of graph.initializers) {
    const info: SymbolicTensor = { type: tensor.dataType, shape: [...tensor.dims] }
    // An initializer that is also a graph input can be overridden at run time.
    if (tensor.integers !== undefined && !inputNames.has(name)) {
      info.value = tensor.integers.map((value) => safeBig(value))
    }
    tensors.set(name, info)
  }
  for (const input of graph.inputs) {
    const info: SymbolicTensor = {}
    if (input.elementType !== undefined) info.type = input.elementType
    if (input.shape !== undefined) {
      info.shape = input.shape.map((dim) =>
        typeof dim === 'string' ? symbols.parameter(dim) : dim,
      )
    }
    tensors.set(input.name, info)
  }
  for (const node of graph.nodes) {
    let outputs: SymbolicTensor[] = []
    try {
      outputs =
        node.domain === '' || (node.domain === 'com.microsoft' && node.opType === 'MatMulNBits')
          ? inferNode(node, tensors, symbols)
          : []
    } catch {
      outputs = []
    }
    for (const [index, name] of node.outputs.entries()) {
      if (name === '') continue
      const output = outputs[index]
      // A value whose shape does not hold exactly its elements is dropped.
      if (output?.value !== undefined && elementCount(output.shape) !== output.value.length) {
        delete output.value
      }
      tensors.set(name, output ?? {})
    }
  }
  return tensors
}

function safeBig(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.POSITIVE_INFINITY
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.NEGATIVE_INFINITY
  return Number(value)
}

const UNARY = new Set([
  'Identity',
  'Abs',
  'Neg',
  'Sqrt',
  'Reciprocal',
  'Exp',
  'Log',
  'Tanh',
  'Sigmoid',
  'Erf',
  'Relu',
  'Cos',
  'Sin',
  'Softmax',
  'LogSoftmax',
  'Not',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'Softplus',
  'Gelu',
  'HardSigmoid',
  'LeakyRelu',
  'Elu',
  'Trilu',
  'CumSum',
  'IsNaN',
  'IsInf',
])
const COMPARISONS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual'])
const LOGICAL = new Set(['And', 'Or', 'Xor'])
const ARITHMETIC = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Max', 'Min', 'Sum'])
const REDUCTIONS = new Set([
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL2',
  'ReduceSumSquare',
])

function inferNode(
  node: GraphNode,
  tensors: Map<string, SymbolicTensor>,
  symbols: Symbols,
): SymbolicTensor[] {
  const input = (index: number): SymbolicTensor => {
    const name = node.inputs[index]
    return name === undefined || name === '' ? {} : (tensors.get(name) ?? {})
  }
  const present = (index: number): boolean => (node.inputs[index] ?? '') !== ''
  const int = (name: string, fallback: number): number => {
    const value = node.attributes.get(name)?.int
    return value === undefined ? fallback : Number(value)
  }
  /** Integer constants from an attribute or, from the opsets that moved it there, an input. */
  const numbers = (attribute: string, inputIndex: number): number[] | undefined => {
    const ints = node.attributes.get(attribute)?.ints
    if (ints !== undefined) return ints.map((value) => safeBig(value))
    if (!present(inputIndex)) return undefined
    const value = input(inputIndex).value
    if (value === undefined || value.some((dim) => typeof dim !== 'number')) return undefined
    return value as number[]
  }
  const x = input(0)
  const op = node.opType

  if (UNARY.has(op)) {
    const out: SymbolicTensor = {}
    if (x.shape) out.shape = [...x.shape]
    if (x.type !== undefined) out.type = op === 'Not' ? BOOL : x.type
    if (op === 'Identity' && x.value) out.value = [...x.value]
    return [out]
  }
  if (op === 'Cast') {
    const to = int('to', 0)
    const out: SymbolicTensor = { type: to }
    if (x.shape) out.shape = [...x.shape]
    const fromInteger = x.type !== undefined && INTEGER_TYPES.has(x.type)
    if (x.value && fromInteger && (to === INT64 || to === INT32)) out.value = [...x.value]
    return [out]
  }
  if (op === 'LayerNormalization' || op === 'Dropout') {
    const out: SymbolicTensor = {}
    if (x.shape) out.shape = [...x.shape]
    if (x.type !== undefined) out.type = x.type
    return [out]
  }
  if (ARITHMETIC.has(op) || COMPARISONS.has(op) || LOGICAL.has(op) || op === 'Where') {
    const operands = node.inputs.map((_, index) => input(index))
    const shape = broadcastShapes(operands.map((operand) => operand.shape))
    const out: SymbolicTensor = {}
    if (shape) out.shape = shape
    const type = op === 'Where' ? operands[1]?.type : operands[0]?.type
    if (COMPARISONS.has(op) || LOGICAL.has(op)) out.type = BOOL
    else if (type !== undefined) out.type = type
    if (
      (op === 'Add' || op === 'Sub' || op === 'Mul' || op === 'Div') &&
      operands.length === 2 &&
      out.type !== undefined &&
      INTEGER_TYPES.has(out.type)
    ) {
      const value = elementwise(operands, shape, ([a = null, b = null]) => {
        if (op === 'Add') return symbols.add(a, b)
        if (op === 'Sub') return symbols.add(a, b, -1)
        if (op === 'Mul') return symbols.multiply(a, b)
        return symbols.divide(a, b)
      })
      if (value) out.value = value
    }
    if (op === 'Equal' && operands.length === 2) {
      const value = elementwise(operands, shape, ([a = null, b = null]) => {
        if (a !== null && a === b) return 1
        if (typeof a === 'number' && typeof b === 'number') return 0
        // A dim (or a sum of dims) is never negative.
        if (typeof b === 'number' && b < 0 && symbols.nonNegative(a)) return 0
        if (typeof a === 'number' && a < 0 && symbols.nonNegative(b)) return 0
        return null
      })
      if (value) out.value = value
    }
    if (op === 'Where' && operands.length === 3) {
      const value = elementwise(operands, shape, ([condition, whenTrue, whenFalse]) =>
        condition === null || condition === undefined
          ? null
          : condition !== 0
            ? (whenTrue ?? null)
            : (whenFalse ?? null),
      )
      if (value) out.value = value
    }
    return [out]
  }
  if (op === 'Shape') {
    if (!x.shape) return [{ type: INT64 }]
    const rank = x.shape.length
    const clamp = (value: number): number =>
      Math.min(Math.max(value < 0 ? value + rank : value, 0), rank)
    const start = clamp(int('start', 0))
    const end = clamp(int('end', rank))
    const value = x.shape.slice(start, Math.max(start, end))
    return [{ type: INT64, shape: [value.length], value }]
  }
  if (op === 'Size') {
    const count = elementCount(x.shape)
    return [
      count === undefined ? { type: INT64, shape: [] } : { type: INT64, shape: [], value: [count] },
    ]
  }
  if (op === 'Constant') {
    const attribute = node.attributes.get('value')
    if (attribute?.tensor) {
      const tensor = attribute.tensor
      const out: SymbolicTensor = { type: tensor.dataType, shape: [...tensor.dims] }
      if (tensor.integers) out.value = tensor.integers.map((value) => safeBig(value))
      return [out]
    }
    const ints = node.attributes.get('value_ints')?.ints
    if (ints) return [{ type: INT64, shape: [ints.length], value: ints.map((v) => safeBig(v)) }]
    const single = node.attributes.get('value_int')?.int
    if (single !== undefined) return [{ type: INT64, shape: [], value: [safeBig(single)] }]
    if (node.attributes.has('value_float')) return [{ type: 1, shape: [] }]
    return []
  }
  if (op === 'Gather') {
    const indices = input(1)
    if (!x.shape || !indices.shape) return [x.type === undefined ? {} : { type: x.type }]
    const axis = normaliseAxis(int('axis', 0), x.shape.length)
    if (axis === undefined) return []
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)]
    const out: SymbolicTensor = { shape }
    if (x.type !== undefined) out.type = x.type
    if (x.value && x.shape.length === 1 && indices.value) {
      const size = x.value.length
      const value: SymbolicDim[] = []
      for (const index of indices.value) {
        if (typeof index !== 'number' || index < -size || index >= size) return [out]
        value.push(x.value[index < 0 ? index + size : index] as SymbolicDim)
      }
      out.value = value
    }
    return [out]
  }
  if (op === 'Unsqueeze' || op === 'Squeeze') {
    const axes = numbers('axes', 1)
    const out: SymbolicTensor = {}
    if (x.type !== undefined) out.type = x.type
    if (x.value) out.value = [...x.value]
    if (!x.shape) return [out]
    if (op === 'Unsqueeze') {
      if (!axes) return [out]
      const rank = x.shape.length + axes.length
      const inserted = new Set(axes.map((axis) => normaliseAxis(axis, rank)))
      if (inserted.has(undefined) || inserted.size !== axes.length) return [{}]
      const rest = [...x.shape]
      out.shape = Array.from({ length: rank }, (_, index) =>
        inserted.has(index) ? 1 : (rest.shift() as SymbolicDim),
      )
      return [out]
    }
    const rank = x.shape.length
    if (axes === undefined) {
      // Without axes every dim of size 1 goes: only decidable when every dim is known.
      if (x.shape.some((dim) => typeof dim !== 'number')) return [{}]
      out.shape = x.shape.filter((dim) => dim !== 1)
      return [out]
    }
    const removed = new Set(axes.map((axis) => normaliseAxis(axis, rank)))
    if (removed.has(undefined)) return [{}]
    out.shape = x.shape.filter((_, index) => !removed.has(index))
    return [out]
  }
  if (op === 'Concat') {
    const operands = node.inputs.map((_, index) => input(index))
    const shapes = operands.map((operand) => operand.shape)
    const first = shapes[0]
    const out: SymbolicTensor = {}
    if (operands[0]?.type !== undefined) out.type = operands[0].type
    if (!first || shapes.some((shape) => !shape || shape.length !== first.length)) return [out]
    const axis = normaliseAxis(int('axis', 0), first.length)
    if (axis === undefined) return []
    out.shape = first.map((dim, index) => {
      if (index === axis) {
        return shapes.reduce<SymbolicDim>(
          (sum, shape) => symbols.add(sum, (shape as SymbolicDim[])[index] as SymbolicDim),
          0,
        )
      }
      // Every operand has the same size off the axis in a successful run: take a known one.
      for (const shape of shapes) {
        const other = (shape as SymbolicDim[])[index] as SymbolicDim
        if (other !== null) return other
      }
      return dim
    })
    if (first.length === 1 && operands.every((operand) => operand.value)) {
      out.value = operands.flatMap((operand) => operand.value as SymbolicDim[])
    }
    return [out]
  }
  if (op === 'Reshape') {
    const target = input(1).value
    const out: SymbolicTensor = {}
    if (x.type !== undefined) out.type = x.type
    if (x.value) out.value = [...x.value]
    if (!target) return [out]
    const allowZero = int('allowzero', 0) === 1
    const shape: SymbolicDim[] = target.map((dim, index) => {
      if (dim === 0 && !allowZero) return x.shape?.[index] ?? null
      if (dim === -1) return null
      return dim
    })
    const inferred = target.indexOf(-1)
    if (inferred >= 0) shape[inferred] = inferredDim(x.shape, shape, inferred, symbols)
    out.shape = shape
    return [out]
  }
  if (op === 'Expand') {
    const target = input(1).value
    const out: SymbolicTensor = {}
    if (x.type !== undefined) out.type = x.type
    if (target) {
      const shape = broadcastShapes([x.shape, target])
      if (shape) out.shape = shape
    }
    return [out]
  }
  if (op === 'ConstantOfShape') {
    const target = input(0).value
    const fill = node.attributes.get('value')?.tensor
    const type = fill?.dataType ?? 1
    if (!target) return [{ type }]
    const out: SymbolicTensor = { type, shape: [...target] }
    const count = elementCount(target)
    const element = fill?.integers?.[0]
    if (count !== undefined && count <= MAX_VALUES && element !== undefined) {
      out.value = Array(count).fill(safeBig(element))
    }
    return [out]
  }
  if (op === 'Transpose') {
    const out: SymbolicTensor = {}
    if (x.type !== undefined) out.type = x.type
    if (!x.shape) return [out]
    const shape = x.shape
    const perm =
      node.attributes.get('perm')?.ints?.map(Number) ?? shape.map((_, i) => shape.length - 1 - i)
    if (perm.length !== shape.length) return [out]
    out.shape = perm.map((axis) => shape[axis] ?? null)
    return [out]
  }
  if (op === 'MatMul' || op === 'MatMulInteger') {
    const out: SymbolicTensor = {}
    const type = op === 'MatMul' ? x.type : INT32
    if (type !== undefined) out.type = type
    const shape = matMulShape(x.shape, input(1).shape)
    if (shape) out.shape = shape
    return [out]
  }
  if (op === 'MatMulNBits') {
    // com.microsoft: A [..., K] times a packed K x N weight.
    const n = node.attributes.get('N')?.int
    const out: SymbolicTensor = {}
    if (x.type !== undefined) out.type = x.type
    if (x.shape && x.shape.length >= 1 && n !== undefined)
      out.shape = [...x.shape.slice(0, -1), Number(n)]
    return [out]
  }
  if (op === 'DynamicQuantizeLinear') {
    return [
      x.shape ? { type: 2, shape: [...x.shape] } : { type: 2 },
      { type: 1, shape: [] },
      { type: 2, shape: [] },
    ]
  }
  if (op === 'Split') {
    const count = node.outputs.length
    const out = (): SymbolicTensor => (x.type === undefined ? {} : { type: x.type })
    if (!x.shape) return node.outputs.map(out)
    const axis = normaliseAxis(int('axis', 0), x.shape.length)
    if (axis === undefined) return []
    let sizes: SymbolicDim[] | undefined = numbers('split', 1)
    if (sizes === undefined) {
      const dim = x.shape[axis]
      // Equal parts (the last one smaller, from opset 18, when it does not divide).
      sizes =
        typeof dim === 'number' && dim % count === 0
          ? Array(count).fill(dim / count)
          : Array(count).fill(null)
    }
    if (sizes.length !== count) return []
    return sizes.map((size) => ({
      ...out(),
      shape: (x.shape as SymbolicDim[]).map((dim, index) => (index === axis ? size : dim)),
    }))
  }
  if (op === 'Slice') {
    const out: SymbolicTensor = {}
    if (x.type !== undefined) out.type = x.type
    if (!x.shape) return [out]
    const starts = numbers('starts', 1)
    const ends = numbers('ends', 2)
    if (!starts || !ends || starts.length !== ends.length) return [out]
    const axes = numbers('axes', 3) ?? starts.map((_, index) => index)
    const steps = numbers('steps', 4) ?? starts.map(() => 1)
    if (axes.length !== starts.length || steps.length !== starts.length) return [out]
    const shape = [...x.shape]
    const ranges: Array<[number, number, number] | undefined> = shape.map(() => undefined)
    for (const [position, rawAxis] of axes.entries()) {
      const axis = normaliseAxis(rawAxis, shape.length)
      if (axis === undefined) return [out]
      const start = starts[position] as number
      const end = ends[position] as number
      const step = steps[position] as number
      if (step === 0) return [out]
      const dim = shape[axis] as SymbolicDim
      if (typeof dim === 'number') {
        const range = sliceRange(dim, start, end, step)
        ranges[axis] = range
        shape[axis] = range[2]
      } else {
        // A symbolic dim survives only the whole-axis slice.
        shape[axis] = start === 0 && end >= Number.MAX_SAFE_INTEGER && step === 1 ? dim : null
      }
    }
    out.shape = shape
    if (x.value && x.shape.length === 1) {
      const range = ranges[0]
      if (range) {
        const [first, , length] = range
        const step = steps[0] as number
        out.value = Array.from(
          { length },
          (_, index) => (x.value as SymbolicDim[])[first + index * step] as SymbolicDim,
        )
      } else out.value = [...x.value]
    }
    return [out]
  }
  if (REDUCTIONS.has(op)) {
    const out: SymbolicTensor = {}
    if (x.type !== undefined) out.type = x.type
    if (!x.shape) return [out]
    const rank = x.shape.length
    const keep = int('keepdims', 1) === 1
    const axes = numbers('axes', 1)
    if (axes === undefined) {
      if (present(1) || int('noop_with_empty_axes', 0) === 1) return [out]
      out.shape = keep ? x.shape.map(() => 1) : []
      return [out]
    }
    const reduced = new Set(axes.map((axis) => normaliseAxis(axis, rank)))
    if (reduced.has(undefined)) return [out]
    if (axes.length === 0) return [out]
    out.shape = keep
      ? x.shape.map((dim, index) => (reduced.has(index) ? 1 : dim))
      : x.shape.filter((_, index) => !reduced.has(index))
    return [out]
  }
  if (op === 'Range') {
    const [start, limit, delta] = [input(0).value?.[0], input(1).value?.[0], input(2).value?.[0]]
    const out: SymbolicTensor = {}
    const type = input(0).type
    if (type !== undefined) out.type = type
    if (start === undefined || limit === undefined || delta !== 1)
      return [{ ...out, shape: [null] }]
    const length = symbols.add(limit, start, -1)
    if (typeof length === 'number') return [{ ...out, shape: [Math.max(length, 0)] }]
    return [{ ...out, shape: [symbols.nonNegative(length) ? length : null] }]
  }
  return []
}

/** ONNX Slice on an axis of `dim` elements: [first index, step, element count]. */
function sliceRange(
  dim: number,
  start: number,
  end: number,
  step: number,
): [number, number, number] {
  const clamp = (value: number, low: number, high: number): number =>
    Math.min(Math.max(value, low), high)
  let first = start < 0 ? start + dim : start
  let last = end < 0 ? end + dim : end
  if (step > 0) {
    first = clamp(first, 0, dim)
    last = clamp(last, 0, dim)
    return [first, step, Math.max(0, Math.ceil((last - first) / step))]
  }
  first = clamp(first, 0, dim - 1)
  last = clamp(last, -1, dim - 1)
  return [first, step, Math.max(0, Math.ceil((last - first) / step))]
}

/** Elementwise arithmetic on small tensors' values (a single element broadcast against the rest). */
function elementwise(
  operands: readonly SymbolicTensor[],
  shape: SymbolicDim[] | undefined,
  combine: (elements: SymbolicDim[]) => SymbolicDim,
): SymbolicDim[] | undefined {
  if (shape === undefined || operands.some((operand) => !operand.value)) return undefined
  const count = elementCount(shape)
  if (count === undefined || count > MAX_VALUES) return undefined
  for (const operand of operands) {
    const length = (operand.value as SymbolicDim[]).length
    if (length !== count && length !== 1) return undefined
    // Same-length operands line up only when their shapes are the result shape (not a transpose).
    if (length === count && count > 1 && !sameShape(operand.shape, shape)) return undefined
  }
  return Array.from({ length: count }, (_, index) =>
    combine(
      operands.map((operand) => {
        const value = operand.value as SymbolicDim[]
        return value[value.length === 1 ? 0 : index] as SymbolicDim
      }),
    ),
  )
}

function sameShape(a: SymbolicDim[] | undefined, b: SymbolicDim[]): boolean {
  if (a === undefined) return false
  const trimmed = a.filter((dim) => dim !== 1)
  const target = b.filter((dim) => dim !== 1)
  return trimmed.length === target.length && trimmed.every((dim, index) => dim === target[index])
}

/**
 * The dim a Reshape infers for its -1 entry: the input's element count divided by the other
 * entries', when the input's dims and the other entries cancel down to one symbol or a number.
 */
function inferredDim(
  input: SymbolicDim[] | undefined,
  target: SymbolicDim[],
  inferred: number,
  symbols: Symbols,
): SymbolicDim {
  if (!input || input.some((dim) => dim === null)) return null
  let constant = 1
  const remaining: string[] = []
  for (const dim of input as Array<number | string>) {
    if (typeof dim === 'number') constant *= dim
    else remaining.push(dim)
  }
  let divisor = 1
  for (const [index, dim] of target.entries()) {
    if (index === inferred) continue
    if (dim === null) return null
    if (typeof dim === 'number') {
      divisor *= dim
      continue
    }
    const position = remaining.indexOf(dim)
    if (position < 0) return null
    remaining.splice(position, 1)
  }
  if (divisor === 0 || constant % divisor !== 0) return null
  const factor = constant / divisor
  if (remaining.length === 0) return factor
  if (remaining.length === 1) return symbols.multiply(remaining[0] as string, factor)
  return null
}

/** The shape of MatMul(a, b) (numpy matmul of rank >= 2 operands), or undefined when unknown. */
function matMulShape(
  a: SymbolicDim[] | undefined,
  b: SymbolicDim[] | undefined,
): SymbolicDim[] | undefined {
  if (!a || !b || a.length < 2 || b.length < 2) return undefined
  const batch = broadcastShapes([a.slice(0, -2), b.slice(0, -2)])
  if (!batch) return undefined
  return [...batch, a[a.length - 2] as SymbolicDim, b[b.length - 1] as SymbolicDim]
}
