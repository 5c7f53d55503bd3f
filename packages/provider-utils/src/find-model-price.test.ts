import { describe, expect, it } from 'vitest'
import { findModelPrice } from './find-model-price.js'

describe('findModelPrice', () => {
  const table = { 'model-a': 1, 'model-a-mini': 2 }
  const suffix = /^-\d{4}-\d{2}-\d{2}$/

  it('finds exact ids, then the longest id a dated snapshot extends', () => {
    expect(findModelPrice('model-a', table, suffix)).toBe(1)
    expect(findModelPrice('model-a-2025-01-31', table, suffix)).toBe(1)
    expect(findModelPrice('model-a-mini-2025-01-31', table, suffix)).toBe(2)
  })

  it('gives undefined for ids that only share a prefix', () => {
    expect(findModelPrice('model-a-large', table, suffix)).toBeUndefined()
    expect(findModelPrice('other', table, suffix)).toBeUndefined()
  })
})
