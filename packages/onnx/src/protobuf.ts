// The few protobuf pieces the load-time model rewrites need (the KV output patch and the graph
// simplification): a field reader over bytes in memory that keeps each field's raw encoding (so
// untouched fields are copied verbatim), and encoders for the messages the rewrites add.
import { concatBytes } from '@metagen/core'

/** One field of a protobuf message. */
export interface ProtoField {
  number: number
  /** Wire type: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number
  /** Varint value (wire type 0), unsigned. */
  value?: bigint
  /** Length-delimited payload (wire type 2). */
  bytes?: Uint8Array
  /** Fixed-size payload (wire types 1 and 5), little-endian. */
  fixed?: Uint8Array
  /** The whole field as encoded, key included. */
  raw: Uint8Array
}

/**
 * Iterates the fields of the message encoded in `buffer`. Throws a RangeError on truncated
 * fields and on the deprecated group wire types.
 */
export function* protoFields(buffer: Uint8Array): Generator<ProtoField> {
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
      if (shift > 63n) throw new RangeError('varint too long')
    }
  }
  while (offset < buffer.length) {
    const fieldStart = offset
    const key = Number(varint())
    const number = key >>> 3
    const wire = key & 7
    if (wire === 0) {
      const value = varint()
      yield { number, wire, value, raw: buffer.subarray(fieldStart, offset) }
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4
      if (offset + size > buffer.length) throw new RangeError('truncated fixed field')
      const fixed = buffer.subarray(offset, offset + size)
      offset += size
      yield { number, wire, fixed, raw: buffer.subarray(fieldStart, offset) }
    } else if (wire === 2) {
      const length = Number(varint())
      if (offset + length > buffer.length) throw new RangeError('truncated field')
      const bytes = buffer.subarray(offset, offset + length)
      offset += length
      yield { number, wire, bytes, raw: buffer.subarray(fieldStart, offset) }
    } else throw new RangeError(`unsupported wire type ${wire}`)
  }
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** A length-delimited field's payload as UTF-8 text. */
export function protoString(field: ProtoField): string {
  return field.bytes === undefined ? '' : decoder.decode(field.bytes)
}

/** The varint bytes of a non-negative `value` (or a negative int64, as ten bytes). */
export function encodeVarint(value: bigint | number): number[] {
  let rest = BigInt.asUintN(64, BigInt(value))
  const bytes: number[] = []
  do {
    const low = Number(rest & 0x7fn)
    rest >>= 7n
    bytes.push(rest > 0n ? low | 0x80 : low)
  } while (rest > 0n)
  return bytes
}

/** A length-delimited field. */
export function lengthDelimited(number: number, payload: Uint8Array): Uint8Array {
  return concatBytes([
    Uint8Array.from([...encodeVarint((number << 3) | 2), ...encodeVarint(payload.length)]),
    payload,
  ])
}

/** An embedded message field made of the already encoded `parts`. */
export function message(number: number, parts: readonly Uint8Array[]): Uint8Array {
  return lengthDelimited(number, concatBytes(parts))
}

/** One string field per value. */
export function strings(number: number, values: readonly string[]): Uint8Array {
  return concatBytes(values.map((value) => lengthDelimited(number, encoder.encode(value))))
}

/** A varint field. */
export function varintField(number: number, value: bigint | number): Uint8Array {
  return Uint8Array.from([...encodeVarint(number << 3), ...encodeVarint(value)])
}

/** ONNX TensorProto.DataType of int64. */
export const INT64 = 7

/** A TensorProto named `name` of int64 `values` with the given `dims`, stored as raw data. */
export function int64Tensor(
  name: string,
  values: readonly bigint[],
  dims: readonly number[],
): Uint8Array {
  const raw = new Uint8Array(values.length * 8)
  const view = new DataView(raw.buffer)
  for (const [index, value] of values.entries()) view.setBigInt64(index * 8, value, true)
  return concatBytes([
    ...dims.map((dim) => varintField(1, dim)),
    varintField(2, INT64),
    strings(8, [name]),
    lengthDelimited(9, raw),
  ])
}
