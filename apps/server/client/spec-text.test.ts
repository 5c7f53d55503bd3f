import { describe, expect, it } from 'vitest'
import { formatSpec, parseSpec } from './spec-text.js'

const nested = {
  strategy: 'self-consistency',
  n: 8,
  base: { strategy: 'step-beam', beamWidth: 2, aggregation: 'last' },
  stop: ['\n\n', 'Q:'],
}

describe('spec text', () => {
  it('writes YAML blocks and reads them back to the same spec', () => {
    const yaml = formatSpec(nested, 'yaml')
    expect(yaml).toContain('strategy: self-consistency\n')
    expect(yaml).toContain('base:\n  strategy: step-beam\n  beamWidth: 2\n')
    expect(parseSpec(yaml, 'yaml')).toEqual(nested)
  })

  it('writes and reads JSON', () => {
    const json = formatSpec(nested, 'json')
    expect(JSON.parse(json)).toEqual(nested)
    expect(parseSpec(json, 'json')).toEqual(nested)
  })

  it('names the format and the reason when the text is not a spec', () => {
    expect(() => parseSpec('strategy: [unclosed', 'yaml')).toThrow(/^spec: expected valid YAML/)
    expect(() => parseSpec('{"strategy":', 'json')).toThrow(/^spec: expected valid JSON/)
    expect(() => parseSpec('- a\n- b\n', 'yaml')).toThrow(
      'spec: expected an object with a "strategy" key, got ["a","b"]',
    )
    expect(() => parseSpec('42', 'json')).toThrow(/got 42$/)
  })
})
