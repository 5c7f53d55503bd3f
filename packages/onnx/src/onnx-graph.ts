// A read-only view of an ONNX model's main graph, decoded from the model bytes for the load-time
// rewrites: nodes (op, domain, inputs, outputs, attributes), initializer names, types, shapes and
// (for small tensors) values, and the declared shapes of the graph inputs. Weights are not
// decoded: an initializer's raw payload is only looked at when it holds a few elements.
import { type ProtoField, protoFields, protoString } from './protobuf.js'

/** A tensor's element type, dims and, when it is small and numeric, its values. */
export interface TensorSummary {
  name: string
  /** ONNX TensorProto.DataType. */
  dataType: number
  dims: number[]
  /** Integer values (int64, int32, uint8, int8, bool) for tensors of at most 64 elements. */
  integers?: bigint[]
  /** Float values (float32) for tensors of at most 64 elements. */
  floats?: number[]
  /** True when the data lives outside the model bytes. */
  external: boolean
}

/** One attribute of a node (only the forms the rewrites read are decoded). */
export interface NodeAttribute {
  int?: bigint
  float?: number
  ints?: bigint[]
  string?: string
  tensor?: TensorSummary
  /** True when the attribute holds a subgraph (If, Loop, Scan bodies). */
  graph: boolean
}

/** One node of the graph. */
export interface GraphNode {
  /** The node's position in the graph's node list. */
  index: number
  opType: string
  /** '' for the default ONNX domain ('ai.onnx' is normalised to ''). */
  domain: string
  inputs: string[]
  outputs: string[]
  attributes: Map<string, NodeAttribute>
  /** The NodeProto payload as encoded. */
  raw: Uint8Array
}

/** A graph input's declared element type and shape (a dim is a size, a dim_param name or null). */
export interface GraphInput {
  name: string
  elementType: number | undefined
  /** Undefined when the input declares no shape. */
  shape: Array<number | string | null> | undefined
}

/** The decoded main graph of a model. */
export interface OnnxGraph {
  irVersion: number
  /** Opset version of the default domain. */
  opset: number
  /** Domains the model imports, with their versions. */
  opsets: Map<string, number>
  nodes: GraphNode[]
  initializers: Map<string, TensorSummary>
  inputs: GraphInput[]
  outputs: string[]
  /** Names of value_info entries. */
  valueInfo: string[]
  /** Names every subgraph refers to (outer-scope values a body may read). */
  subgraphReferences: Set<string>
  /** True when the graph has sparse initializers (not handled by the rewrites). */
  sparseInitializers: boolean
}

const SMALL = 64

/**
 * Decodes the main graph of the model in `model`. Throws (RangeError or Error) when the bytes are
 * not an ONNX model with exactly one graph field.
 */
export function readOnnxGraph(model: Uint8Array): OnnxGraph {
  let irVersion = 0
  const opsets = new Map<string, number>()
  const graphs: Uint8Array[] = []
  for (const field of protoFields(model)) {
    if (field.number === 1 && field.wire === 0) irVersion = Number(field.value)
    else if (field.number === 7 && field.bytes) graphs.push(field.bytes)
    else if (field.number === 8 && field.bytes) {
      let domain = ''
      let version = 0
      for (const inner of protoFields(field.bytes)) {
        if (inner.number === 1 && inner.bytes) domain = protoString(inner)
        if (inner.number === 2 && inner.wire === 0) version = Number(inner.value)
      }
      opsets.set(domain === 'ai.onnx' ? '' : domain, version)
    }
  }
  const [graphBytes] = graphs
  if (graphBytes === undefined || graphs.length !== 1) {
    throw new Error(`expected one graph in the model, found ${graphs.length}`)
  }
  const graph: OnnxGraph = {
    irVersion,
    opset: opsets.get('') ?? 0,
    opsets,
    nodes: [],
    initializers: new Map(),
    inputs: [],
    outputs: [],
    valueInfo: [],
    subgraphReferences: new Set(),
    sparseInitializers: false,
  }
  for (const field of protoFields(graphBytes)) {
    if (!field.bytes) continue
    if (field.number === 1) graph.nodes.push(readNode(field.bytes, graph.nodes.length, graph))
    else if (field.number === 5) {
      const tensor = readTensor(field.bytes)
      graph.initializers.set(tensor.name, tensor)
    } else if (field.number === 11) graph.inputs.push(readValueInfo(field.bytes))
    else if (field.number === 12) graph.outputs.push(readValueInfo(field.bytes).name)
    else if (field.number === 13) graph.valueInfo.push(readValueInfo(field.bytes).name)
    else if (field.number === 15) graph.sparseInitializers = true
  }
  return graph
}

