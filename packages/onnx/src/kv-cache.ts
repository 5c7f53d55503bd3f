// The KV cache store of the inference worker. Each forward pass produces one block of
// `present.*` tensors for its whole batch; a sequence is a row of a block plus a mask of which
// positions of that row are real. Forks share a row (blocks are immutable, so sharing is safe),
// and a batch whose rows come from different blocks is gathered into fresh past tensors,
// compacting away padding. The common decode step (the same rows in the same order, perhaps
// minus some finished ones) reuses the previous block as is, without a copy.
import type { KvStorage } from './kv-pool.js'

/** Cache storage: float32, or float16 bits (onnxruntime-node passes float16 as Uint16Array). */
export type KvArray = Float32Array | Uint16Array

/** The cache computed by one forward pass for every row of its batch. */
export interface KvBlock {
  /** One [rows, heads, stride, headSize] array per layer, for keys and values. */
  keys: KvArray[]
  values: KvArray[]
  rows: number
  length: number
  /**
   * Positions per row and head in the arrays, `length` or more (undefined: `length`). The
   * positions from `length` on are spare: zeros, fed masked, where later passes of the same
   * rows append in place (see forward-pass.ts).
   */
  stride?: number | undefined
  /** Per row: 1 where the position holds a real token, 0 for padding; each of `length` bytes. */
  masks: Uint8Array[]
  /** The pooled storage `keys` and `values` are views of (see kv-pool.ts), if any. */
  storage?: KvStorage | undefined
}

/** A sequence's view of the cache. */
export interface KvEntry {
  block: KvBlock | undefined
  row: number
  /** Number of real tokens (ones in the row's mask). */
  realLength: number
  /**
   * The entry's own mask of the row (`block.length` bytes) after a truncation zeroed its later
   * positions; undefined when the block's mask of the row applies.
   */
  mask?: Uint8Array | undefined
}

/** The mask of an entry's row: its own after a truncation, else the block's. */
export function maskOf(entry: KvEntry): Uint8Array | undefined {
  if (entry.block === undefined) return undefined
  return entry.mask ?? (entry.block.masks[entry.row] as Uint8Array)
}

/**
 * Rolls an entry back to its first `length` real tokens without touching the cache: the later
 * real positions of its row are zeroed in a private copy of the row's mask (`block.length`
 * bytes), so they count as padding from now on. Forks sharing the block keep theirs.
 */
export function truncateEntry(entry: KvEntry, length: number): KvEntry {
  if (length >= entry.realLength) return entry
  if (length === 0 || entry.block === undefined) return emptyEntry()
  const mask = Uint8Array.from(maskOf(entry) as Uint8Array)
  let seen = 0
  for (let index = 0; index < mask.length; index++) {
    if (mask[index] !== 1) continue
    seen++
    if (seen > length) mask[index] = 0
  }
  return { block: entry.block, row: entry.row, realLength: length, mask }
}

/** Shape constants of the model's cache. */
export interface KvShape {
  layers: number
  /** Key/value heads (fewer than query heads under GQA/MQA). */
  heads: number
  headSize: number
  /** Element type of the cache. */
  type: 'float32' | 'float16'
}

/** An empty entry (a sequence with no tokens yet). */
export function emptyEntry(): KvEntry {
  return { block: undefined, row: 0, realLength: 0 }
}

/** The past tensors and mask for a batch, ready to feed to the model. */
export interface PastBatch {
  keys: KvArray[]
  values: KvArray[]
  /** Past length (same for every row; shorter rows are left-padded). */
  length: number
  /** The block reused as is, if any (its `stride` is then the arrays' positions per row-head). */
  block?: KvBlock | undefined
  /** Row-major [batchRows, length] mask of the past positions. */
  mask: Uint8Array
  /** Rows of the batch; more than the entries when ghost rows ride along. */
  batchRows: number
  /** Batch row of each entry, in order. */
  rowOf: number[]
  /** True when an existing block was reused without copying. */
  reused: boolean
}

/**
 * The past tensors for `entries`. When every entry is a row of the same block, in increasing row
 * order, and they are at least half of its rows, the block is reused as is: rows that nobody
 * extends ride along as ghost rows (fed padding, results dropped), which costs some compute but
 * no copy. Otherwise each row's real positions are copied, right-aligned, into new arrays of
 * length max(realLength), which also compacts away padding. With `unpadded` (models that take
 * no position ids, where padding would shift positions), a block is reused only when the
 * entries' rows hold no padding; callers then pass entries of one real length, so the gathered
 * arrays hold no padding either.
 */
