// Reusable KV cache storage for the inference worker. Every decode step produces `present.*`
// tensors one position longer than the step before; left to onnxruntime, each step allocates
// fresh output buffers (and the JS side frees the previous ones at some later garbage
// collection), so a long generation touches new memory every step: page faults, zeroing, cold
// caches, and V8 collections triggered by the external memory. Instead, a pass binds views of
// pooled arrays as its outputs, sized with headroom, and a storage is handed out again once no
// sequence's block lives in it any more: a decode loop alternates between two storages. Batched
// passes also leave spare positions in a storage and append to them in place (`appendable`).
import type { KvArray } from './kv-cache.js'

/** One set of cache arrays (one per layer for keys and values), each `capacity` elements long. */
export interface KvStorage {
  readonly keys: readonly KvArray[]
  readonly values: readonly KvArray[]
  /** Elements per array. */
  readonly capacity: number
  readonly type: 'float32' | 'float16'
  /** Reserved by a pass in flight (not yet referenced by any committed block). */
  reserved: boolean
  /**
   * The layout last written into the arrays, when it has spare positions: `rows` rows of
   * `stride` positions per head, of which nothing past the first `length` has been written.
   * A pass extending a block of exactly that layout and length may append in place (and moves
   * `length` on first, so that no other pass appends to the same positions).
   */
  appendable?: { rows: number; stride: number; length: number } | undefined
}

/** Capacity above the requested size, so that a growing sequence reuses a storage many steps. */
const GROWTH = 1.5
/** Free storages kept for later passes; beyond that the smallest are dropped. */
const MAX_FREE = 4
/** Most bytes a storage is given for a caller's capacity hint (beyond 1.5x its request). */
const MAX_HINTED_BYTES = 256 * 2 ** 20
/** Bytes of free storage a model keeps while idle, for its next generation. */
export const IDLE_KEEP_BYTES = 64 * 2 ** 20

/** A pool of {@link KvStorage}s for one model (layers and element type fixed by the caller). */
export class KvPool {
  private storages: KvStorage[] = []

  /**
   * A storage of at least `size` elements per array that is neither reserved nor in `live`
   * (the storages that committed blocks of live sequences occupy), reserved for the caller
   * until {@link release}. When no free storage is large enough, allocates one of
   * max(1.5 x size, `capacity`) elements, `capacity` capped at 256 MiB per storage.
   */
  acquire(
    size: number,
    layers: number,
    type: 'float32' | 'float16',
    live: ReadonlySet<KvStorage>,
    capacity = 0,
  ): KvStorage {
    let best: KvStorage | undefined
    for (const storage of this.storages) {
      if (storage.reserved || live.has(storage) || storage.type !== type) continue
      if (storage.keys.length !== layers || storage.capacity < size) continue
      if (best === undefined || storage.capacity < best.capacity) best = storage
    }
    if (best === undefined) {
      // A capacity hint is honoured up to MAX_HINTED_BYTES per storage: a long horizon on a
      // large model must not reserve gigabytes that a failing allocation would turn into an error.
      const hintLimit = Math.floor(MAX_HINTED_BYTES / ((type === 'float16' ? 2 : 4) * layers * 2))
      const allocated = Math.max(Math.ceil(size * GROWTH), Math.min(capacity, hintLimit))
      best = allocateStorage(allocated, layers, type)
      this.storages.push(best)
      this.dropFree(live, MAX_FREE, Number.POSITIVE_INFINITY)
    }
    best.reserved = true
    best.appendable = undefined
    return best
  }

  /** Ends the reservation of `storage` (the pass committed or failed). */
  release(storage: KvStorage): void {
    storage.reserved = false
  }

  /**
   * Forgets free storages (neither reserved nor in `live`) so that their memory is collected,
   * keeping the largest ones while they total at most `keepBytes` bytes (default 0: keep none).
   */
  trim(live: ReadonlySet<KvStorage>, keepBytes = 0): void {
    this.dropFree(live, Number.POSITIVE_INFINITY, keepBytes)
  }

  /** Number of storages held (in use or free). */
  get size(): number {
    return this.storages.length
  }

  private dropFree(live: ReadonlySet<KvStorage>, keepCount: number, keepBytes: number): void {
    const free = this.storages
      .filter((storage) => !storage.reserved && !live.has(storage))
      .sort((a, b) => b.capacity - a.capacity)
    const dropped = new Set<KvStorage>()
    let kept = 0
    let keptBytes = 0
    for (const storage of free) {
      const bytes = bytesOf(storage)
      if (kept < keepCount && keptBytes + bytes <= keepBytes) {
        kept++
        keptBytes += bytes
      } else dropped.add(storage)
    }
    if (dropped.size > 0) this.storages = this.storages.filter((storage) => !dropped.has(storage))
  }
}

/** Bytes held by a storage. */
export function bytesOf(storage: KvStorage): number {
  const element = storage.type === 'float16' ? 2 : 4
  return storage.capacity * element * (storage.keys.length + storage.values.length)
}

function allocateStorage(capacity: number, layers: number, type: 'float32' | 'float16'): KvStorage {
  const allocate = (): KvArray =>
    type === 'float16' ? new Uint16Array(capacity) : new Float32Array(capacity)
  const keys: KvArray[] = []
  const values: KvArray[] = []
  for (let layer = 0; layer < layers; layer++) {
    keys.push(allocate())
    values.push(allocate())
  }
  return { keys, values, capacity, type, reserved: false }
}
