// Reads a causal LM's unembedding (LM head) matrix W from its ONNX file, for white-box decoders
// such as basis-aware truncation, which need logits = W h + b. The graph is walked back from the
// `logits` output to the MatMul/Gemm whose weight is an initializer (possibly through a
// Transpose, as with tied embeddings), and only that tensor's bytes are read.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { MetagenError } from '@metagen/core'
import { halfToFloat } from './float16.js'
import { type Field, FileReader, fields, mainGraphs, readString } from './onnx-parameters.js'

/** The unembedding matrix of a causal LM. */
export interface UnembeddingMatrix {
  /** Row-major `vocabSize x hiddenSize`: row v is the output embedding of token v (logits = W h + b). */
  matrix: Float32Array
  /** Rows: the logits width. */
  vocabSize: number
  /** Columns: the hidden size the LM head maps from. */
  hiddenSize: number
  /** Name of the initializer the matrix was read from. */
  initializer: string
}

interface TensorInfo {
  name: string
  dims: number[]
  dataType: number
  raw?: { start: number; end: number }
  floatData?: { start: number; end: number }
  external?: { location: string; offset: number; length: number | undefined }
}

interface NodeInfo {
  opType: string
  inputs: string[]
  outputs: string[]
  ints: Map<string, number>
}

/**
 * The unembedding matrix W (vocab x hidden) of the causal LM in the ONNX file at `path`: the
 * weight of the MatMul or Gemm that produces the graph output `logits` (or the first output),
 * found by walking back through Add (a bias), Identity and Cast, and forward through a Transpose
 * of an initializer (tied embeddings). MatMul(h, B) gives W = B^T; Gemm honours `transB`.
 * float32, float16 and bfloat16 weights are read, inline or in external data files.
 * Throws MetagenError naming the obstacle for anything else (quantized heads such as
 * MatMulNBits, logit soft-capping, a head that is not a plain linear map).
 */
export function readUnembeddingMatrix(path: string): UnembeddingMatrix {
  const reader = new FileReader(path)
  try {
    const tensors = new Map<string, TensorInfo>()
    const nodes: NodeInfo[] = []
    const outputs: string[] = []
    for (const [start, end] of mainGraphs(reader, path)) {
      readMainGraph(reader, start, end, tensors, nodes, outputs)
    }
    const target = outputs.includes('logits') ? 'logits' : outputs[0]
    if (target === undefined) throw new MetagenError(`${path}: the ONNX graph has no output`)
    const producer = new Map<string, NodeInfo>()
    for (const node of nodes) for (const output of node.outputs) producer.set(output, node)
    let name = target
    for (let hops = 0; hops < 16; hops++) {
      const node = producer.get(name)
      if (!node) break
      if (node.opType === 'Identity' || node.opType === 'Cast') {
        name = node.inputs[0] as string
        continue
      }
      if (node.opType === 'Add') {
        const [left, right] = node.inputs as [string, string]
        name = tensors.has(left) || producer.get(left)?.opType === 'Constant' ? right : left
        continue
      }
      if (node.opType === 'MatMul' || node.opType === 'Gemm') {
        const weightName = node.inputs[1] as string
        const transposedByGemm = node.opType === 'Gemm' && node.ints.get('transB') === 1
        // Output = h B: W = B^T, unless B is Transpose(E) (then W = E) or Gemm transposes B.
        const transpose = producer.get(weightName)
        if (transpose?.opType === 'Transpose' && tensors.has(transpose.inputs[0] as string)) {
          const source = tensors.get(transpose.inputs[0] as string) as TensorInfo
          const { values, rows, columns } = readMatrix(reader, path, source)
          return transposedByGemm
            ? {
                matrix: transposeMatrix(values, rows, columns),
                vocabSize: columns,
                hiddenSize: rows,
                initializer: source.name,
              }
            : { matrix: values, vocabSize: rows, hiddenSize: columns, initializer: source.name }
        }
        const weight = tensors.get(weightName)
        if (!weight) {
          throw new MetagenError(
            `${path}: the LM head (${node.opType}) takes its weight ${weightName} from a ${transpose?.opType ?? 'graph input'} node, not an initializer`,
          )
        }
        const { values, rows, columns } = readMatrix(reader, path, weight)
        return transposedByGemm
          ? { matrix: values, vocabSize: rows, hiddenSize: columns, initializer: weight.name }
          : {
              matrix: transposeMatrix(values, rows, columns),
              vocabSize: columns,
              hiddenSize: rows,
              initializer: weight.name,
            }
      }
      throw new MetagenError(
        `${path}: the logits come from a ${node.opType} node, not a linear LM head (MatMul or Gemm, with an optional bias)`,
      )
    }
    throw new MetagenError(`${path}: no MatMul or Gemm LM head found before the output ${target}`)
  } finally {
    reader.close()
  }
}

