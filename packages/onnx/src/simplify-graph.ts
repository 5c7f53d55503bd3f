// Load-time graph simplification. Exporters compute every Reshape target at run time from the
// input's shape (Shape -> Gather -> Unsqueeze -> Concat, often with Div and Cast): on
// tinymath-generator 11 such nodes per layer, which onnxruntime's own optimizer keeps because the
// dims are symbolic. At one token per pass each node costs a microsecond or two of dispatch, a
// tenth of the pass. Symbolic shape inference (symbolic-shapes.ts) proves most of those targets
// equal to a constant with ONNX Reshape's "0 = copy this dim of the input" entries (an entry is
// replaced by 0 only where the inferred input dim at that index is the very same symbol), so the
// target becomes an initializer and the shape nodes, now unused, are removed. The result computes
// exactly what the original graph computes, bit for bit: only shape arithmetic is removed.
import { concatBytes } from '@metagen/core'
import { type GraphNode, type OnnxGraph, readOnnxGraph } from './onnx-graph.js'
import {
  encodeVarint,
  int64Tensor,
  lengthDelimited,
  message,
  protoFields,
  protoString,
} from './protobuf.js'
import { inferSymbolicShapes } from './symbolic-shapes.js'

/** What {@link simplifyGraph} changed. */
export interface GraphSimplification {
  /** The rewritten model bytes. */
  model: Uint8Array
  /** Reshape nodes whose computed target became a constant. */
  foldedReshapes: number
  /** Nodes in the main graph before and after. */
  nodesBefore: number
  nodesAfter: number
}

/**
 * The model in `model` (ONNX ModelProto bytes, weights inside) with every Reshape target that
 * symbolic shape inference proves constant (up to "copy this input dim" entries) replaced by an
 * int64 initializer, and the nodes and initializers no output depends on any more removed.
 * Returns undefined when there is nothing to fold, or when the bytes are not something the pass
 * handles (not a model, IR version below 4, sparse or external initializers, more than one graph
 * field): the caller then loads the model unchanged.
 */
export function simplifyGraph(model: Uint8Array): GraphSimplification | undefined {
  let graph: OnnxGraph
  try {
    graph = readOnnxGraph(model)
  } catch {
    return undefined
  }
  if (graph.irVersion < 4 || graph.opset < 5 || graph.sparseInitializers) return undefined
  if ([...graph.initializers.values()].some((tensor) => tensor.external)) return undefined
  const tensors = inferSymbolicShapes(graph)
  const taken = new Set<string>([
    ...graph.initializers.keys(),
    ...graph.inputs.map((input) => input.name),
    ...graph.nodes.flatMap((node) => node.outputs),
  ])
  const inputNames = new Set(graph.inputs.map((input) => input.name))
  const producers = new Map<string, GraphNode>()
  for (const node of graph.nodes) for (const output of node.outputs) producers.set(output, node)
  const constants = new Map<string, { name: string; values: bigint[] }>()
  const replacedTargets = new Map<number, string>()
  for (const node of graph.nodes) {
    if (node.opType !== 'Reshape' || node.domain !== '' || node.inputs.length !== 2) continue
    const [data, target] = node.inputs as [string, string]
    const producer = producers.get(target)
    if (producer === undefined || producer.opType === 'Constant') continue
    if (node.attributes.get('allowzero')?.int === 1n) continue
    const values = tensors.get(target)?.value
    const shape = tensors.get(data)?.shape
    if (values === undefined || values.length === 0) continue
    const folded: bigint[] = []
    for (const [index, value] of values.entries()) {
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value) || value < -1) break
        folded.push(BigInt(value))
      } else if (value !== null && shape?.[index] === value) folded.push(0n)
      else break
    }
    if (folded.length !== values.length) continue
    const key = folded.join(',')
    let constant = constants.get(key)
    if (constant === undefined) {
      let name = `metagen_shape_${constants.size}`
      while (taken.has(name)) name = `${name}_`
      taken.add(name)
      constant = { name, values: folded }
      constants.set(key, constant)
    }
    replacedTargets.set(node.index, constant.name)
  }
  if (replacedTargets.size === 0) return undefined

  // Live nodes: those some graph output (or subgraph) depends on, after the replacement.
  const inputsOf = (node: GraphNode): string[] => {
    const replacement = replacedTargets.get(node.index)
    return replacement === undefined ? node.inputs : [node.inputs[0] as string, replacement]
  }
  const live = new Set<number>()
  const liveNames = new Set<string>([...graph.outputs, ...graph.subgraphReferences])
  const pending = [...liveNames]
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const node = producers.get(name)
    if (node === undefined || live.has(node.index)) continue
    live.add(node.index)
    for (const input of inputsOf(node)) {
      if (input !== '' && !liveNames.has(input)) {
        liveNames.add(input)
        pending.push(input)
      }
    }
  }
  const graphParts = rewriteGraph(model, {
    keepNode: (index) => live.has(index),
    // An initializer that is also a graph input is that input's default: it stays.
    keepInitializer: (name) => liveNames.has(name) || inputNames.has(name),
    keepValueInfo: (name) => {
      const producer = producers.get(name)
      return producer === undefined || live.has(producer.index)
    },
    replaceReshapeTarget: (index) => replacedTargets.get(index),
    added: [...constants.values()].map(({ name, values }) =>
      int64Tensor(name, values, [values.length]),
    ),
  })
  // One copy of the model: the new graph field is written as its header and parts.
  const graphLength = graphParts.reduce((total, part) => total + part.length, 0)
  const parts: Uint8Array[] = []
  for (const field of protoFields(model)) {
    if (field.number === 7 && field.wire === 2) {
      parts.push(Uint8Array.from([...encodeVarint((7 << 3) | 2), ...encodeVarint(graphLength)]))
      parts.push(...graphParts)
    } else parts.push(field.raw)
  }
  return {
    model: concatBytes(parts),
    foldedReshapes: replacedTargets.size,
    nodesBefore: graph.nodes.length,
    nodesAfter: live.size,
  }
}

