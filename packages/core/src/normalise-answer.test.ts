import { describe, expect, it } from 'vitest'
import { answersMatch, normaliseAnswer } from './normalise-answer.js'

describe('normaliseAnswer', () => {
  it('writes numbers in canonical form', () => {
    expect(normaliseAnswer('42')).toBe('42')
    expect(normaliseAnswer('007')).toBe('7')
    expect(normaliseAnswer('+7')).toBe('7')
    expect(normaliseAnswer('7.')).toBe('7')
    expect(normaliseAnswer('7.0')).toBe('7')
    expect(normaliseAnswer('0.50')).toBe('0.5')
    expect(normaliseAnswer('.5')).toBe('0.5')
    expect(normaliseAnswer('-0')).toBe('0')
    expect(normaliseAnswer('-0.0')).toBe('0')
    expect(normaliseAnswer('-12')).toBe('-12')
    expect(normaliseAnswer('1e3')).toBe('1000')
    expect(normaliseAnswer('2.5E-1')).toBe('0.25')
  })

  it('removes well-formed thousands separators only', () => {
    expect(normaliseAnswer('1,000')).toBe('1000')
    expect(normaliseAnswer('1,234,567.25')).toBe('1234567.25')
    expect(normaliseAnswer('-1,000')).toBe('-1000')
    expect(normaliseAnswer('1,23')).toBe('1,23')
    expect(normaliseAnswer('1234,567')).toBe('1234,567')
    expect(normaliseAnswer('1,2345')).toBe('1,2345')
  })

  it('strips dollar signs, sentence punctuation and white space around the answer', () => {
    expect(normaliseAnswer(' $1,234.0. ')).toBe('1234')
    expect(normaliseAnswer('$42$')).toBe('42')
    expect(normaliseAnswer('-$5')).toBe('-5')
    expect(normaliseAnswer('42;')).toBe('42')
    expect(normaliseAnswer('42 .')).toBe('42')
    expect(normaliseAnswer('$$ x $$')).toBe('x')
  })

  it('lower-cases text answers and collapses inner white space, keeping inner punctuation', () => {
    expect(normaliseAnswer('Paris.')).toBe('paris')
    expect(normaliseAnswer('  Blue   Whale.')).toBe('blue whale')
    expect(normaliseAnswer('New\nYork')).toBe('new york')
    expect(normaliseAnswer('3/4')).toBe('3/4')
    expect(normaliseAnswer('0x10')).toBe('0x10')
    expect(normaliseAnswer('12 apples')).toBe('12 apples')
    expect(normaliseAnswer('Infinity')).toBe('infinity')
    expect(normaliseAnswer('')).toBe('')
    expect(normaliseAnswer(' . ')).toBe('')
  })
})

describe('answersMatch', () => {
  it('compares numbers by value and text by its normalised form', () => {
    expect(answersMatch('42', 42)).toBe(true)
    expect(answersMatch('042', '42')).toBe(true)
    expect(answersMatch('-3', -3)).toBe(true)
    expect(answersMatch('1,000', 1000)).toBe(true)
    expect(answersMatch('0.1', 0.1)).toBe(true)
    expect(answersMatch('41', 42)).toBe(false)
    expect(answersMatch(' Paris ', 'Paris')).toBe(true)
    expect(answersMatch('paris', 'Paris.')).toBe(true)
    expect(answersMatch('12 apples', 12)).toBe(false)
    expect(answersMatch('0x10', 16)).toBe(false)
  })

  it('never matches a missing or empty answer', () => {
    expect(answersMatch(null, 42)).toBe(false)
    expect(answersMatch(undefined, '')).toBe(false)
    expect(answersMatch('', 0)).toBe(false)
    expect(answersMatch(' ', '')).toBe(false)
    expect(answersMatch('.', '')).toBe(false)
  })
})
