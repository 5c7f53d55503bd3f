import { createRng, InvalidArgumentError } from '@metagen/core'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import {
  byteAutomatonMatches,
  compileRegexToByteAutomaton,
  utf8Sequences,
} from './byte-automaton.js'
import {
  ConstraintError,
  compileConstraint,
  createChoiceConstraint,
  createRegexConstraint,
  type TokenConstraint,
} from './constraint.js'
import { createJsonSchemaConstraint } from './json-schema-to-grammar.js'
import { createTestTokenizer } from './test-tokenizer.js'

/** Walks random allowed tokens until eos (or the token limit), as a sampler would. */
function randomWalk(compiled: TokenConstraint, seed: number, maxTokens: number): number[] {
  const rng = createRng(seed)
  const tokens: number[] = []
  let state = compiled.initialState
  for (let step = 0; step < maxTokens; step++) {
    const allowed = compiled.allowedTokens(state, { remainingTokens: maxTokens - step })
    const token = allowed[rng.nextInt(allowed.length)] as number
    if (compiled.isEos(token)) return tokens
    tokens.push(token)
    state = compiled.advance(state, token)
  }
  expect(compiled.isAccepting(state)).toBe(true)
  return tokens
}

describe('utf8Sequences', () => {
  it('encodes exactly the code points of a range', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true })
    for (const [min, max] of [
      [0, 0x7f],
      [0x70, 0x900],
      [0xd000, 0xe100],
      [0xfff0, 0x10010],
    ] as const) {
      const seen = new Set<number>()
      for (const sequence of utf8Sequences(min, max)) {
        // Enumerate a few corners of each sequence's byte box and decode them.
        const corners = [sequence.map((range) => range[0]), sequence.map((range) => range[1])]
        for (const corner of corners) {
          const codePoint = decoder.decode(Uint8Array.from(corner)).codePointAt(0) as number
          expect(codePoint).toBeGreaterThanOrEqual(min)
          expect(codePoint).toBeLessThanOrEqual(max)
          seen.add(codePoint)
        }
      }
      expect(seen.has(min >= 0xd800 && min <= 0xdfff ? 0xe000 : min)).toBe(true)
    }
  })
})

describe('compileRegexToByteAutomaton', () => {
  it('matches whole strings, including multi-byte characters', () => {
    const automaton = compileRegexToByteAutomaton('[a-zé€😀]+-[0-9]{2}')
    expect(byteAutomatonMatches(automaton, 'aé€😀-12')).toBe(true)
    expect(byteAutomatonMatches(automaton, 'a-1')).toBe(false)
    expect(byteAutomatonMatches(automaton, 'ab-123')).toBe(false)
    expect(byteAutomatonMatches(automaton, 'ü-12')).toBe(false)
  })

  it('accepts optional anchors and rejects lookarounds and empty languages', () => {
    expect(byteAutomatonMatches(compileRegexToByteAutomaton('^ab$'), 'ab')).toBe(true)
    expect(() => compileRegexToByteAutomaton('a(?=b)')).toThrow(InvalidArgumentError)
    expect(() => compileRegexToByteAutomaton('a[]')).toThrow(/matches at least one string/)
    expect(() => compileRegexToByteAutomaton('(')).toThrow(InvalidArgumentError)
  })
})

describe('compileConstraint', () => {
  const tokenizer = createTestTokenizer(['The', ' answer', ' is', '12', '3=', 'é', '€x'])

  it('allows eos only in accepting states and never leads into a dead end', () => {
    const compiled = compileConstraint(createRegexConstraint(String.raw`\d+\.`), tokenizer)
    const start = compiled.allowedTokens(compiled.initialState)
    expect(start).not.toContain(0)
    expect(start).toContain(tokenizer.encode('12')[0])
    expect(start).not.toContain(tokenizer.encode('3=')[0])
    let state = compiled.advance(compiled.initialState, tokenizer.encode('7')[0] as number)
    expect(compiled.isAccepting(state)).toBe(false)
    state = compiled.advance(state, tokenizer.encode('.')[0] as number)
    expect(compiled.isAccepting(state)).toBe(true)
    expect(compiled.allowedTokens(state)).toEqual([0])
  })

  it('handles tokens that span several characters or part of one', () => {
    const compiled = compileConstraint(createRegexConstraint('(?:é|€x)+'), tokenizer)
    const allowed = compiled.allowedTokens(compiled.initialState)
    // The whole-character tokens and the first bytes of é (0xc3) and € (0xe2) are allowed.
    expect(allowed).toContain(tokenizer.encode('é')[0])
    expect(allowed).toContain(tokenizer.encode('€x')[0])
    expect(allowed).toContain(0xc3 + 1)
    expect(allowed).toContain(0xe2 + 1)
    expect(allowed).not.toContain(0xa9 + 1)
    for (let seed = 0; seed < 20; seed++) {
      const text = tokenizer.decode(randomWalk(compiled, seed, 12))
      expect(text).toMatch(/^(?:é|€x)+$/u)
    }
  })

  it('masks logits in place and keeps outputs within the token limit', () => {
    const compiled = compileConstraint(createRegexConstraint('a{3}b*'), tokenizer)
    const logits = new Float32Array(tokenizer.vocabSize).fill(1)
    compiled.maskLogits(compiled.initialState, logits, { remainingTokens: 5 })
    const finite = [...logits.keys()].filter((token) => Number.isFinite(logits[token]))
    expect(finite).toEqual([97 + 1])
    expect(() =>
      compiled.maskLogits(compiled.initialState, new Float32Array(tokenizer.vocabSize), {
        remainingTokens: 2,
      }),
    ).toThrow(ConstraintError)
    for (let seed = 0; seed < 20; seed++) {
      const tokens = randomWalk(compiled, seed, 4)
      expect(tokens.length).toBeLessThanOrEqual(4)
      expect(tokenizer.decode(tokens)).toMatch(/^aaab?$/)
    }
  })

  it('throws a clear error when every allowed token was already masked', () => {
    const compiled = compileConstraint(createRegexConstraint('x'), tokenizer)
    const logits = new Float32Array(tokenizer.vocabSize).fill(Number.NEGATIVE_INFINITY)
    logits[5] = 0
    expect(() => compiled.maskLogits(compiled.initialState, logits)).toThrow(/No token is allowed/)
  })

  it('caches the index per tokenizer and pattern', () => {
    const first = compileConstraint(createRegexConstraint('[0-9]+'), tokenizer)
    const second = compileConstraint(createRegexConstraint('[0-9]+'), tokenizer)
    expect(second.index).toBe(first.index)
    const other = compileConstraint(createRegexConstraint('[0-9]+'), createTestTokenizer())
    expect(other.index).not.toBe(first.index)
  })

  it('compiles choices', () => {
    const compiled = compileConstraint(createChoiceConstraint(['yes', 'no', 'a.b']), tokenizer)
    const outputs = new Set<string>()
    for (let seed = 0; seed < 40; seed++)
      outputs.add(tokenizer.decode(randomWalk(compiled, seed, 10)))
    expect([...outputs].sort()).toEqual(['a.b', 'no', 'yes'])
    expect(() => createChoiceConstraint([])).toThrow(InvalidArgumentError)
  })
})

