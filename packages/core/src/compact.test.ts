import { describe, expect, expectTypeOf, it } from 'vitest'
import { compact } from './compact.js'

describe('compact', () => {
  it('drops undefined-valued keys and keeps every other value, falsy ones included', () => {
    const result = compact({ a: 1, b: undefined, c: null, d: 0, e: '', f: false })
    expect(result).toEqual({ a: 1, c: null, d: 0, e: '', f: false })
    expect(Object.keys(result)).toEqual(['a', 'c', 'd', 'e', 'f'])
  })

  it('returns a copy and leaves the input unchanged', () => {
    const input = { a: 1, b: undefined as number | undefined }
    const result = compact(input)
    expect(result).not.toBe(input)
    expect(Object.keys(input)).toEqual(['a', 'b'])
  })

  it('types possibly-undefined keys as optional without undefined (exactOptionalPropertyTypes)', () => {
    const seed = 3 as number | undefined
    const result = compact({ model: 'm', seed })
    expectTypeOf(result).toEqualTypeOf<{ model: string; seed?: number }>()
    // assignable where `seed?: number` forbids an explicit undefined
    const request: { model: string; seed?: number } = { ...compact({ seed }), model: 'm' }
    expect(request).toEqual({ model: 'm', seed: 3 })
  })
})