function readMainGraph(
  reader: FileReader,
  start: number,
  end: number,
  tensors: Map<string, TensorInfo>,
  nodes: NodeInfo[],
  outputs: string[],
): void {
  for (const field of fields(reader, start, end)) {
    if (field.number === 5 && field.wire === 2) {
      const tensor = readTensorInfo(reader, field)
      tensors.set(tensor.name, tensor)
    } else if (field.number === 12 && field.wire === 2) {
      for (const part of fields(reader, field.start, field.end)) {
        if (part.number === 1 && part.wire === 2) outputs.push(readString(reader, part))
      }
    } else if (field.number === 1 && field.wire === 2) {
      const node: NodeInfo = { opType: '', inputs: [], outputs: [], ints: new Map() }
      for (const part of fields(reader, field.start, field.end)) {
        if (part.number === 1 && part.wire === 2) node.inputs.push(readString(reader, part))
        else if (part.number === 2 && part.wire === 2) node.outputs.push(readString(reader, part))
        else if (part.number === 4 && part.wire === 2) node.opType = readString(reader, part)
        else if (part.number === 5 && part.wire === 2) {
          let name = ''
          let integer: number | undefined
          let tensor: TensorInfo | undefined
          for (const attribute of fields(reader, part.start, part.end)) {
            if (attribute.number === 1 && attribute.wire === 2) name = readString(reader, attribute)
            else if (attribute.number === 3 && attribute.wire === 0) integer = attribute.value
            else if (attribute.number === 5 && attribute.wire === 2)
              tensor = readTensorInfo(reader, attribute)
          }
          if (integer !== undefined) node.ints.set(name, integer)
          // A Constant node's tensor is a weight like an initializer (NodeProto serialises its
          // outputs before its attributes).
          const output = node.outputs[0]
          if (tensor && name === 'value' && output !== undefined) {
            tensors.set(output, { ...tensor, name: output })
          }
        }
      }
      nodes.push(node)
    }
  }
}

function readTensorInfo(reader: FileReader, field: Field): TensorInfo {
  const tensor: TensorInfo = { name: '', dims: [], dataType: 0 }
  const entries: Array<[string, string]> = []
  let dataLocation = 0
  for (const part of fields(reader, field.start, field.end)) {
    if (part.number === 8 && part.wire === 2) tensor.name = readString(reader, part)
    else if (part.number === 2 && part.wire === 0) tensor.dataType = part.value
    else if (part.number === 1 && part.wire === 0) tensor.dims.push(part.value)
    else if (part.number === 1 && part.wire === 2) {
      let cursor = part.start
      while (cursor < part.end) {
        const [dim, next] = reader.varint(cursor)
        tensor.dims.push(dim)
        cursor = next
      }
    } else if (part.number === 9 && part.wire === 2)
      tensor.raw = { start: part.start, end: part.end }
    else if (part.number === 4 && part.wire === 2)
      tensor.floatData = { start: part.start, end: part.end }
    else if (part.number === 14 && part.wire === 0) dataLocation = part.value
    else if (part.number === 13 && part.wire === 2) {
      let key = ''
      let value = ''
      for (const entry of fields(reader, part.start, part.end)) {
        if (entry.number === 1 && entry.wire === 2) key = readString(reader, entry)
        else if (entry.number === 2 && entry.wire === 2) value = readString(reader, entry)
      }
      entries.push([key, value])
    }
  }
  if (dataLocation === 1) {
    const lookup = new Map(entries)
    const length = lookup.get('length')
    tensor.external = {
      location: lookup.get('location') ?? '',
      offset: Number(lookup.get('offset') ?? 0),
      length: length === undefined ? undefined : Number(length),
    }
  }
  return tensor
}

const bytesPerElement: Record<number, number> = { 1: 4, 10: 2, 16: 2 }

function readMatrix(
  reader: FileReader,
  path: string,
  tensor: TensorInfo,
): { values: Float32Array; rows: number; columns: number } {
  if (tensor.dims.length !== 2) {
    throw new MetagenError(
      `${path}: the LM head weight ${tensor.name} has shape [${tensor.dims.join(', ')}], not a matrix`,
    )
  }
  const [rows, columns] = tensor.dims as [number, number]
  const count = rows * columns
  const size = bytesPerElement[tensor.dataType]
  if (size === undefined) {
    throw new MetagenError(
      `${path}: the LM head weight ${tensor.name} has ONNX data type ${tensor.dataType} (quantized?); only float32, float16 and bfloat16 are read`,
    )
  }
  let bytes: Buffer
  if (tensor.raw) {
    bytes = reader.bytes(tensor.raw.start, tensor.raw.end - tensor.raw.start)
  } else if (tensor.floatData && tensor.dataType === 1) {
    bytes = reader.bytes(tensor.floatData.start, tensor.floatData.end - tensor.floatData.start)
  } else if (tensor.external) {
    const file = join(dirname(path), tensor.external.location)
    const all = readFileSync(file)
    bytes = all.subarray(
      tensor.external.offset,
      tensor.external.offset + (tensor.external.length ?? count * size),
    )
  } else {
    throw new MetagenError(
      `${path}: the LM head weight ${tensor.name} stores no data this reader understands`,
    )
  }
  if (bytes.length !== count * size) {
    throw new MetagenError(
      `${path}: the LM head weight ${tensor.name} holds ${bytes.length} bytes, expected ${count * size}`,
    )
  }
  const values = new Float32Array(count)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let index = 0; index < count; index++) {
    if (tensor.dataType === 1) values[index] = view.getFloat32(index * 4, true)
    else if (tensor.dataType === 10) values[index] = halfToFloat(view.getUint16(index * 2, true))
    else {
      // bfloat16: the high 16 bits of a float32.
      const scratch = new DataView(new ArrayBuffer(4))
      scratch.setUint16(0, 0, true)
      scratch.setUint16(2, view.getUint16(index * 2, true), true)
      values[index] = scratch.getFloat32(0, true)
    }
  }
  return { values, rows, columns }
}

function transposeMatrix(values: Float32Array, rows: number, columns: number): Float32Array {
  const result = new Float32Array(values.length)
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      result[column * rows + row] = values[row * columns + column] as number
    }
  }
  return result
}
