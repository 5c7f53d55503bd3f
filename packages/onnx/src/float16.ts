// IEEE half-precision conversion: onnxruntime-node passes float16 tensors as Uint16Array (Node 20
// has no Float16Array), and decoders want float32 logits.

/** Converts half-precision bits to float32 values. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length)
  for (let index = 0; index < bits.length; index++) out[index] = halfToFloat(bits[index] as number)
  return out
}

/** One half-precision value (16 bits) as a number. */
export function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1
  const exponent = (half >> 10) & 0x1f
  const fraction = half & 0x3ff
  if (exponent === 0) return sign * fraction * 2 ** -24
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15)
}
