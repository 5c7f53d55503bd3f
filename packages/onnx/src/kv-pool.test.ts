import { describe, expect, it } from 'vitest'
import { bytesOf, KvPool, type KvStorage } from './kv-pool.js'

const none = new Set<KvStorage>()

describe('KvPool', () => {
  it('hands out a storage with headroom and reuses it once released and not live', () => {
    const pool = new KvPool()
    const first = pool.acquire(100, 2, 'float32', none)
    expect(first.capacity).toBeGreaterThanOrEqual(100)
    expect(first.keys).toHaveLength(2)
    expect(first.values[0]).toBeInstanceOf(Float32Array)
    // Reserved: a second request gets another storage.
    const second = pool.acquire(100, 2, 'float32', none)
    expect(second).not.toBe(first)
    pool.release(first)
    pool.release(second)
    // Live (a committed block of a sequence lives in it): not handed out.
    const third = pool.acquire(100, 2, 'float32', new Set([first]))
    expect(third).toBe(second)
    pool.release(third)
    expect(pool.acquire(100, 2, 'float32', none)).toBe(first)
  })

  it('forgets the appendable layout of a storage it hands out again', () => {
    const pool = new KvPool()
    const storage = pool.acquire(100, 1, 'float32', none)
    storage.appendable = { rows: 2, stride: 20, length: 4 }
    pool.release(storage)
    // Still live: its layout stands.
    expect(pool.acquire(100, 1, 'float32', new Set([storage]))).not.toBe(storage)
    expect(storage.appendable).toEqual({ rows: 2, stride: 20, length: 4 })
    // Handed out again: whatever the new holder writes is a new layout.
    const again = pool.acquire(100, 1, 'float32', none)
    expect(again).toBe(storage)
    expect(again.appendable).toBeUndefined()
  })

  it('allocates the requested capacity when it exceeds the headroom', () => {
    const pool = new KvPool()
    expect(pool.acquire(10, 1, 'float32', none, 1000).capacity).toBe(1000)
    expect(pool.acquire(1000, 1, 'float32', none, 10).capacity).toBeGreaterThanOrEqual(1000)
    // A huge hint is capped at 256 MiB per storage (2 arrays of 4-byte elements here); the
    // arrays are allocated but never touched, so they take address space, not memory.
    expect(pool.acquire(10, 1, 'float32', none, 1e12).capacity).toBe(32 * 2 ** 20)
  })

  it('never hands out a storage too small, of another type or layer count', () => {
    const pool = new KvPool()
    const small = pool.acquire(10, 2, 'float32', none)
    pool.release(small)
    const large = pool.acquire(small.capacity + 1, 2, 'float32', none)
    expect(large).not.toBe(small)
    expect(large.capacity).toBeGreaterThan(small.capacity)
    pool.release(large)
    const half = pool.acquire(10, 2, 'float16', none)
    expect(half.keys[0]).toBeInstanceOf(Uint16Array)
    expect(pool.acquire(10, 3, 'float32', none).keys).toHaveLength(3)
  })

  it('trims free storages down to a byte budget, keeping live and reserved ones', () => {
    const pool = new KvPool()
    const live = pool.acquire(1000, 1, 'float32', none)
    const reserved = pool.acquire(1000, 1, 'float32', none)
    const free = pool.acquire(1000, 1, 'float32', none)
    pool.release(live)
    pool.release(free)
    expect(pool.size).toBe(3)
    pool.trim(new Set([live]), bytesOf(free))
    expect(pool.size).toBe(3)
    pool.trim(new Set([live]))
    expect(pool.size).toBe(2)
    expect(pool.acquire(1000, 1, 'float32', new Set([live]))).not.toBe(free)
    expect(reserved.reserved).toBe(true)
  })
})
