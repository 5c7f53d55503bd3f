import { readFileSync } from 'node:fs'
import { createRng } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { type Constraint, createGrammarConstraint } from './constraint.js'
import type { CompiledGrammar } from './grammar.js'
import { createGrammarTokenMachine } from './grammar-token-constraint.js'
import { createJsonSchemaConstraint } from './json-schema-to-grammar.js'
import { createTestTokenizer } from './test-tokenizer.js'

// The local walk (bare automata between terminal completions, `token-walk.ts`) is an
// optimisation of the mask walk: on random walks over JSON schemas and grammars, with a
// byte-level vocabulary rich in JSON-like pieces and multi-byte characters, every mask (tokens
// and per-token completion bytes) and every budgeted allowed list (whose verdicts the local walk
// shares between tokens of one local code) equals the plain parser walk's.

const merges: string[] = []
{
  const rng = createRng(11)
  const pieces = ['"', '":', '",', '"}', '{"', '\\"', '\\n', ':', ',', '}', ']', '[', ' ', '  ']
  const letters = 'etaoinshrdlu'
  const seen = new Set<string>()
  while (merges.length < 1500) {
    const kind = rng.next()
    let piece = ''
    if (kind < 0.45) {
      const length = 2 + Math.floor(rng.next() * 6)
      for (let index = 0; index < length; index++)
        piece += letters[Math.floor(rng.next() * letters.length)]
      if (rng.next() < 0.4) piece = ` ${piece}`
    } else if (kind < 0.6) {
      piece = String(Math.floor(rng.next() * 1000))
      if (rng.next() < 0.3) piece += pieces[Math.floor(rng.next() * pieces.length)]
    } else if (kind < 0.85) {
      const length = 1 + Math.floor(rng.next() * 3)
      for (let index = 0; index < length; index++)
        piece += pieces[Math.floor(rng.next() * pieces.length)]
      if (rng.next() < 0.5) piece += letters[Math.floor(rng.next() * letters.length)]
    } else {
      piece = String.fromCodePoint(0xc0 + Math.floor(rng.next() * 0x3000))
      if (rng.next() < 0.5) piece += letters[Math.floor(rng.next() * letters.length)]
      if (rng.next() < 0.3) piece += '"'
    }
    if (piece.length > 1 && !seen.has(piece)) {
      seen.add(piece)
      merges.push(piece)
    }
  }
}
const tokenizer = createTestTokenizer(merges)

/** Filler logits (finite, index-dependent). */
function fillerLogits(length: number): Float32Array {
  return Float32Array.from({ length }, (_, index) => (index * 7919) % 13)
}

/** The ids whose logit `maskLogits` kept (unchanged), or a note on the first corrupted one. */
function keptTokens(logits: Float32Array): Array<number | string> {
  const kept: Array<number | string> = []
  const filler = fillerLogits(logits.length)
  logits.forEach((value, index) => {
    if (value === filler[index]) kept.push(index)
    else if (value !== Number.NEGATIVE_INFINITY) kept.push(`changed ${index}`)
  })
  return kept
}

const cases: Array<[string, Constraint]> = [
  [
    'object with strings, enum, pattern and integers',
    createJsonSchemaConstraint({
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 12 },
        code: { type: 'string', pattern: '^[a-z]{2}-[0-9]+$' },
        kind: { enum: ['alpha', 'beta', 'éclair'] },
        count: { type: 'integer', minimum: -5, maximum: 500 },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
      },
      required: ['name', 'count'],
    }),
  ],
  [
    'recursive tree',
    createJsonSchemaConstraint({
      $defs: {
        node: {
          type: 'object',
          properties: {
            label: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['label'],
        },
      },
      $ref: '#/$defs/node',
    }),
  ],
  ['any JSON', createJsonSchemaConstraint({}, { whitespace: 'spaced' })],
  [
    'gbnf with strings',
    createGrammarConstraint(
      'root ::= "[" item ("," item)* "]"\nitem ::= "\\"" [^"\\\\]* "\\"" | [0-9]+',
    ),
  ],
]

// every 6th satisfiable schema of the committed corpus (all keyword groups and drafts)
const corpus = (
  JSON.parse(
    readFileSync(new URL('../../test/fixtures/json-schema-corpus.json', import.meta.url), 'utf8'),
  ) as Array<{ id: string; satisfiable: boolean; schema: boolean | Record<string, unknown> }>
).filter((entry) => entry.satisfiable)
const corpusCases = corpus
  .filter((_, index) => index % 6 === 0)
  .flatMap((entry): Array<[string, Constraint]> => {
    try {
      return [[entry.id, createJsonSchemaConstraint(entry.schema)]]
    } catch {
      return []
    }
  })

