// Counts a model's parameters from the initializers of its ONNX file, without loading the
// weights: the protobuf is walked with positioned reads and every raw_data payload is skipped,
// so a multi-gigabyte file costs a few kilobytes of reads. Quantized weights count by their
// logical size (a 4-bit MatMulNBits weight of K x N counts K x N), and quantization scales and
// zero points do not count.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { MetagenError } from '@metagen/core'

const WINDOW = 1 << 16

/** A forward reader of protobuf fields over a file, with a small read window. */
export class FileReader {
  private readonly descriptor: number
  private buffer = Buffer.alloc(WINDOW)
  private start = 0
  private end = 0
  /** The file's length in bytes. */
  readonly size: number

  constructor(path: string) {
    this.descriptor = openSync(path, 'r')
    this.size = fstatSync(this.descriptor).size
  }

  close(): void {
    closeSync(this.descriptor)
  }

  byte(position: number): number {
    if (position < this.start || position >= this.end) {
      this.start = position
      this.end = position + readSync(this.descriptor, this.buffer, 0, WINDOW, position)
      if (this.end <= position) throw new MetagenError(`unexpected end of file at byte ${position}`)
    }
    return this.buffer[position - this.start] as number
  }

  bytes(position: number, length: number): Buffer {
    const out = Buffer.alloc(length)
    const read = readSync(this.descriptor, out, 0, length, position)
    if (read < length) throw new MetagenError(`unexpected end of file at byte ${position + read}`)
    return out
  }

  /** Reads a varint; returns [value, next position]. */
  varint(position: number): [number, number] {
    let value = 0
    let scale = 1
    for (let index = 0; index < 10; index++) {
      const byte = this.byte(position + index)
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return [value, position + index + 1]
      scale *= 128
    }
    throw new MetagenError(`malformed varint at byte ${position}`)
  }
}

/**
 * The [start, end) payloads of the main graph (ModelProto field 7) in a model file: the
 * top-level fields are walked to the end of the file. Throws MetagenError naming `path` when
 * the file is not a protobuf message (an undefined wire type, a truncated field).
 */
