// New-positions-only KV outputs. onnxruntime-node copies every fetched output into a fresh
// JavaScript ArrayBuffer; fetching the `present.*` tensors therefore allocates, zeroes and copies
// the whole cache every decode step (with 16 rows at 50 positions, more than the model's own
// arithmetic). This patch adds, next to each `present.N.key/value` output, an output holding
// only the positions the pass appended (a Slice of the present tensor from a new input,
// `metagen_past_length`, on the sequence axis); the worker fetches those and appends them to
// its own cache arrays. The model's graph is not rewritten: the patch is a second `graph` field
// appended to the ModelProto bytes, which protobuf parsing merges into the first (repeated
// fields are concatenated), so the original nodes and weights are loaded unchanged.

import { concatBytes } from '@metagen/core'

/** The name of the sliced output of `present`, e.g. `metagen_new.0.key` for `present.0.key`. */
export function newKvOutputName(present: string): string {
  return present.replace(/^present\./, 'metagen_new.')
}

/** The input that tells the patched model where the appended positions start. */
export const PAST_LENGTH_INPUT = 'metagen_past_length'

const SLICE_END = 'metagen_slice_end'
const SLICE_AXIS = 'metagen_slice_axis'

/**
 * The model bytes with a sliced output for every `present.N.key/value` graph output, or
 * undefined when the model cannot be patched (no present outputs, an opset below 10, whose Slice
 * takes no tensor inputs, IR version below 4, or bytes that do not parse as an ONNX model).
 */
export function patchNewKvOutputs(model: Uint8Array): Uint8Array | undefined {
  let graph: Uint8Array | undefined
  let opset: number | undefined
  let irVersion = 0
  try {
    for (const field of fields(model)) {
      if (field.number === 1) irVersion = Number(field.value)
      if (field.number === 7 && field.bytes) graph = field.bytes
      if (field.number === 8 && field.bytes) {
        let domain = ''
        let version = 0
        for (const inner of fields(field.bytes)) {
          if (inner.number === 1 && inner.bytes) domain = new TextDecoder().decode(inner.bytes)
          if (inner.number === 2) version = Number(inner.value)
        }
        if (domain === '' || domain === 'ai.onnx') opset = version
      }
    }
    // IR < 4 wants every initializer listed as a graph input; Slice takes tensor inputs from 10.
    if (graph === undefined || opset === undefined || opset < 10 || irVersion < 4) return undefined
    const presents: Array<{ name: string; elementType: number }> = []
    for (const field of fields(graph)) {
      if (field.number !== 12 || !field.bytes) continue
      const output = valueInfo(field.bytes)
      if (/^present\.\d+\.(key|value)$/.test(output.name) && output.elementType !== undefined) {
        presents.push({ name: output.name, elementType: output.elementType })
      }
    }
    if (presents.length === 0) return undefined
    const parts: Uint8Array[] = []
    for (const present of presents) {
      parts.push(
        message(1, [
          strings(1, [present.name, PAST_LENGTH_INPUT, SLICE_END, SLICE_AXIS]),
          strings(2, [newKvOutputName(present.name)]),
          strings(3, [`metagen_slice_${present.name}`]),
          strings(4, ['Slice']),
        ]),
      )
      parts.push(message(12, [tensorValueInfo(newKvOutputName(present.name), present.elementType)]))
    }
    parts.push(message(5, [int64Tensor(SLICE_END, 9223372036854775807n)]))
    parts.push(message(5, [int64Tensor(SLICE_AXIS, 2n)]))
    parts.push(message(11, [tensorValueInfo(PAST_LENGTH_INPUT, INT64, [1])]))
    const appended = message(7, parts)
    const patched = new Uint8Array(model.length + appended.length)
    patched.set(model)
    patched.set(appended, model.length)
    return patched
  } catch {
    return undefined
  }
}

const INT64 = 7

// ---- the few protobuf pieces this needs ----

interface Field {
  number: number
  /** Varint or fixed value (wire types 0, 1, 5). */
  value?: bigint
  /** Length-delimited payload (wire type 2). */
  bytes?: Uint8Array
}

function* fields(buffer: Uint8Array): Generator<Field> {
  let offset = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (offset >= buffer.length) throw new RangeError('truncated varint')
      const byte = buffer[offset++] as number
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (offset < buffer.length) {
    const key = Number(varint())
    const number = key >>> 3
    const wire = key & 7
    if (wire === 0) yield { number, value: varint() }
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4
      if (offset + size > buffer.length) throw new RangeError('truncated fixed field')
      offset += size
      yield { number }
    } else if (wire === 2) {
      const length = Number(varint())
      if (offset + length > buffer.length) throw new RangeError('truncated field')
      yield { number, bytes: buffer.subarray(offset, offset + length) }
      offset += length
    } else throw new RangeError(`unsupported wire type ${wire}`)
  }
}

/** Name and tensor element type of a ValueInfoProto. */
function valueInfo(bytes: Uint8Array): { name: string; elementType: number | undefined } {
  let name = ''
  let elementType: number | undefined
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.bytes) name = new TextDecoder().decode(field.bytes)
    if (field.number === 2 && field.bytes) {
      for (const type of fields(field.bytes)) {
        if (type.number !== 1 || !type.bytes) continue
        for (const tensor of fields(type.bytes)) {
          if (tensor.number === 1) elementType = Number(tensor.value)
        }
      }
    }
  }
  return { name, elementType }
}

function encodeVarint(value: bigint | number): number[] {
  let rest = BigInt(value)
  const bytes: number[] = []
  do {
    const low = Number(rest & 0x7fn)
    rest >>= 7n
    bytes.push(rest > 0n ? low | 0x80 : low)
  } while (rest > 0n)
  return bytes
}

function lengthDelimited(number: number, payload: Uint8Array): Uint8Array {
  return concatBytes([
    Uint8Array.from([...encodeVarint((number << 3) | 2), ...encodeVarint(payload.length)]),
    payload,
  ])
}

function message(number: number, parts: readonly Uint8Array[]): Uint8Array {
  return lengthDelimited(number, concatBytes(parts))
}

function strings(number: number, values: readonly string[]): Uint8Array {
  return concatBytes(
    values.map((value) => lengthDelimited(number, new TextEncoder().encode(value))),
  )
}

function varintField(number: number, value: bigint | number): Uint8Array {
  return Uint8Array.from([...encodeVarint(number << 3), ...encodeVarint(value)])
}

/** A ValueInfoProto of a tensor with `elementType` and, if given, fixed `dims`. */
function tensorValueInfo(name: string, elementType: number, dims?: readonly number[]): Uint8Array {
  const tensorType: Uint8Array[] = [varintField(1, elementType)]
  if (dims)
    tensorType.push(
      message(
        2,
        dims.map((dim) => message(1, [varintField(1, dim)])),
      ),
    )
  return concatBytes([strings(1, [name]), message(2, [message(1, tensorType)])])
}

/** A TensorProto of one int64. */
function int64Tensor(name: string, value: bigint): Uint8Array {
  return concatBytes([
    varintField(1, 1),
    varintField(2, INT64),
    lengthDelimited(7, Uint8Array.from(encodeVarint(value))),
    strings(8, [name]),
  ])
}
