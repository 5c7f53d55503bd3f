import { describe, expect, it } from 'vitest'
import { extractFinalAnswer } from './extract-final-answer.js'

describe('extractFinalAnswer', () => {
  it('reads the tinymath answer sentence', () => {
    expect(extractFinalAnswer(' 4*17=68. 23+68=91. The answer is 91.')).toBe('91')
    expect(extractFinalAnswer(' 5-9=-4. The answer is -4.')).toBe('-4')
  })

  it('prefers the last answer sentence, then boxed, then Answer:, then the last number', () => {
    expect(extractFinalAnswer('The answer is 3. Wait. The answer is 4.')).toBe('4')
    expect(extractFinalAnswer('so \\boxed{12} and 13')).toBe('12')
    expect(extractFinalAnswer('work\nAnswer: blue whale\n')).toBe('blue whale')
    expect(extractFinalAnswer('we get 1,200 then 7')).toBe('7')
    expect(extractFinalAnswer('no digits here')).toBeUndefined()
  })
})