export function mainGraphs(reader: FileReader, path: string): Array<[number, number]> {
  const graphs: Array<[number, number]> = []
  try {
    for (const field of fields(reader, 0, reader.size)) {
      if (field.number === 7 && field.wire === 2) graphs.push([field.start, field.end])
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new MetagenError(`${path} is not an ONNX file: ${reason}`)
  }
  return graphs
}

/** One field: number, wire type, and either a varint value or a [start, end) payload. */
export interface Field {
  number: number
  wire: number
  value: number
  start: number
  end: number
}

/** Iterates the fields of a message occupying [start, end). */
export function* fields(reader: FileReader, start: number, end: number): Generator<Field> {
  let position = start
  while (position < end) {
    const [key, afterKey] = reader.varint(position)
    const number = Math.floor(key / 8)
    const wire = key & 7
    if (wire === 0) {
      const [value, next] = reader.varint(afterKey)
      yield { number, wire, value, start: afterKey, end: next }
      position = next
    } else if (wire === 2) {
      const [length, payload] = reader.varint(afterKey)
      yield { number, wire, value: length, start: payload, end: payload + length }
      position = payload + length
    } else if (wire === 1) {
      yield { number, wire, value: 0, start: afterKey, end: afterKey + 8 }
      position = afterKey + 8
    } else if (wire === 5) {
      yield { number, wire, value: 0, start: afterKey, end: afterKey + 4 }
      position = afterKey + 4
    } else {
      throw new MetagenError(`unsupported protobuf wire type ${wire} at byte ${position}`)
    }
  }
}

interface Initializer {
  name: string
  elements: number
  /** TensorProto.DataType. */
  dataType: number
}

/**
 * Element types that hold weights: float32, uint8, int8, float16, float64, bfloat16, uint4,
 * int4. Integer tensors of other types (int64 shapes, int32 indices, bool masks) are not weights.
 */
const WEIGHT_TYPES = new Set([1, 2, 3, 10, 11, 16, 21, 22])

interface Node {
  opType: string
  inputs: string[]
  attributes: Map<string, number>
}

export function readString(reader: FileReader, field: Field): string {
  return reader.bytes(field.start, field.end - field.start).toString('utf8')
}

function readTensor(reader: FileReader, field: Field): Initializer {
  let name = ''
  let elements = 1
  let dataType = 0
  for (const part of fields(reader, field.start, field.end)) {
    if (part.number === 8 && part.wire === 2) name = readString(reader, part)
    else if (part.number === 2 && part.wire === 0) dataType = part.value
    else if (part.number === 1 && part.wire === 0) elements *= part.value
    else if (part.number === 1 && part.wire === 2) {
      // Packed dims.
      let position = part.start
      while (position < part.end) {
        const [dim, next] = reader.varint(position)
        elements *= dim
        position = next
      }
    }
  }
  return { name, elements, dataType }
}

function readGraph(
  reader: FileReader,
  start: number,
  end: number,
  initializers: Map<string, number>,
  nodes: Node[],
): void {
  for (const field of fields(reader, start, end)) {
    if (field.number === 5 && field.wire === 2) {
      const tensor = readTensor(reader, field)
      if (WEIGHT_TYPES.has(tensor.dataType)) initializers.set(tensor.name, tensor.elements)
    } else if (field.number === 1 && field.wire === 2) {
      const node: Node = { opType: '', inputs: [], attributes: new Map() }
      let output: string | undefined
      let constant: Initializer | undefined
      for (const part of fields(reader, field.start, field.end)) {
        if (part.number === 1 && part.wire === 2) node.inputs.push(readString(reader, part))
        else if (part.number === 2 && part.wire === 2) output ??= readString(reader, part)
        else if (part.number === 4 && part.wire === 2) node.opType = readString(reader, part)
        else if (part.number === 5 && part.wire === 2) {
          let name = ''
          let integer: number | undefined
          for (const attribute of fields(reader, part.start, part.end)) {
            if (attribute.number === 1 && attribute.wire === 2) name = readString(reader, attribute)
            else if (attribute.number === 3 && attribute.wire === 0) integer = attribute.value
            else if (attribute.number === 5 && attribute.wire === 2)
              constant = readTensor(reader, attribute)
            else if (attribute.number === 6 && attribute.wire === 2)
              // A subgraph (the branches of a merged decoder's If node).
              readGraph(reader, attribute.start, attribute.end, initializers, nodes)
          }
          if (integer !== undefined) node.attributes.set(name, integer)
        }
      }
      // Some exports keep weights (often layer norms) in Constant nodes instead of initializers.
      if (
        node.opType === 'Constant' &&
        constant &&
        output !== undefined &&
        WEIGHT_TYPES.has(constant.dataType)
      ) {
        initializers.set(output, constant.elements)
      }
      nodes.push(node)
    }
  }
}

/**
 * The number of parameters stored in an ONNX model file: the elements of every distinct
 * weight tensor (float or 8/4-bit integer initializers, and Constant nodes, of the main graph
 * and of subgraphs) that holds more than one element, where
 * - a `MatMulNBits` weight counts K x N (its logical size), its scales and zero points not at all;
 * - a `GatherBlockQuantized` table counts its packed elements x 8 / bits, its scales and zero
 *   points not at all;
 * - the scales and zero points of `DequantizeLinear` and `MatMulInteger` / `QLinearMatMul`
 *   weights do not count (int8 weights count one element each).
 * Throws an Error when the file is not a readable ONNX protobuf.
 */
export function countOnnxParameters(path: string): number {
  const reader = new FileReader(path)
  try {
    const initializers = new Map<string, number>()
    const nodes: Node[] = []
    for (const [start, end] of mainGraphs(reader, path)) {
      readGraph(reader, start, end, initializers, nodes)
    }
    if (initializers.size === 0 && nodes.length === 0) {
      throw new MetagenError(`${path} is not an ONNX file: no graph found`)
    }
    const logical = new Map<string, number>()
    const excluded = new Set<string>()
    for (const node of nodes) {
      const [, second, third, fourth] = node.inputs
      if (node.opType === 'MatMulNBits') {
        const k = node.attributes.get('K')
        const n = node.attributes.get('N')
        if (second !== undefined && k !== undefined && n !== undefined) logical.set(second, k * n)
        for (const name of [third, fourth]) if (name) excluded.add(name)
      } else if (node.opType === 'GatherBlockQuantized') {
        const data = node.inputs[0]
        const bits = node.attributes.get('bits') ?? 4
        const elements = data === undefined ? undefined : initializers.get(data)
        if (data !== undefined && elements !== undefined) logical.set(data, (elements * 8) / bits)
        for (const name of [second, third]) if (name) excluded.add(name)
      } else if (node.opType === 'DequantizeLinear' || node.opType === 'QuantizeLinear') {
        for (const name of [second, third]) if (name) excluded.add(name)
      } else if (node.opType === 'MatMulInteger') {
        for (const name of [third, fourth]) if (name) excluded.add(name)
      }
    }
    let total = 0
    for (const [name, elements] of initializers) {
      if (excluded.has(name) || elements <= 1) continue
      total += logical.get(name) ?? elements
    }
    return total
  } finally {
    reader.close()
  }
}
