import { InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { jsonSchemaToRegex } from './json-schema-to-regex.js'

describe('jsonSchemaToRegex count ranges', () => {
  it('names the bad minimum or maximum keyword of arrays and strings', () => {
    expect(() => jsonSchemaToRegex({ type: 'array', minItems: -1 })).toThrow(
      /schema.*minItems: expected an integer >= 0/,
    )
    expect(() => jsonSchemaToRegex({ type: 'array', minItems: 2, maxItems: 1 })).toThrow(
      /maxItems: expected an integer >= minItems \(2\)/,
    )
    expect(() => jsonSchemaToRegex({ type: 'string', minLength: 1.5 })).toThrow(
      InvalidArgumentError,
    )
    expect(() => jsonSchemaToRegex({ type: 'string', minLength: 3, maxLength: 2 })).toThrow(
      /maxLength: expected an integer >= minLength \(3\)/,
    )
  })

  it('turns valid ranges into bounded repetitions', () => {
    const strings = new RegExp(
      `^${jsonSchemaToRegex({ type: 'string', minLength: 1, maxLength: 2 })}$`,
    )
    expect(strings.test('"a"')).toBe(true)
    expect(strings.test('""')).toBe(false)
    expect(strings.test('"abc"')).toBe(false)
    const arrays = new RegExp(
      `^${jsonSchemaToRegex({ type: 'array', items: { type: 'boolean' }, maxItems: 2 })}$`,
    )
    expect(arrays.test('[]')).toBe(true)
    expect(arrays.test('[true,false]')).toBe(true)
    expect(arrays.test('[true,false,true]')).toBe(false)
  })
})