describe('createJsonSchemaConstraint', () => {
  const tokenizer = createTestTokenizer(['{"', '":', '",', 'true', 'false', 'null'])
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 4 },
      age: { type: 'integer' },
      score: { type: 'number' },
      ok: { type: 'boolean' },
      color: { enum: ['red', 'green', 7] },
      tags: { type: 'array', items: { type: 'string', maxLength: 2 }, minItems: 1, maxItems: 3 },
      inner: {
        type: 'object',
        properties: { x: { type: ['integer', 'null'] }, y: { $ref: '#/$defs/point' } },
        required: ['x'],
      },
    },
    required: ['name', 'ok', 'inner'],
    $defs: { point: { type: 'array', items: { type: 'number' }, maxItems: 2 } },
  }

  it('produces JSON that validates against the schema, on random walks', () => {
    const validate = new Ajv().compile(schema)
    const compiled = compileConstraint(createJsonSchemaConstraint(schema), tokenizer)
    for (let seed = 0; seed < 60; seed++) {
      const text = tokenizer.decode(randomWalk(compiled, seed, 120))
      const value = JSON.parse(text)
      expect(validate(value), `${text}: ${JSON.stringify(validate.errors)}`).toBe(true)
    }
  })

  it('accepts exactly the valid layouts', () => {
    const constraint = createJsonSchemaConstraint(schema)
    expect(constraint.matches('{"name":"ab","ok":true,"inner":{"x":null}}')).toBe(true)
    expect(
      constraint.matches('{"name":"ab","age":-3,"ok":false,"inner":{"x":1,"y":[1.5,2e3]}}'),
    ).toBe(true)
    expect(constraint.matches('{"name":"abcde","ok":true,"inner":{"x":1}}')).toBe(false)
    expect(constraint.matches('{"ok":true,"name":"ab","inner":{"x":1}}')).toBe(false)
    expect(constraint.matches('{"name":"ab","ok":true}')).toBe(false)
    expect(constraint.matches('{"name":"ab","ok":true,"inner":{"x":1},"tags":[]}')).toBe(false)
    const spaced = createJsonSchemaConstraint(schema, { whitespace: 'spaced' })
    expect(spaced.matches('{"name": "ab", "ok": true, "inner": {"x": 01}}')).toBe(false)
    expect(spaced.matches('{"name": "ab", "ok": true, "inner": {"x": 1}}')).toBe(true)
  })

  it('refuses what a grammar cannot enforce, naming the keyword', () => {
    expect(() =>
      createJsonSchemaConstraint({
        oneOf: [
          { type: 'object', minProperties: 1 },
          { type: 'object', maxProperties: 2 },
        ],
      }),
    ).toThrow(/schema\.oneOf.*told apart/)
    expect(() => createJsonSchemaConstraint({ not: { minItems: 2 } })).toThrow(/schema\.not/)
    // a typed negation keeps to the other types (a sound subset), so it is not refused
    expect(() => createJsonSchemaConstraint({ not: { type: 'array', minItems: 2 } })).not.toThrow()
    expect(() => createJsonSchemaConstraint({ not: { type: 'integer' } })).not.toThrow()
    expect(() => createJsonSchemaConstraint({ $ref: '#/$defs/missing' })).toThrow(/\$ref/)
    expect(() =>
      createJsonSchemaConstraint({ $defs: { a: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' }),
    ).toThrow(/derives at least one text/)
    expect(() => createJsonSchemaConstraint({ type: 'strings' })).toThrow(InvalidArgumentError)
  })
})
