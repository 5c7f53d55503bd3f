import { describe, expect, it } from 'vitest'
import { parseSelectedResponse } from './parse-selected-response.js'

describe('parseSelectedResponse', () => {
  it('reads the instructed sentence', () => {
    expect(parseSelectedResponse('The most consistent response is Response 2.', 4)).toBe(2)
    expect(parseSelectedResponse('the most consistent response is #3', 4)).toBe(3)
  })

  it('falls back to the first in-range "Response X", then a leading number', () => {
    expect(parseSelectedResponse('Response 9 is odd, Response 1 agrees with most', 4)).toBe(1)
    expect(parseSelectedResponse(' 0, because it matches', 3)).toBe(0)
  })

  it('returns undefined rather than clamping out-of-range or missing numbers', () => {
    expect(parseSelectedResponse('The most consistent response is Response 7', 4)).toBeUndefined()
    expect(parseSelectedResponse('I cannot decide.', 4)).toBeUndefined()
  })
})
