// JSON Schema compiled to a regular expression whose matches are exactly JSON texts (in a fixed
// layout) that validate against the schema; the regex then becomes a token-level constraint.
import { InvalidArgumentError } from '@metagen/core'

/** A JSON Schema (draft 2020-12 subset, see {@link jsonSchemaToRegex}). */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown }

/** Options of {@link jsonSchemaToRegex}. */
export interface JsonSchemaToRegexOptions {
  /**
   * Layout of the JSON text: `compact` (default) writes `{"a":1,"b":[1,2]}`; `spaced` allows
   * one optional space after each `:` and `,` (`{"a": 1, "b": [1, 2]}`).
   */
  whitespace?: 'compact' | 'spaced'
  /** How deep `$ref`s may nest before the schema counts as recursive (default 16). */
  maxReferenceDepth?: number
}

/** Keywords that carry no constraint and are ignored. */
const annotationKeywords = new Set([
  '$schema',
  '$id',
  '$comment',
  '$defs',
  'definitions',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
])

const supportedKeywords: Readonly<Record<string, ReadonlySet<string>>> = {
  object: new Set(['type', 'properties', 'required', 'additionalProperties']),
  array: new Set(['type', 'items', 'minItems', 'maxItems']),
  string: new Set(['type', 'minLength', 'maxLength', 'format']),
  integer: new Set(['type']),
  number: new Set(['type']),
  boolean: new Set(['type']),
  null: new Set(['type']),
}

const jsonStringCharacter = String.raw`(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})`
// Digits are bounded so that every match parses to a finite double (JSON.parse gives Infinity
// for 1e400 or a 400-digit integer, which no validator accepts as a number): at most 15 integer
// digits (exact in a double), 15 fraction digits and a two-digit exponent.
const integerPattern = '-?(?:0|[1-9][0-9]{0,14})'
const numberPattern = String.raw`-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?(?:[eE][+\-]?[0-9]{1,2})?`
const formatPatterns: Readonly<Record<string, string>> = {
  date: '[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])',
  time: String.raw`(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:Z|[+\-](?:[01][0-9]|2[0-3]):[0-5][0-9])`,
  uuid: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
}

/**
 * Compiles a JSON Schema to a regular expression (source text, for
 * {@link compileRegexToByteAutomaton}) that matches exactly the JSON texts in the chosen layout
 * that validate against the schema. Supported: `type` (object, array, string, integer, number,
 * boolean, null; a list of types), `properties` (emitted in the schema's order), `required`
 * (other properties are optional), `additionalProperties` (only declared properties are emitted,
 * which every value of this keyword allows), `items`, `minItems`, `maxItems`, `minLength`,
 * `maxLength`, `format` (date, time, uuid), `enum`, `const`, `anyOf`, `allOf` with a single
 * entry, local `$ref` (`#/$defs/...`, `#/definitions/...`, non-recursive), `true`/`{}` (any JSON
 * value up to a nesting depth of 3). Integers have at most 15 digits, numbers at most 15 integer
 * and 15 fraction digits and a two-digit exponent, so that every output parses to a finite
 * double. Every other keyword throws an {@link InvalidArgumentError}
 * naming it, rather than being ignored and letting invalid output through.
 */
export function jsonSchemaToRegex(
  schema: JsonSchema,
  options: JsonSchemaToRegexOptions = {},
): string {
  const whitespace = options.whitespace ?? 'compact'
  if (whitespace !== 'compact' && whitespace !== 'spaced') {
    throw new InvalidArgumentError({
      argument: 'options.whitespace',
      expected: '"compact" or "spaced"',
      received: whitespace,
    })
  }
  const compiler = new SchemaCompiler(
    schema,
    whitespace === 'spaced' ? ' ?' : '',
    options.maxReferenceDepth ?? 16,
  )
  return compiler.compile(schema, '#', 0)
}

/** Escapes text so that it matches literally in a Unicode-mode regular expression. */
export function escapeRegex(text: string): string {
  let result = ''
  for (const character of text) {
    const code = character.codePointAt(0) as number
    if (/[\\^$.*+?()[\]{}|/-]/.test(character)) {
      result += character === '-' ? '\\x2d' : `\\${character}`
    } else if (code < 0x20 || code === 0x7f || (code >= 0x2028 && code <= 0x2029)) {
      result += `\\u{${code.toString(16)}}`
    } else {
      result += character
    }
  }
  return result
}

class SchemaCompiler {
  constructor(
    private readonly root: JsonSchema,
    private readonly space: string,
    private readonly maxReferenceDepth: number,
  ) {}

