// Temperature scaling of logits.
import { assertNumberInRange } from '@metagen/core'

/**
 * Temperature scaling: `x'_i = x_i / T` for a temperature `T > 0`. T < 1 sharpens the
 * distribution, T > 1 flattens it; T = 1 returns an unchanged copy. -Infinity stays -Infinity.
 * T = 0 (greedy) is not a scaling: decoders handle it by taking the argmax instead.
 * Throws InvalidArgumentError unless T is a finite number > 0.
 */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  assertNumberInRange('temperature', temperature, {
    min: 0,
    minInclusive: false,
    max: Number.MAX_VALUE,
  })
  const result = new Float32Array(logits.length)
  for (let index = 0; index < logits.length; index++) {
    result[index] = (logits[index] as number) / temperature
  }
  return result
}