interface GraphEdits {
  keepNode(index: number): boolean
  keepInitializer(name: string): boolean
  keepValueInfo(name: string): boolean
  replaceReshapeTarget(index: number): string | undefined
  /** Encoded TensorProtos to add as initializers. */
  added: Uint8Array[]
}

/**
 * The main graph's payload with the edits applied, in parts to be concatenated (untouched fields
 * are views of `model`, copied once when the whole model is assembled).
 */
function rewriteGraph(model: Uint8Array, edits: GraphEdits): Uint8Array[] {
  let graphBytes: Uint8Array | undefined
  for (const field of protoFields(model))
    if (field.number === 7 && field.bytes) graphBytes = field.bytes
  if (graphBytes === undefined) throw new Error('the model has no graph')
  const parts: Uint8Array[] = []
  let nodeIndex = 0
  for (const field of protoFields(graphBytes)) {
    if (field.number === 1 && field.bytes) {
      const index = nodeIndex++
      if (!edits.keepNode(index)) continue
      const target = edits.replaceReshapeTarget(index)
      parts.push(
        target === undefined ? field.raw : message(1, [replaceInput(field.bytes, 1, target)]),
      )
    } else if (field.number === 5 && field.bytes) {
      if (edits.keepInitializer(nameOfTensor(field.bytes))) parts.push(field.raw)
    } else if (field.number === 13 && field.bytes) {
      if (edits.keepValueInfo(nameOfValueInfo(field.bytes))) parts.push(field.raw)
    } else parts.push(field.raw)
  }
  for (const tensor of edits.added) parts.push(message(5, [tensor]))
  return parts
}

/** A NodeProto payload with its input number `position` renamed to `name`. */
function replaceInput(node: Uint8Array, position: number, name: string): Uint8Array {
  const parts: Uint8Array[] = []
  let input = 0
  for (const field of protoFields(node)) {
    if (field.number === 1 && field.wire === 2 && input++ === position) {
      parts.push(lengthDelimited(1, new TextEncoder().encode(name)))
    } else parts.push(field.raw)
  }
  return concatBytes(parts)
}

function nameOfTensor(tensor: Uint8Array): string {
  for (const field of protoFields(tensor))
    if (field.number === 8 && field.bytes) return protoString(field)
  return ''
}

function nameOfValueInfo(valueInfo: Uint8Array): string {
  for (const field of protoFields(valueInfo))
    if (field.number === 1 && field.bytes) return protoString(field)
  return ''
}
