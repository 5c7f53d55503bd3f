// Regression tests of the JSON Schema compiler on exact texts (constraint.matches): URI
// resolution of $ref, meta-schema references, fractional multipleOf, number exclusions and
// decimals that must not round to another value. Schemas written for this repository.
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { createJsonSchemaConstraint, jsonSchemaToGrammar } from './json-schema-to-grammar.js'

/** Asserts that `schema` accepts exactly the `valid` texts among `valid` and `invalid`. */
function expectTexts(schema: Record<string, unknown>, valid: string[], invalid: string[]): void {
  const constraint = createJsonSchemaConstraint(schema)
  for (const text of valid) expect(constraint.matches(text), `accepts ${text}`).toBe(true)
  for (const text of invalid) expect(constraint.matches(text), `rejects ${text}`).toBe(false)
  // every accepted text validates with ajv (floating-point division for multipleOf)
  const ajv = new Ajv2020({ strict: false })
  ;(addFormats as unknown as (instance: Ajv2020) => void)(ajv)
  const validate = ajv.compile(schema)
  for (const text of valid) expect(validate(JSON.parse(text)), `ajv: ${text}`).toBe(true)
}

describe('jsonSchemaToGrammar: $ref as URIs', () => {
  it('resolves a reference against the base URI of the enclosing $id', () => {
    const schema = {
      $id: 'https://example.org/a/root.json',
      $defs: {
        item: {
          $id: 'item.json',
          type: 'object',
          properties: { name: { $ref: '#/$defs/label' } },
          required: ['name'],
          additionalProperties: false,
          $defs: { label: { enum: ['x', 'y'] } },
        },
        label: { type: 'integer' },
      },
      type: 'array',
      items: { $ref: 'item.json' },
      maxItems: 1,
    }
    // #/$defs/label inside item.json is item.json's own label, not the root's
    expectTexts(schema, ['[]', '[{"name":"x"}]'], ['[{"name":3}]', '[{"name":"z"}]'])
  })

  it('resolves absolute paths, URNs with anchors, percent-encoding and empty tokens', () => {
    expectTexts(
      {
        $id: 'https://example.org/schemas/v1/root.json',
        $defs: {
          unit: { $id: '/shared/unit.json', enum: ['kg'] },
          decoy: { $id: '/schemas/shared/unit.json', enum: ['m'] },
        },
        $ref: '/shared/unit.json',
      },
      ['"kg"'],
      ['"m"'],
    )
    expectTexts(
      {
        $id: 'urn:example:settings',
        properties: { mode: { $ref: 'urn:example:settings#mode' } },
        required: ['mode'],
        type: 'object',
        $defs: { m: { $anchor: 'mode', const: 'fast' } },
      },
      ['{"mode":"fast"}'],
      ['{"mode":"slow"}'],
    )
    expectTexts(
      {
        $defs: { 'a b%': { const: 1 }, '': { const: 2 } },
        prefixItems: [{ $ref: '#/$defs/a%20b%25' }, { $ref: '#/$defs/' }],
        items: false,
        minItems: 2,
        type: 'array',
      },
      ['[1,2]'],
      ['[2,1]', '[1,1]'],
    )
  })

  it('resolves a draft meta-schema reference to a subset of the schemas it accepts', () => {
    expectTexts(
      { $ref: 'https://json-schema.org/draft/2020-12/schema' },
      ['true', 'false', '{}', '{"type":"string"}'],
      ['1', '{"type":"text"}'],
    )
    // draft-04 has no boolean schemas
    expect(
      createJsonSchemaConstraint({ $ref: 'http://json-schema.org/draft-04/schema#' }).matches(
        'true',
      ),
    ).toBe(false)
  })

  it('still refuses references that resolve nowhere', () => {
    expect(() => jsonSchemaToGrammar({ $ref: 'https://example.org/other.json' })).toThrow(
      /schema\.\$ref/,
    )
  })
})

