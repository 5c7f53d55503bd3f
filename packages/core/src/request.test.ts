import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from './errors.js'
import { validateResponseFormat } from './request.js'

describe('validateResponseFormat', () => {
  it('accepts text, JSON schemas with a valid name and grammars', () => {
    expect(() => validateResponseFormat({ type: 'text' })).not.toThrow()
    expect(() =>
      validateResponseFormat({ type: 'json_schema', schema: { type: 'object' }, name: 'answer_1' }),
    ).not.toThrow()
    expect(() => validateResponseFormat({ type: 'json_schema', schema: true })).not.toThrow()
    expect(() =>
      validateResponseFormat({ type: 'grammar', grammar: 'root ::= "a"', syntax: 'gbnf' }),
    ).not.toThrow()
  })

  it('names the bad field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'json_schema', schema: [] }, /responseFormat\.schema: expected a JSON Schema/],
      [{ type: 'json_schema', schema: {}, name: 'a b' }, /responseFormat\.name: expected 1 to 64/],
      [{ type: 'json_schema', schema: {}, name: 'x'.repeat(65) }, /responseFormat\.name/],
      [{ type: 'grammar', grammar: ' ' }, /responseFormat\.grammar: expected non-empty/],
      [{ type: 'grammar', grammar: 'a', syntax: 'peg' }, /responseFormat\.syntax/],
      [{ type: 'xml' }, /responseFormat\.type/],
    ]
    for (const [format, message] of cases) {
      expect(() => validateResponseFormat(format as never)).toThrow(InvalidArgumentError)
      expect(() => validateResponseFormat(format as never)).toThrow(message)
    }
  })
})