describe('local walk of the token trie', () => {
  it('allows every plain character inside a JSON string body, and shares a local code per end state', () => {
    const machine = createGrammarTokenMachine(
      (
        createJsonSchemaConstraint({ type: 'string', maxLength: 6 })
          .grammar as () => CompiledGrammar
      )(),
      tokenizer,
      { localWalk: true },
    )
    const inside = machine.advance(machine.initialState, tokenizer.encode('"')[0] as number)
    expect(inside).toBeGreaterThanOrEqual(0)
    const mask = machine.mask(inside)
    // every printable ASCII byte but the quote and backslash is a token that stays inside
    const codeOf = (text: string): number => {
      const index = Array.from(mask.tokens).indexOf(tokenizer.encode(text)[0] as number)
      expect(index).toBeGreaterThanOrEqual(0)
      return mask.codes[index] as number
    }
    for (const character of 'a Z~!') expect(codeOf(character)).toBeGreaterThanOrEqual(0)
    // one character in: the same automaton state, whatever the character
    expect(new Set(['a', 'Z', '~', '!'].map(codeOf)).size).toBe(1)
    // most of the vocabulary is allowed here: maskLogits writes only the complement
    expect(mask.tokens.length * 2).toBeGreaterThan(tokenizer.vocabSize)
    const logits = fillerLogits(tokenizer.vocabSize + 3)
    expect(machine.maskLogits(inside, logits)).toBe(true)
    expect(keptTokens(logits)).toEqual(machine.allowedTokens(inside))
  })

  it('keeps eos in accepting states when maskLogits writes only the complement', () => {
    const machine = createGrammarTokenMachine(
      (createGrammarConstraint('root ::= [^"]*').grammar as () => CompiledGrammar)(),
      tokenizer,
    )
    const state = machine.initialState
    expect(machine.isAccepting(state)).toBe(true)
    expect(machine.mask(state).tokens.length * 2).toBeGreaterThan(tokenizer.vocabSize)
    const logits = fillerLogits(tokenizer.vocabSize)
    expect(machine.maskLogits(state, logits)).toBe(true)
    const allowed = machine.allowedTokens(state)
    expect(allowed).toEqual(expect.arrayContaining([...tokenizer.eosTokenIds]))
    expect(keptTokens(logits)).toEqual(allowed)
  })

  for (const [name, constraint, seeds, steps] of [
    ...cases.map(([name, constraint]) => [name, constraint, 6, 40] as const),
    ...corpusCases.map(([name, constraint]) => [`corpus ${name}`, constraint, 2, 24] as const),
  ]) {
    it(`equals the plain walk: ${name}`, () => {
      const grammar = (constraint.grammar as () => CompiledGrammar)()
      const fast = createGrammarTokenMachine(grammar, tokenizer, {
        localWalk: true,
        exactSearchVocabulary: 0,
      })
      const plain = createGrammarTokenMachine(grammar, tokenizer, {
        localWalk: false,
        exactSearchVocabulary: 0,
      })
      let compared = 0
      for (let seed = 0; seed < seeds; seed++) {
        const rng = createRng(seed)
        let fastState = fast.initialState
        let plainState = plain.initialState
        for (let step = 0; step < steps; step++) {
          const fastMask = fast.mask(fastState)
          const plainMask = plain.mask(plainState)
          expect(Array.from(fastMask.tokens)).toEqual(Array.from(plainMask.tokens))
          expect(Array.from(fastMask.minimumBytes)).toEqual(Array.from(plainMask.minimumBytes))
          const budget = 1 + Math.floor(rng.next() * 12)
          expect(fast.allowedTokens(fastState, budget)).toEqual(
            plain.allowedTokens(plainState, budget),
          )
          // maskLogits keeps exactly the allowed logits (eos included when accepting), with and
          // without a budget, on logits longer than the vocabulary
          for (const remaining of [undefined, budget]) {
            const logits = fillerLogits(tokenizer.vocabSize + 3)
            fast.maskLogits(fastState, logits, remaining)
            expect(keptTokens(logits)).toEqual(plain.allowedTokens(plainState, remaining))
          }
          compared++
          const allowed = Array.from(fastMask.tokens)
          if (allowed.length === 0) break
          const token = allowed[Math.floor(rng.next() * allowed.length)] as number
          fastState = fast.advance(fastState, token)
          plainState = plain.advance(plainState, token)
          expect(fastState >= 0).toBe(plainState >= 0)
          if (fastState < 0) break
        }
      }
      expect(compared).toBeGreaterThan(seeds)
    })
  }
})