describe('jsonSchemaToGrammar: numbers', () => {
  it('generates exact decimal multiples of a fractional multipleOf', () => {
    expectTexts(
      { type: 'number', multipleOf: 1.5, maximum: 10 },
      ['0', '4.5', '-3', '9'],
      ['4.4', '10.5', '1.50'],
    )
    // 0.3 / 0.1 is not an integer in double arithmetic (what validators compute): left out
    expectTexts({ multipleOf: 0.1, minimum: 0, maximum: 1 }, ['0.2', '1'], ['0.3', '0.25', '1.1'])
    expectTexts({ type: 'integer', multipleOf: 0.5, minimum: -2, maximum: 2 }, ['-2', '1'], ['0.5'])
    expectTexts(
      { allOf: [{ multipleOf: 0.25 }, { multipleOf: 0.4 }], maximum: 5 },
      ['2', '4'],
      ['1', '0.4'],
    )
    expect(() =>
      createJsonSchemaConstraint({
        type: 'number',
        multipleOf: 0.3,
        exclusiveMinimum: 0.3,
        exclusiveMaximum: 0.6,
      }),
    ).toThrow(/derives at least one text/)
  })

  it('subtracts excluded numbers in every form they could be written', () => {
    expectTexts({ not: { const: 1 } }, ['2', '0.5', '"1"', 'true'], ['1', '1.0', '1e0'])
    expectTexts(
      { type: 'number', not: { enum: [0, 2.5] } },
      ['1', '2.25'],
      ['0', '-0', '2.5', '2.50'],
    )
    expectTexts(
      { type: 'number', minimum: 0, maximum: 3, not: { enum: [1, 0.5] } },
      ['2', '0.25'],
      ['1', '0.5'],
    )
    expectTexts({ type: 'integer', minimum: -100000, not: { const: 7 } }, ['6', '-100000'], ['7'])
    // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
    expectTexts({ if: { const: 2 }, then: false }, ['3', 'null'], ['2'])
  })

  it('writes decimals with at most 15 significant digits, so none rounds onto a bound', () => {
    expectTexts(
      { type: 'number', minimum: 999990, exclusiveMaximum: 1000000 },
      ['999999', '999999.5', '999999.123456789'],
      ['999999.999999999999999', '999999.1234567891', '1000000'],
    )
  })
})

describe('jsonSchemaToGrammar: formats and objects', () => {
  it('generates subsets of every ajv-formats string format instead of ignoring it', () => {
    expectTexts(
      { type: 'string', format: 'uri-reference' },
      ['"https://a.b/c"'],
      ['"a b"', '"ɟ x"'],
    )
    expectTexts({ type: 'string', format: 'url' }, ['"https://ab.cd/x"'], ['"https://rat"'])
    expectTexts({ type: 'string', format: 'regex' }, ['"ab1"', '""'], ['"("', '"a["'])
    expectTexts({ type: 'string', format: 'json-pointer' }, ['""', '"/a/0"'], ['"a"'])
    expectTexts({ type: 'string', format: 'duration' }, ['"P3D"', '"PT10M"'], ['"P"', '"3D"'])
    expectTexts({ type: 'string', format: 'byte' }, ['"QUJD"'], ['"QUJ"'])
  })

  it('keeps numbers with format int32/int64 to integers in range (strings unaffected)', () => {
    expectTexts(
      { type: ['integer', 'string'], format: 'int32' },
      ['2147483647', '-2147483648', '"x"'],
      ['2147483648', '1.5'],
    )
    expectTexts({ type: 'number', format: 'int64' }, ['123456789012'], ['0.5'])
  })

  it('writes the keys minProperties needs with distinct lengths, so none repeats', () => {
    // key i of the 3 needed keys has exactly i + 1 characters
    expectTexts(
      {
        type: 'object',
        additionalProperties: { type: 'integer' },
        minProperties: 3,
        maxProperties: 4,
      },
      ['{"a":1,"bc":2,"def":3}', '{"a":1,"bc":2,"def":3,"a":4}'],
      ['{"a":1,"b":2,"c":3}', '{"abc":1,"d":2}', '{"a":1,"bc":2,"def":3,"g":4,"h":5}'],
    )
    // lengths start at propertyNames' minLength
    expectTexts(
      {
        type: 'object',
        propertyNames: { minLength: 2 },
        additionalProperties: { type: 'boolean' },
        minProperties: 2,
      },
      ['{"ab":true,"cde":false}'],
      ['{"a":true,"bc":false}', '{"ab":true}'],
    )
  })
})