  compile(schema: JsonSchema, path: string, depth: number): string {
    if (schema === true) return this.anyValue(3)
    if (schema === false) return '[]'
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}`,
        expected: 'a JSON Schema (an object or a boolean)',
        received: schema,
      })
    }
    if ('$ref' in schema) return this.reference(schema, path, depth)
    if ('const' in schema) {
      this.assertOnly(schema, path, ['const'])
      return escapeRegex(JSON.stringify(schema.const))
    }
    if ('enum' in schema) {
      this.assertOnly(schema, path, ['enum', 'type'])
      const values = schema.enum
      if (!Array.isArray(values) || values.length === 0) {
        throw new InvalidArgumentError({
          argument: `schema${pathSuffix(path)}.enum`,
          expected: 'a non-empty array',
          received: values,
        })
      }
      return `(?:${values.map((value) => escapeRegex(JSON.stringify(value))).join('|')})`
    }
    if ('anyOf' in schema || 'oneOf' in schema) {
      const keyword = 'anyOf' in schema ? 'anyOf' : 'oneOf'
      if (keyword === 'oneOf') {
        throw new InvalidArgumentError({
          argument: `schema${pathSuffix(path)}.oneOf`,
          expected:
            'anyOf instead (oneOf needs exclusivity, which a regular language cannot check in general)',
          received: schema.oneOf,
        })
      }
      this.assertOnly(schema, path, ['anyOf'])
      const branches = schema.anyOf
      if (!Array.isArray(branches) || branches.length === 0) {
        throw new InvalidArgumentError({
          argument: `schema${pathSuffix(path)}.anyOf`,
          expected: 'a non-empty array of schemas',
          received: branches,
        })
      }
      return `(?:${branches
        .map((branch, index) => this.compile(branch as JsonSchema, `${path}/anyOf/${index}`, depth))
        .join('|')})`
    }
    if ('allOf' in schema) {
      this.assertOnly(schema, path, ['allOf'])
      const parts = schema.allOf
      if (!Array.isArray(parts) || parts.length !== 1) {
        throw new InvalidArgumentError({
          argument: `schema${pathSuffix(path)}.allOf`,
          expected: 'exactly one schema (merging several is not supported)',
          received: parts,
        })
      }
      return this.compile(parts[0] as JsonSchema, `${path}/allOf/0`, depth)
    }
    const type = schema.type
    if (type === undefined) {
      this.assertOnly(schema, path, [])
      return this.anyValue(3)
    }
    if (Array.isArray(type)) {
      return `(?:${type.map((single) => this.compileType(schema, single, path, depth)).join('|')})`
    }
    return this.compileType(schema, type, path, depth)
  }

  private compileType(
    schema: { readonly [keyword: string]: unknown },
    type: unknown,
    path: string,
    depth: number,
  ): string {
    const allowed = typeof type === 'string' ? supportedKeywords[type] : undefined
    if (!allowed) {
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}.type`,
        expected: 'one of object, array, string, integer, number, boolean, null',
        received: type,
      })
    }
    this.assertOnly(schema, path, [...allowed])
    switch (type) {
      case 'object':
        return this.object(schema, path, depth)
      case 'array':
        return this.array(schema, path, depth)
      case 'string':
        return this.string(schema, path)
      case 'integer':
        return integerPattern
      case 'number':
        return numberPattern
      case 'boolean':
        return '(?:true|false)'
      default:
        return 'null'
    }
  }

  private object(
    schema: { readonly [keyword: string]: unknown },
    path: string,
    depth: number,
  ): string {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}.properties`,
        expected: 'an object of schemas',
        received: properties,
      })
    }
    const required = (schema.required ?? []) as unknown
    if (!Array.isArray(required) || required.some((name) => typeof name !== 'string')) {
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}.required`,
        expected: 'an array of property names',
        received: required,
      })
    }
    const names = Object.keys(properties)
    for (const name of required as string[]) {
      if (!names.includes(name)) {
        throw new InvalidArgumentError({
          argument: `schema${pathSuffix(path)}.required`,
          expected: `names declared in properties (${names.join(', ') || 'none'})`,
          received: name,
        })
      }
    }
    const entries = names.map((name) => ({
      required: (required as string[]).includes(name),
      pattern: `${escapeRegex(JSON.stringify(name))}:${this.space}${this.compile(
        properties[name] as JsonSchema,
        `${path}/properties/${escapePointer(name)}`,
        depth,
      )}`,
    }))
    const separator = `,${this.space}`
    // rest(i): properties i.. after at least one was written, each preceded by a comma.
    const rest = (start: number): string =>
      entries
        .slice(start)
        .map((entry) =>
          entry.required ? `${separator}${entry.pattern}` : `(?:${separator}${entry.pattern})?`,
        )
        .join('')
    // The first written property is k: every property before k is optional and left out.
    const alternatives: string[] = []
    let allOptional = true
    for (let first = 0; first < entries.length; first++) {
      const entry = entries[first] as { required: boolean; pattern: string }
      alternatives.push(`${entry.pattern}${rest(first + 1)}`)
      if (entry.required) {
        allOptional = false
        break
      }
    }
    if (allOptional) alternatives.push('')
    return `\\{(?:${alternatives.join('|')})\\}`
  }

  private array(
    schema: { readonly [keyword: string]: unknown },
    path: string,
    depth: number,
  ): string {
    const { minimum, maximum } = readCountRange(schema, path, 'minItems', 'maxItems')
    if (Array.isArray(schema.items)) {
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}.items`,
        expected: 'a single schema (tuple items are not supported)',
        received: schema.items,
      })
    }
    const item = this.compile((schema.items ?? true) as JsonSchema, `${path}/items`, depth)
    if (maximum === 0) return '\\[\\]'
    const separator = `,${this.space}`
    const more = `(?:${separator}${item}){${Math.max(minimum - 1, 0)},${maximum === undefined ? '' : maximum - 1}}`
    const body = `${item}${more}`
    return minimum === 0 ? `\\[(?:${body})?\\]` : `\\[${body}\\]`
  }

  private string(schema: { readonly [keyword: string]: unknown }, path: string): string {
    if (schema.format !== undefined) {
      const format = formatPatterns[schema.format as string]
      if (!format || schema.minLength !== undefined || schema.maxLength !== undefined) {
        throw new InvalidArgumentError({
          argument: `schema${pathSuffix(path)}.format`,
          expected: `one of ${Object.keys(formatPatterns).join(', ')}, without minLength/maxLength`,
          received: schema.format,
        })
      }
      return `"${format}"`
    }
    const { minimum, maximum } = readCountRange(schema, path, 'minLength', 'maxLength')
    if (minimum === 0 && maximum === undefined) return `"${jsonStringCharacter}*"`
    return `"${jsonStringCharacter}{${minimum},${maximum ?? ''}}"`
  }

  private reference(
    schema: { readonly [keyword: string]: unknown },
    path: string,
    depth: number,
  ): string {
    this.assertOnly(schema, path, ['$ref'])
    const reference = schema.$ref
    if (typeof reference !== 'string' || !reference.startsWith('#')) {
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}.$ref`,
        expected: 'a local reference such as "#/$defs/name"',
        received: reference,
      })
    }
    if (depth >= this.maxReferenceDepth) {
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}.$ref`,
        expected: `a non-recursive reference (nesting deeper than ${this.maxReferenceDepth})`,
        received: reference,
      })
    }
    let target: unknown = this.root
    for (const part of reference.slice(1).split('/').filter(Boolean)) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~')
      target =
        target && typeof target === 'object' ? (target as Record<string, unknown>)[key] : undefined
    }
    if (target === undefined) {
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}.$ref`,
        expected: 'a reference that resolves inside the schema',
        received: reference,
      })
    }
    return this.compile(target as JsonSchema, reference, depth + 1)
  }

  /** Any JSON value, with arrays and objects nested at most `depth` levels. */
  private anyValue(depth: number): string {
    const scalar = `(?:"${jsonStringCharacter}*"|${numberPattern}|true|false|null)`
    if (depth === 0) return scalar
    const inner = this.anyValue(depth - 1)
    const separator = `,${this.space}`
    const key = `"${jsonStringCharacter}*":${this.space}`
    const array = `\\[(?:${inner}(?:${separator}${inner})*)?\\]`
    const object = `\\{(?:${key}${inner}(?:${separator}${key}${inner})*)?\\}`
    return `(?:${scalar}|${array}|${object})`
  }

  private assertOnly(
    schema: { readonly [keyword: string]: unknown },
    path: string,
    allowed: readonly string[],
  ): void {
    for (const keyword of Object.keys(schema)) {
      if (annotationKeywords.has(keyword) || allowed.includes(keyword)) continue
      throw new InvalidArgumentError({
        argument: `schema${pathSuffix(path)}.${keyword}`,
        expected: `only supported keywords here (${allowed.join(', ') || 'annotations only'}); ${keyword} is not supported by JSON-schema constrained decoding`,
        received: schema[keyword],
      })
    }
  }
}

