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
import {
  INT64,
  int64Tensor,
  message,
  protoFields,
  protoString,
  strings,
  varintField,
} from './protobuf.js'

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
    for (const field of protoFields(model)) {
      if (field.number === 1) irVersion = Number(field.value)
      if (field.number === 7 && field.bytes) graph = field.bytes
      if (field.number === 8 && field.bytes) {
        let domain = ''
        let version = 0
        for (const inner of protoFields(field.bytes)) {
          if (inner.number === 1 && inner.bytes) domain = protoString(inner)
          if (inner.number === 2) version = Number(inner.value)
        }
        if (domain === '' || domain === 'ai.onnx') opset = version
      }
    }
    // IR < 4 wants every initializer listed as a graph input; Slice takes tensor inputs from 10.
    if (graph === undefined || opset === undefined || opset < 10 || irVersion < 4) return undefined
    const presents: Array<{ name: string; elementType: number }> = []
    for (const field of protoFields(graph)) {
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
    parts.push(message(5, [int64Tensor(SLICE_END, [9223372036854775807n], [1])]))
    parts.push(message(5, [int64Tensor(SLICE_AXIS, [2n], [1])]))
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

/** Name and tensor element type of a ValueInfoProto. */
function valueInfo(bytes: Uint8Array): { name: string; elementType: number | undefined } {
  let name = ''
  let elementType: number | undefined
  for (const field of protoFields(bytes)) {
    if (field.number === 1 && field.bytes) name = protoString(field)
    if (field.number === 2 && field.bytes) {
      for (const type of protoFields(field.bytes)) {
        if (type.number !== 1 || !type.bytes) continue
        for (const tensor of protoFields(type.bytes)) {
          if (tensor.number === 1) elementType = Number(tensor.value)
        }
      }
    }
  }
  return { name, elementType }
}