function readNode(bytes: Uint8Array, index: number, graph: OnnxGraph): GraphNode {
  const node: GraphNode = {
    index,
    opType: '',
    domain: '',
    inputs: [],
    outputs: [],
    attributes: new Map(),
    raw: bytes,
  }
  for (const field of protoFields(bytes)) {
    if (field.number === 1 && field.bytes) node.inputs.push(protoString(field))
    else if (field.number === 2 && field.bytes) node.outputs.push(protoString(field))
    else if (field.number === 4 && field.bytes) node.opType = protoString(field)
    else if (field.number === 7 && field.bytes) {
      const domain = protoString(field)
      node.domain = domain === 'ai.onnx' ? '' : domain
    } else if (field.number === 5 && field.bytes) {
      const [name, attribute] = readAttribute(field.bytes, graph)
      node.attributes.set(name, attribute)
    }
  }
  return node
}

function readAttribute(bytes: Uint8Array, graph: OnnxGraph): [string, NodeAttribute] {
  let name = ''
  const attribute: NodeAttribute = { graph: false }
  for (const field of protoFields(bytes)) {
    if (field.number === 1 && field.bytes) name = protoString(field)
    else if (field.number === 2 && field.fixed) attribute.float = float32(field.fixed, 0)
    else if (field.number === 3 && field.wire === 0) attribute.int = signed(field)
    else if (field.number === 4 && field.bytes) attribute.string = protoString(field)
    else if (field.number === 5 && field.bytes) attribute.tensor = readTensor(field.bytes)
    else if (field.number === 8) {
      attribute.ints ??= []
      attribute.ints.push(...varints(field))
    } else if ((field.number === 6 || field.number === 11) && field.bytes) {
      attribute.graph = true
      collectReferences(field.bytes, graph.subgraphReferences)
    }
  }
  return [name, attribute]
}

/** Adds every input name of every node in the subgraph `bytes` (and its own subgraphs). */
function collectReferences(bytes: Uint8Array, into: Set<string>): void {
  for (const field of protoFields(bytes)) {
    if (field.number === 12 && field.bytes) {
      // Subgraph outputs may name outer-scope values directly.
      into.add(readValueInfo(field.bytes).name)
    }
    if (field.number !== 1 || !field.bytes) continue
    for (const part of protoFields(field.bytes)) {
      if (part.number === 1 && part.bytes) into.add(protoString(part))
      if (part.number === 5 && part.bytes) {
        for (const attribute of protoFields(part.bytes)) {
          if ((attribute.number === 6 || attribute.number === 11) && attribute.bytes) {
            collectReferences(attribute.bytes, into)
          }
        }
      }
    }
  }
}

function signed(field: ProtoField): bigint {
  return BigInt.asIntN(64, field.value ?? 0n)
}

/** The values of a repeated integer field, packed or not. */
function varints(field: ProtoField): bigint[] {
  if (field.wire === 0) return [signed(field)]
  if (!field.bytes) return []
  const values: bigint[] = []
  let value = 0n
  let shift = 0n
  for (const byte of field.bytes) {
    value |= BigInt(byte & 0x7f) << shift
    shift += 7n
    if ((byte & 0x80) === 0) {
      values.push(BigInt.asIntN(64, value))
      value = 0n
      shift = 0n
    }
  }
  return values
}