/**
 * The `[minKey, maxKey]` range of a schema (`minItems`/`maxItems`, `minLength`/`maxLength`):
 * minimum an integer >= 0 (default 0), maximum absent or an integer >= minimum. Throws
 * {@link InvalidArgumentError} naming the keyword otherwise.
 */
function readCountRange(
  schema: { readonly [keyword: string]: unknown },
  path: string,
  minKey: string,
  maxKey: string,
): { minimum: number; maximum: number | undefined } {
  const minimum = schema[minKey] ?? 0
  const maximum = schema[maxKey]
  if (typeof minimum !== 'number' || !Number.isInteger(minimum) || minimum < 0) {
    throw new InvalidArgumentError({
      argument: `schema${pathSuffix(path)}.${minKey}`,
      expected: 'an integer >= 0',
      received: minimum,
    })
  }
  if (
    maximum !== undefined &&
    (typeof maximum !== 'number' || !Number.isInteger(maximum) || maximum < minimum)
  ) {
    throw new InvalidArgumentError({
      argument: `schema${pathSuffix(path)}.${maxKey}`,
      expected: `an integer >= ${minKey} (${minimum})`,
      received: maximum,
    })
  }
  return { minimum, maximum }
}

function pathSuffix(path: string): string {
  return path === '#' ? '' : ` at ${path}`
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1')
}
