import { createRng } from '@metagen/core'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { type Constraint, compileConstraint, createGrammarConstraint } from './constraint.js'
import { createJsonSchemaConstraint } from './json-schema-to-grammar.js'
import { createVocabularyTokenizer } from './test-tokenizer.js'

// Exactness: on small grammars and schemas and small vocabularies, the mask with a token budget
// R equals the brute-force set {t : some continuation c of at most R-1 tokens makes prefix+t+c
// satisfy the constraint} (eos: the prefix itself satisfies it), checked by an independent
// oracle (a hand-written recogniser, or JSON.parse + ajv + the layout rules). Extra tokens in the
// mask are under-constraining, missing tokens over-constraining: both fail.

interface Case {
  name: string
  constraint: Constraint
  oracle: (text: string) => boolean
  vocabulary: string[]
}

/** Recogniser of `expr ::= term ("+" term)*`, `term ::= [0-9]+ | "(" expr ")"`. */
function isArithmetic(text: string): boolean {
  let position = 0
  const term = (): boolean => {
    if (text[position] === '(') {
      position++
      if (!expr() || text[position] !== ')') return false
      position++
      return true
    }
    const start = position
    while (position < text.length && /[0-9]/.test(text[position] as string)) position++
    return position > start
  }
  const expr = (): boolean => {
    if (!term()) return false
    while (text[position] === '+') {
      position++
      if (!term()) return false
    }
    return true
  }
  return expr() && position === text.length
}

/** Nested lists of JSON integers with optional spaces between tokens (not inside numbers). */
function isNestedList(text: string): boolean {
  if (/[0-9] +[0-9]/.test(text) || /[^0-9[\], ]/.test(text)) return false
  const compact = text.replace(/ /g, '')
  try {
    const value = JSON.parse(compact)
    const check = (item: unknown): boolean =>
      Array.isArray(item) ? item.every(check) : Number.isInteger(item) && (item as number) >= 0
    return Array.isArray(value) && check(value) && JSON.stringify(value) === compact
  } catch {
    return false
  }
}

/** JSON valid against `schema`, compact, with object keys in the order of `keyOrder`. */
function jsonOracle(schema: object, keyOrder: string[] = []): (text: string) => boolean {
  const validate = new Ajv({ strict: false }).compile(schema)
  return (text) => {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return false
    }
    if (JSON.stringify(value) !== text || !validate(value)) return false
    let ordered = true
    const visit = (item: unknown): void => {
      if (Array.isArray(item)) item.forEach(visit)
      else if (item && typeof item === 'object') {
        const positions = Object.keys(item).map((key) => keyOrder.indexOf(key))
        if (
          positions.some(
            (position, index) => index > 0 && position < (positions[index - 1] as number),
          )
        ) {
          ordered = false
        }
        Object.values(item).forEach(visit)
      }
    }
    visit(value)
    return ordered
  }
}

const objectSchema = {
  type: 'object',
  properties: { a: { type: 'boolean' }, b: { enum: ['x', 'yy', 3] } },
  required: ['b'],
  additionalProperties: false,
}
const treeSchema = {
  $defs: { tree: { type: 'array', items: { $ref: '#/$defs/tree' }, maxItems: 2 } },
  $ref: '#/$defs/tree',
}
const oneOfSchema = {
  oneOf: [
    { type: 'integer', multipleOf: 5, minimum: 0, maximum: 40 },
    { type: 'string', maxLength: 1, pattern: '^[ab]*$' },
  ],
}
const uniqueSchema = {
  type: 'array',
  items: { type: 'string', enum: ['p', 'q'] },
  uniqueItems: true,
  minItems: 1,
}
const rangeSchema = { type: 'integer', minimum: -3, maximum: 12 }