function float32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat32(offset, true)
}

/** Integer data types whose values the rewrites track, with their byte sizes. */
const INTEGER_SIZES: Record<number, number> = { 2: 1, 3: 1, 6: 4, 7: 8, 9: 1 }

function readTensor(bytes: Uint8Array): TensorSummary {
  const tensor: TensorSummary = { name: '', dataType: 0, dims: [], external: false }
  let raw: Uint8Array | undefined
  const integers: bigint[] = []
  const floats: number[] = []
  for (const field of protoFields(bytes)) {
    if (field.number === 1) tensor.dims.push(...varints(field).map(Number))
    else if (field.number === 2 && field.wire === 0) tensor.dataType = Number(field.value)
    else if (field.number === 8 && field.bytes) tensor.name = protoString(field)
    else if (field.number === 9 && field.bytes) raw = field.bytes
    else if (field.number === 14 && field.wire === 0) tensor.external = field.value === 1n
    else if (field.number === 13) tensor.external = true
    else if (field.number === 5 || field.number === 7) integers.push(...varints(field))
    else if (field.number === 4) {
      if (field.fixed) floats.push(float32(field.fixed, 0))
      else if (field.bytes && field.bytes.length <= SMALL * 4) {
        for (let offset = 0; offset + 4 <= field.bytes.length; offset += 4) {
          floats.push(float32(field.bytes, offset))
        }
      }
    }
  }
  const elements = tensor.dims.reduce((product, dim) => product * dim, 1)
  if (tensor.external || elements > SMALL) return tensor
  const size = INTEGER_SIZES[tensor.dataType]
  if (size !== undefined) {
    if (raw !== undefined) {
      if (raw.length !== elements * size) return tensor
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
      tensor.integers = Array.from({ length: elements }, (_, index) => {
        if (size === 8) return view.getBigInt64(index * 8, true)
        if (size === 4) return BigInt(view.getInt32(index * 4, true))
        return BigInt(tensor.dataType === 3 ? view.getInt8(index) : view.getUint8(index))
      })
    } else if (integers.length === elements) {
      tensor.integers = tensor.dataType === 6 ? integers.map((v) => BigInt.asIntN(32, v)) : integers
    }
  } else if (tensor.dataType === 1) {
    if (raw !== undefined) {
      if (raw.length !== elements * 4) return tensor
      tensor.floats = Array.from({ length: elements }, (_, index) => float32(raw, index * 4))
    } else if (floats.length === elements) tensor.floats = floats
  }
  return tensor
}

function readValueInfo(bytes: Uint8Array): GraphInput {
  const input: GraphInput = { name: '', elementType: undefined, shape: undefined }
  for (const field of protoFields(bytes)) {
    if (field.number === 1 && field.bytes) input.name = protoString(field)
    if (field.number !== 2 || !field.bytes) continue
    for (const type of protoFields(field.bytes)) {
      if (type.number !== 1 || !type.bytes) continue
      for (const tensor of protoFields(type.bytes)) {
        if (tensor.number === 1 && tensor.wire === 0) input.elementType = Number(tensor.value)
        if (tensor.number !== 2 || !tensor.bytes) continue
        input.shape = []
        for (const dim of protoFields(tensor.bytes)) {
          if (dim.number !== 1 || !dim.bytes) continue
          let size: number | string | null = null
          for (const part of protoFields(dim.bytes)) {
            if (part.number === 1 && part.wire === 0)
              size = Number(BigInt.asIntN(64, part.value ?? 0n))
            if (part.number === 2 && part.bytes) size = protoString(part)
          }
          // Negative sizes and empty names are not statements about the dim.
          input.shape.push(typeof size === 'number' && size < 0 ? null : size === '' ? null : size)
        }
      }
    }
  }
  return input
}
