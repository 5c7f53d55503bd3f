import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from './errors.js'
import { createFakeTokenModel } from './testing/fake-token-model.js'
import { assertTruncateLength } from './validate.js'

describe('assertTruncateLength', () => {
  it('accepts integers from 0 to the current length', () => {
    for (const length of [0, 3, 7]) expect(() => assertTruncateLength(length, 7)).not.toThrow()
  })

  it('names the argument and the range for anything else', () => {
    for (const length of [-1, 8, 2.5, Number.NaN, '3', undefined]) {
      expect(() => assertTruncateLength(length, 7)).toThrow(InvalidArgumentError)
      expect(() => assertTruncateLength(length, 7)).toThrow(/length.*an integer in \[0, 7\]/s)
    }
  })

  it('is what the fake token model rejects truncations with', async () => {
    const model = createFakeTokenModel()
    const sequence = model.createSequence()
    await model.extend([{ sequence, tokens: [1, 2, 3] }])
    expect(() => sequence.truncate(4)).toThrow(/an integer in \[0, 3\]/)
    sequence.truncate(1)
    expect(sequence.tokens).toEqual([1])
  })
})