const cases: Case[] = [
  {
    name: 'GBNF arithmetic',
    constraint: createGrammarConstraint(
      'root ::= expr\nexpr ::= term ("+" term)*\nterm ::= [0-9]+ | "(" expr ")"',
    ),
    oracle: isArithmetic,
    vocabulary: ['(', ')', '+', '1', '2', '12', '((', '))', '+(', '1)'],
  },
  {
    name: 'Lark nested lists with %ignore',
    constraint: createGrammarConstraint(
      'start: list\nlist: "[" [item ("," item)*] "]"\nitem: NUMBER | list\nNUMBER: /0|[1-9][0-9]*/\n%ignore " "',
      { syntax: 'lark' },
    ),
    oracle: isNestedList,
    vocabulary: ['[', ']', ',', ' ', '0', '1', '10', '[]', '],', ', '],
  },
  {
    name: 'JSON schema: integer range',
    constraint: createJsonSchemaConstraint(rangeSchema),
    oracle: jsonOracle(rangeSchema),
    vocabulary: ['-', '0', '1', '2', '3', '4', '12', '-1', '00'],
  },
  {
    name: 'JSON schema: object with enum and optional property',
    constraint: createJsonSchemaConstraint(objectSchema),
    oracle: jsonOracle(objectSchema, ['a', 'b']),
    vocabulary: [
      '{',
      '}',
      '"a":',
      '"b":',
      ',',
      'true',
      'false',
      '"x"',
      '"yy"',
      '3',
      '"',
      'y',
      '"b":"',
    ],
  },
  {
    name: 'JSON schema: recursive $ref',
    constraint: createJsonSchemaConstraint(treeSchema),
    oracle: jsonOracle(treeSchema),
    vocabulary: ['[', ']', ',', '[]', '[[', ']]', '],['],
  },
  {
    name: 'JSON schema: disjoint oneOf, multipleOf, pattern',
    constraint: createJsonSchemaConstraint(oneOfSchema),
    oracle: jsonOracle(oneOfSchema),
    vocabulary: ['"', 'a', 'b', 'c', '0', '5', '1', '4', '10', '35', '"a', '45'],
  },
  {
    name: 'JSON schema: uniqueItems over an enum',
    constraint: createJsonSchemaConstraint(uniqueSchema),
    oracle: jsonOracle(uniqueSchema),
    vocabulary: ['[', ']', ',', '"p"', '"q"', '"', 'p', '["p"', ',"q"]'],
  },
]

/** Allowed first tokens by brute force: every sequence of 1..budget tokens after the prefix. */
function bruteForce(
  oracle: (text: string) => boolean,
  decode: (ids: number[]) => string,
  vocabularySize: number,
  prefix: number[],
  budget: number,
): number[] {
  const allowed = new Set<number>()
  if (oracle(decode(prefix))) allowed.add(0)
  const visit = (sequence: number[]): void => {
    if (sequence.length > 0 && !allowed.has(sequence[0] as number)) {
      if (oracle(decode([...prefix, ...sequence]))) allowed.add(sequence[0] as number)
    }
    if (sequence.length === budget) return
    for (let token = 1; token < vocabularySize; token++) {
      if (sequence.length > 0 && allowed.has(sequence[0] as number)) return
      visit([...sequence, token])
    }
  }
  if (budget > 0) visit([])
  return [...allowed].sort((left, right) => left - right)
}

describe('grammar masks are exact (brute force over short continuations)', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      const tokenizer = createVocabularyTokenizer(testCase.vocabulary)
      const compiled = compileConstraint(testCase.constraint, tokenizer)
      const decode = (ids: number[]): string => tokenizer.decode(ids)
      const rng = createRng(7)
      let compared = 0
      let nonTrivial = 0
      for (let walk = 0; walk < 12; walk++) {
        // A random valid prefix (unbounded mask), then budgets 1..3 at every position.
        const prefix: number[] = []
        let state = compiled.initialState
        const length = Math.floor(rng.next() * 7)
        for (let step = 0; step <= length; step++) {
          for (const budget of [1, 2, 3]) {
            const expected = bruteForce(
              testCase.oracle,
              decode,
              tokenizer.vocabSize,
              prefix,
              budget,
            )
            const actual = compiled.allowedTokens(state, { remainingTokens: budget })
            expect(actual, `${JSON.stringify(decode(prefix))} budget ${budget}`).toEqual(expected)
            // Without a budget the mask contains every token that some short completion needs.
            const unbounded = compiled.allowedTokens(state)
            for (const token of expected) expect(unbounded).toContain(token)
            compared++
            if (expected.length > 1) nonTrivial++
          }
          const options = compiled.allowedTokens(state).filter((token) => token !== 0)
          if (options.length === 0 || step === length) break
          const token = options[Math.floor(rng.next() * options.length)] as number
          prefix.push(token)
          state = compiled.advance(state, token)
        }
      }
      expect(compared).toBeGreaterThan(30)
      expect(nonTrivial).toBeGreaterThan(2)
    })
  }

  it('masks exactly the byte-level language on a byte-complete vocabulary (no budget)', () => {
    // Every byte is a token, so a token is allowed iff its bytes extend a viable prefix:
    // compare with the oracle over all one-character extensions followed by a short search.
    const testCase = cases[0] as Case
    const characters = ['(', ')', '+', '1', '2']
    const tokenizer = createVocabularyTokenizer(characters)
    const compiled = compileConstraint(testCase.constraint, tokenizer)
    const viable = (text: string, depth: number): boolean =>
      testCase.oracle(text) ||
      (depth > 0 && characters.some((character) => viable(text + character, depth - 1)))
    for (const prefix of ['', '(', '1+', '((1', '(1+2)+']) {
      let state = compiled.initialState
      for (const token of tokenizer.encode(prefix)) state = compiled.advance(state, token)
      const allowed = compiled.allowedTokens(state).filter((token) => token !== 0)
      const expected = characters
        .map((character, index) => ({ character, id: index + 1 }))
        .filter(({ character }) => viable(prefix + character, 6))
        .map(({ id }) => id)
      expect(allowed, prefix).toEqual(expected)
    }
  })
})
