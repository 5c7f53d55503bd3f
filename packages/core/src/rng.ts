// A seedable random number generator that yields the same stream on every platform: only
// 32-bit integer arithmetic (Math.imul, >>>) is used, never Math.random or floating hashes.
import { InvalidArgumentError } from './errors.js'

/** A source of uniformly distributed random numbers. */
export interface Rng {
  /** A float uniformly distributed in [0, 1), with 53 random bits. */
  next(): number
  /** An unsigned 32-bit integer, uniformly distributed. */
  nextUint32(): number
  /** An integer uniformly distributed in [0, n), without modulo bias. */
  nextInt(n: number): number
  /**
   * A new, independent generator derived from this one's seed and `label`. Forking does not
   * advance this generator, so the streams of siblings do not depend on the order they are used.
   */
  fork(label: string | number): Rng
  /** A seed (uint32) drawn from this generator, for handing to a backend. Advances the stream. */
  nextSeed(): number
}

/**
 * Creates the seeded generator: SplitMix32 expands the seed into the 128-bit state of
 * xoshiro128** (Blackman and Vigna). `seed` must be an integer in [0, 2^32).
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidArgumentError({
      argument: 'seed',
      expected: 'an integer in [0, 4294967295]',
      received: seed,
    })
  }
  return new Xoshiro128(seed >>> 0)
}

class Xoshiro128 implements Rng {
  private readonly seed: number
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  constructor(seed: number) {
    this.seed = seed
    let x = seed
    const split = (): number => {
      x = (x + 0x9e3779b9) | 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.s0 = split()
    this.s1 = split()
    this.s2 = split()
    this.s3 = split()
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  next(): number {
    const high = this.nextUint32() >>> 5 // 27 bits
    const low = this.nextUint32() >>> 6 // 26 bits
    return (high * 67108864 + low) / 9007199254740992
  }

  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new InvalidArgumentError({
        argument: 'n',
        expected: 'an integer in [1, 2^32]',
        received: n,
      })
    }
    // Rejection sampling on the top of the 32-bit range removes modulo bias.
    const limit = 0x100000000 - (0x100000000 % n)
    for (;;) {
      const value = this.nextUint32()
      if (value < limit) return value % n
    }
  }

  nextSeed(): number {
    return this.nextUint32()
  }

  fork(label: string | number): Rng {
    return new Xoshiro128(mixSeed(this.seed, label))
  }
}

function rotl(value: number, shift: number): number {
  return (value << shift) | (value >>> (32 - shift))
}

/** Mixes a seed with a label (FNV-1a over the label's UTF-16 code units, then a finaliser). */
export function mixSeed(seed: number, label: string | number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0
  const text = String(label)
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 15
  hash = Math.imul(hash, 0x2c1b3c6d)
  hash ^= hash >>> 12
  return hash >>> 0
}

/**
 * Inverse-transform draw from non-negative `weights` that sum to `total` (default 1, for
 * probabilities): the first index whose running sum exceeds `rng.next() * total`, skipping
 * weights that are not > 0. When rounding leaves the draw beyond the last running sum, the last
 * positive index is returned; -1 when no weight is positive (the caller decides what error that
 * is). Consumes exactly one draw.
 */
export function drawWeighted(weights: ArrayLike<number>, rng: Rng, total = 1): number {
  const draw = rng.next() * total
  let cumulative = 0
  let last = -1
  for (let index = 0; index < weights.length; index++) {
    const weight = weights[index] as number
    if (!(weight > 0)) continue
    cumulative += weight
    last = index
    if (draw < cumulative) return index
  }
  return last
}
