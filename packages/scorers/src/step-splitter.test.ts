// Step splitters: offsets, delimiters, unfinished steps, the tinymath splitter.
import { describe, expect, it } from 'vitest'
import { createStepSplitter, tinymathStepSplitter } from './step-splitter.js'

describe('createStepSplitter', () => {
  it('splits on newlines by default, keeping offsets of the trimmed steps', () => {
    const output = '  first step\n\nsecond step\nunfinished'
    const steps = createStepSplitter()(output)
    expect(steps.map((step) => step.text)).toEqual(['first step', 'second step'])
    for (const step of steps) expect(output.slice(step.start, step.end)).toBe(step.text)
  })

  it('keeps the unterminated tail on request and accepts regular expressions', () => {
    const splitter = createStepSplitter({ delimiter: /\n+|;/, keepUnterminated: true })
    expect(splitter('a;b\n\nc').map((step) => step.text)).toEqual(['a;', 'b', 'c'])
  })

  it('treats a string delimiter literally', () => {
    expect(createStepSplitter({ delimiter: '.' })('a.b.c').map((step) => step.text)).toEqual([
      'a.',
      'b.',
    ])
    expect(createStepSplitter({ delimiter: '(?)' })('x(?)y').map((step) => step.text)).toEqual([
      'x(?)',
    ])
  })

  it('rejects delimiters that are empty or match the empty string', () => {
    expect(() => createStepSplitter({ delimiter: '' })).toThrow(/delimiter/)
    expect(() => createStepSplitter({ delimiter: /x*/ })).toThrow(/empty string/)
  })
})

describe('tinymathStepSplitter', () => {
  it('gives the a op b=c sentences, ending at their period, without the answer sentence', () => {
    const output = ' 4*17=68. 23+68=91. The answer is 91.'
    const steps = tinymathStepSplitter(output)
    expect(steps.map((step) => step.text)).toEqual(['4*17=68.', '23+68=91.'])
    expect(steps.map((step) => output[step.end - 1])).toEqual(['.', '.'])
  })

  it('drops an unfinished step of a partial solution', () => {
    expect(tinymathStepSplitter(' 4*17=68. 23+6').map((step) => step.text)).toEqual(['4*17=68.'])
    expect(tinymathStepSplitter('')).toEqual([])
  })
})