export function gatherPast(
  entries: readonly KvEntry[],
  shape: KvShape,
  options: {
    unpadded?: boolean
    /** Arrays of at least `size` elements to gather into (else new ones); padding is zeroed. */
    allocate?: (size: number) => { keys: readonly KvArray[]; values: readonly KvArray[] }
  } = {},
): PastBatch {
  const block = entries[0]?.block
  let longest = 0
  for (const entry of entries) longest = Math.max(longest, entry.realLength)
  if (
    block !== undefined &&
    entries.length * 2 >= block.rows &&
    // Padding (from truncations or ragged batches) at most doubles the past: beyond that the
    // gather below compacts it away.
    block.length <= 2 * longest + 16 &&
    (!options.unpadded || entries.every((entry) => entry.realLength === block.length)) &&
    entries.every(
      (entry, index) =>
        entry.block === block && (index === 0 || entry.row > (entries[index - 1] as KvEntry).row),
    )
  ) {
    const mask = new Uint8Array(block.rows * block.length)
    for (let row = 0; row < block.rows; row++)
      mask.set(block.masks[row] as Uint8Array, row * block.length)
    for (const entry of entries) {
      if (entry.mask) mask.set(entry.mask, entry.row * block.length)
    }
    return {
      keys: block.keys,
      values: block.values,
      length: block.length,
      block,
      mask,
      batchRows: block.rows,
      rowOf: entries.map((entry) => entry.row),
      reused: true,
    }
  }
  const rows = entries.length
  const length = longest
  const { layers, heads, headSize } = shape
  const size = rows * heads * length * headSize
  const keys: KvArray[] = []
  const values: KvArray[] = []
  const storage = options.allocate?.(size)
  for (let layer = 0; layer < layers; layer++) {
    if (storage) {
      keys.push((storage.keys[layer] as KvArray).subarray(0, size))
      values.push((storage.values[layer] as KvArray).subarray(0, size))
    } else {
      keys.push(shape.type === 'float16' ? new Uint16Array(size) : new Float32Array(size))
      values.push(shape.type === 'float16' ? new Uint16Array(size) : new Float32Array(size))
    }
  }
  const mask = new Uint8Array(rows * length)
  entries.forEach((entry, rowIndex) => {
    const offset = length - entry.realLength
    mask.fill(1, rowIndex * length + offset, (rowIndex + 1) * length)
    if (storage && offset > 0) {
      // Reused arrays hold earlier values: padding must read as zeros, as in fresh arrays.
      for (let layer = 0; layer < layers; layer++) {
        for (let head = 0; head < heads; head++) {
          const base = (rowIndex * heads + head) * length * headSize
          ;(keys[layer] as KvArray).fill(0, base, base + offset * headSize)
          ;(values[layer] as KvArray).fill(0, base, base + offset * headSize)
        }
      }
    }
    const source = entry.block
    if (source === undefined || entry.realLength === 0) return
    const runs = realRuns(maskOf(entry) as Uint8Array)
    const copyRow = (from: KvArray, to: KvArray): void => {
      for (let head = 0; head < heads; head++) {
        const fromBase = (entry.row * heads + head) * (source.stride ?? source.length) * headSize
        const toBase = ((rowIndex * heads + head) * length + offset) * headSize
        let written = 0
        for (const [start, end] of runs) {
          // Both arrays have the model's cache type, so set() copies bits unchanged.
          ;(to as Float32Array).set(
            (from as Float32Array).subarray(fromBase + start * headSize, fromBase + end * headSize),
            toBase + written * headSize,
          )
          written += end - start
        }
      }
    }
    for (let layer = 0; layer < layers; layer++) {
      copyRow(source.keys[layer] as KvArray, keys[layer] as KvArray)
      copyRow(source.values[layer] as KvArray, values[layer] as KvArray)
    }
  })
  return {
    keys,
    values,
    length,
    mask,
    batchRows: rows,
    rowOf: entries.map((_, index) => index),
    reused: false,
  }
}

/** Maximal runs [start, end) of ones in a mask. */
function realRuns(mask: Uint8Array): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  let start = -1
  for (let index = 0; index <= mask.length; index++) {
    const real = index < mask.length && mask[index] === 1
    if (real && start < 0) start = index
    if (!real && start >= 0) {
      runs.push([start, index])
      start = -1
    }
  }
  return runs
}
