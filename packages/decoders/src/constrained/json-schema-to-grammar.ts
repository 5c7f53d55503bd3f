// JSON Schema (drafts 04, 06, 07, 2019-09, 2020-12) compiled to a context-free grammar whose texts
// are JSON documents, in a fixed layout, that validate against the schema. $ref becomes a rule
// (recursion is fine), allOf is merged, anyOf/oneOf/if-then-else become alternatives, and string
// keywords become one regular terminal through refa's DFA intersection.
import { InvalidArgumentError } from '@metagen/core'
import type { Constraint } from './constraint.js'
import { createGrammarConstraintFromGrammar } from './constraint.js'
import { escapeRegex, type JsonSchema } from './escape-regex.js'
import {
  choice,
  type Grammar,
  type GrammarExpression,
  intersectionTerminal,
  literal,
  nothingExpression,
  repeat,
  ruleReference,
  sequence,
  terminal,
} from './grammar.js'
import { jsonEqual, jsonTypesOf, validateJson } from './json-schema-validate.js'

/** Options of {@link jsonSchemaToGrammar} and {@link createJsonSchemaConstraint}. */
export interface JsonSchemaGrammarOptions {
  /**
   * Layout of the JSON text: `compact` (default) writes `{"a":1,"b":[1,2]}`; `spaced` allows
   * one optional space after each `:` and `,` (`{"a": 1, "b": [1, 2]}`).
   */
  whitespace?: 'compact' | 'spaced'
}

type SchemaObject = { readonly [keyword: string]: unknown }

/** A schema with its combinators expanded: the conjunction of `sources`, plus merged keywords. */
interface Flat {
  types: Set<string> | undefined
  values: unknown[] | undefined
  properties: Map<string, JsonSchema[]>
  patternProperties: Map<string, JsonSchema[]>
  /** additionalProperties of each merged part, with the names/patterns it does not apply to. */
  additional: Array<{ names: Set<string>; patterns: string[]; schema: JsonSchema }>
  required: Set<string>
  propertyNames: JsonSchema[]
  dependentRequired: Map<string, string[]>
  dependentSchemas: Map<string, JsonSchema[]>
  prefixItems: JsonSchema[][]
  items: JsonSchema[]
  contains: Array<{ schema: JsonSchema; minimum: number; maximum: number | undefined }>
  numbers: Record<
    | 'minimum'
    | 'maximum'
    | 'exclusiveMinimum'
    | 'exclusiveMaximum'
    | 'minLength'
    | 'maxLength'
    | 'minItems'
    | 'maxItems'
    | 'minProperties'
    | 'maxProperties',
    number | undefined
  >
  multipleOf: number[]
  patterns: string[]
  formats: string[]
  uniqueItems: boolean
  not: JsonSchema[]
  /** Every schema merged in, for validating enum values against the whole conjunction. */
  sources: JsonSchema[]
}

const jsonCharacter = String.raw`(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u(?:[0-9a-cA-CefEF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))`
const rawCharacter = String.raw`[^"\\\x00-\x1f]`
const maxDigits = 15
const maxSafe = 10 ** maxDigits - 1
const numberPattern = String.raw`-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?(?:[eE][+\-]?[0-9]{1,2})?`

const day =
  '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))'
const date = `[0-9]{4}-${day}`
const time =
  '(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,6})?(?:Z|[+\\-](?:[01][0-9]|2[0-3]):[0-5][0-9])'
const octet = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const label = '[a-z0-9](?:[a-z0-9\\-]{0,20}[a-z0-9])?'
const hex = '[0-9a-f]{1,4}'
const uri = `https?://${label}(?:\\.${label}){0,3}(?:/[a-zA-Z0-9_\\-.~]*){0,5}`
const email = `[a-z0-9]+(?:[._+\\-][a-z0-9]+){0,3}@${label}(?:\\.${label}){0,2}\\.[a-z]{2,6}`
const hostname = `${label}(?:\\.${label}){0,3}`
const pointer = '(?:/[a-z0-9_]{0,12}){0,4}'
/** Generated subsets of the formats (each is a subset of what ajv-formats' full mode accepts). */
const formatPatterns: Readonly<Record<string, string>> = {
  date,
  time,
  'date-time': `${date}T${time}`,
  'iso-time': time,
  'iso-date-time': `${date}T${time}`,
  uuid: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  ipv4: `${octet}(?:\\.${octet}){3}`,
  ipv6: `${hex}(?::${hex}){7}`,
  hostname,
  'idn-hostname': hostname,
  email,
  'idn-email': email,
  // A URI is also a URI reference, an IRI, an IRI reference and a URI template.
  uri,
  'uri-reference': uri,
  iri: uri,
  'iri-reference': uri,
  url: `https?://[a-z0-9]{1,12}(?:\\.[a-z0-9]{1,12}){0,2}\\.[a-z]{2,6}(?:/[a-zA-Z0-9_\\-.~]*){0,5}`,
  'uri-template': uri,
  // Literal words are regular expressions.
  regex: '[a-z0-9]{0,20}',
  'json-pointer': pointer,
  'json-pointer-uri-fragment': `#${pointer}`,
  'relative-json-pointer': `(?:0|[1-9][0-9]{0,2})(?:#|${pointer})`,
  duration: 'P(?:[1-9][0-9]{0,2}[DW]|T[1-9][0-9]{0,2}[HMS])',
  byte: '(?:[A-Za-z0-9+/]{4}){0,16}',
}
/** Numeric formats (ajv-formats): the integers in these ranges. */
const integerFormats: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-maxSafe, maxSafe],
}

/** The base URI of a schema without `$id` (a reserved domain, never fetched). */
const defaultBaseUri = 'https://schema.metagen.invalid/root.json'

/** `reference` resolved against `base` as a URI, or undefined when it is not one. */
function parseUri(reference: string, base: string): URL | undefined {
  try {
    return new URL(reference, base)
  } catch {
    return undefined
  }
}

/** A URI fragment with its percent-encoding decoded (kept as is when malformed). */
function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment)
  } catch {
    return fragment
  }
}

/** The value at JSON pointer `pointer` ("/a/b", tokens percent-decoded and ~-unescaped) in `document`. */
function jsonPointer(document: unknown, pointer: string): JsonSchema | undefined {
  let target: unknown = document
  for (const token of pointer.slice(1).split('/')) {
    const key = decodeFragment(token).replace(/~1/g, '/').replace(/~0/g, '~')
    if (typeof target !== 'object' || target === null || !Object.hasOwn(target, key)) {
      return undefined
    }
    target = (target as Record<string, unknown>)[key]
  }
  return target as JsonSchema | undefined
}

const schemaTypeNames = ['string', 'number', 'integer', 'boolean', 'null', 'array', 'object']
/** A subset of the schemas every draft meta-schema accepts: `{}`, `{"type": ...}`, a description. */
const metaSchemaObject: JsonSchema = {
  type: 'object',
  properties: {
    type: { enum: schemaTypeNames },
    description: { type: 'string', maxLength: 40 },
  },
  additionalProperties: false,
}
const booleanOrMetaSchemaObject: JsonSchema = { anyOf: [{ type: 'boolean' }, metaSchemaObject] }

/**
 * For the URI (no fragment) of a JSON Schema meta-schema (draft-04 to 2020-12), a subset of the
 * schemas it accepts, since meta-schemas are not fetched: boolean schemas (draft-06 on) and
 * objects with an optional `type` name and `description`. Undefined for other URIs.
 */
function metaSchemaSubset(uri: string): JsonSchema | undefined {
  const match =
    /^https?:\/\/json-schema\.org\/(draft-0[4-7]|draft\/20(?:19-09|20-12))\/schema$/.exec(uri)
  if (!match) return undefined
  return match[1] === 'draft-04' ? metaSchemaObject : booleanOrMetaSchemaObject
}

const combinatorKeys = new Set(['allOf', 'anyOf', 'oneOf', '$ref', 'if', 'then', 'else'])

/**
 * Compiles a JSON Schema to a {@link Grammar} of the JSON texts (in the chosen layout) that
 * validate against it. Rules: unknown keywords and annotations are ignored; `$ref` (local JSON
 * pointers, `$id`/`$anchor` names, draft-04 `id`, `definitions`) becomes a rule, so recursive
 * schemas work; `allOf` is merged; `anyOf` and `if`/`then`/`else` become alternatives; `oneOf`
 * is exact when its branches are provably disjoint on the generated texts (type, const/enum,
 * required or forbidden properties) and refused otherwise; `not` is exact for type, const/enum and
 * required negations and refused otherwise. Some keywords generate a documented subset of the
 * valid texts (never an invalid text): object properties in declaration order and only declared
 * properties when any are declared; the formats ajv-formats checks (date-time, email, uri,
 * uri-reference, uuid, ipv4, regex, duration, ...) as fixed subsets; numbers with at most 15
 * significant digits; fractional multipleOf as at most 1000 exact decimal multiples; keys needed
 * by minProperties with distinct lengths; uniqueItems with infinite item domains as at most one
 * item; contains satisfied by the first items. `$ref` is resolved as a URI against the enclosing
 * `$id`s. Throws
 * {@link InvalidArgumentError} naming the keyword for what it cannot enforce.
 */
export function jsonSchemaToGrammar(
  schema: JsonSchema,
  options: JsonSchemaGrammarOptions = {},
): Grammar {
  const whitespace = options.whitespace ?? 'compact'
  if (whitespace !== 'compact' && whitespace !== 'spaced') {
    throw new InvalidArgumentError({
      argument: 'options.whitespace',
      expected: '"compact" or "spaced"',
      received: whitespace,
    })
  }
  return new SchemaGrammarCompiler(schema, whitespace === 'spaced' ? ' ?' : '').build()
}

/**
 * A JSON-schema constraint: the generated text is a JSON document that validates against
 * `schema` ({@link jsonSchemaToGrammar} for the keywords, the layout and what is refused).
 */
export function createJsonSchemaConstraint(
  schema: JsonSchema,
  options: JsonSchemaGrammarOptions = {},
): Constraint {
  const grammar = jsonSchemaToGrammar(schema, options)
  const text = JSON.stringify(schema)
  return createGrammarConstraintFromGrammar(grammar, {
    kind: 'json-schema',
    description: `JSON schema ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`,
    cacheKey: `json-schema:${options.whitespace ?? 'compact'}:${text}`,
  })
}

class SchemaGrammarCompiler {
  private readonly rules = new Map<string, GrammarExpression>()
  private readonly referenceRules = new Map<JsonSchema, string>()
  /** Raw `$id`/`id`/`#anchor` strings, for references that are not URIs against a base. */
  private readonly named = new Map<string, JsonSchema>()
  /** Schema resources by absolute URI (no fragment), and anchors by `uri#name`. */
  private readonly resources = new Map<string, JsonSchema>()
  private readonly anchors = new Map<string, JsonSchema>()
  /** The base URI of every schema object (its nearest `$id`, resolved against its parents'). */
  private readonly baseOf = new WeakMap<object, string>()

  constructor(
    private readonly root: JsonSchema,
    private readonly space: string,
  ) {
    this.resources.set(defaultBaseUri, root)
    this.indexIds(root, defaultBaseUri)
  }

  build(): Grammar {
    this.rules.set('root', this.value(this.root, '#'))
    return { start: 'root', rules: this.rules }
  }

  private fail(path: string, keyword: string, expected: string, received: unknown): never {
    throw new InvalidArgumentError({
      argument: `schema${path === '#' ? '' : path.slice(1)}.${keyword}`,
      expected,
      received,
    })
  }

  /**
   * Records base URIs, resources (`$id`, draft-04 `id`) and anchors (`$anchor`,
   * `$dynamicAnchor`, draft-06/07 `$id: "#name"`), as JSON Schema's URI resolution defines them.
   */
  private indexIds(schema: unknown, base: string): void {
    if (typeof schema !== 'object' || schema === null) return
    if (Array.isArray(schema)) {
      for (const item of schema) this.indexIds(item, base)
      return
    }
    const s = schema as SchemaObject
    let here = base
    const id =
      typeof s.$id === 'string'
        ? s.$id
        : typeof s.id === 'string' && typeof s.type !== 'object'
          ? s.id
          : undefined
    if (id !== undefined) {
      this.named.set(id, s as JsonSchema)
      const hash = id.indexOf('#')
      if (hash >= 0) this.named.set(id.slice(hash), s as JsonSchema)
      const url = parseUri(id, base)
      if (url !== undefined) {
        const fragment = url.hash.slice(1)
        url.hash = ''
        if (!id.startsWith('#')) {
          here = url.href
          if (!this.resources.has(here)) this.resources.set(here, s as JsonSchema)
        }
        if (fragment !== '' && !fragment.startsWith('/')) {
          this.anchors.set(`${here}#${decodeFragment(fragment)}`, s as JsonSchema)
        }
      }
    }
    for (const key of ['$anchor', '$dynamicAnchor']) {
      const anchor = s[key]
      if (typeof anchor !== 'string') continue
      if (!this.named.has(`#${anchor}`)) this.named.set(`#${anchor}`, s as JsonSchema)
      const name = `${here}#${anchor}`
      if (!this.anchors.has(name)) this.anchors.set(name, s as JsonSchema)
    }
    this.baseOf.set(s, here)
    for (const [key, value] of Object.entries(s)) {
      if (key === 'enum' || key === 'const' || key === 'examples' || key === 'default') continue
      this.indexIds(value, here)
    }
  }

  /**
   * Resolves a reference written in schema object `from` (default: the root) to its schema: the
   * reference is resolved as a URI against `from`'s base URI, then looked up as a resource, a
   * JSON pointer into one (escaped `~0`/`~1`, percent-encoding, empty tokens) or an anchor; a
   * draft meta-schema URI resolves to a subset of it ({@link metaSchemaSubset}).
   */
  resolve = (reference: string, from?: unknown): JsonSchema | undefined => {
    const base =
      typeof from === 'object' && from !== null
        ? (this.baseOf.get(from) ?? defaultBaseUri)
        : defaultBaseUri
    const url = parseUri(reference, base)
    if (url !== undefined) {
      const fragment = url.hash.slice(1)
      url.hash = ''
      const resource = this.resources.get(url.href) ?? metaSchemaSubset(url.href)
      if (resource !== undefined) {
        if (fragment === '') return resource
        if (fragment.startsWith('/')) return jsonPointer(resource, fragment)
        const anchor = this.anchors.get(`${url.href}#${decodeFragment(fragment)}`)
        if (anchor !== undefined) return anchor
      }
    }
    // References that are not URIs against the base (e.g. relative to a URN): raw names.
    if (reference === '#' || reference === '') return this.root
    const named = this.named.get(reference)
    if (named !== undefined) return named
    const hash = reference.indexOf('#')
    if (hash < 0) return undefined
    const document = reference.slice(0, hash)
    const target = document === '' ? this.root : this.named.get(document)
    if (target === undefined) return undefined
    const fragment = reference.slice(hash + 1)
    return fragment.startsWith('/') ? jsonPointer(target, fragment) : undefined
  }

  private resolveOrFail(reference: unknown, path: string, from: unknown): JsonSchema {
    const target = typeof reference === 'string' ? this.resolve(reference, from) : undefined
    if (target === undefined) {
      this.fail(
        path,
        '$ref',
        'a reference that resolves inside the schema (#, #/$defs/..., #/definitions/..., an $id or $anchor, relative to the enclosing $id) or a draft meta-schema URI',
        reference,
      )
    }
    return target
  }

  /** The expression of the JSON texts valid against `schema`. */
  value(schema: JsonSchema, path: string): GrammarExpression {
    if (schema === true) return this.anyValue()
    if (schema === false) return nothingExpression
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      this.fail(path, 'type', 'a JSON Schema (an object or a boolean)', schema)
    }
    const s = schema as SchemaObject
    const reference = typeof s.$ref === 'string' ? s.$ref : (s.$recursiveRef ?? s.$dynamicRef)
    const meaningful = Object.keys(s).filter((key) => isConstraintKeyword(key))
    if (
      typeof reference === 'string' &&
      meaningful.every((key) => key === '$ref' || key === '$recursiveRef' || key === '$dynamicRef')
    ) {
      return ruleReference(this.referenceRule(reference, path, s))
    }
    const alternatives = this.expand(schema, path, 0)
    return choice(...alternatives.map((flat) => this.compileFlat(flat, path)))
  }

  private referenceRule(reference: string, path: string, from: unknown): string {
    const target = this.resolveOrFail(reference, path, from)
    const existing = this.referenceRules.get(target)
    if (existing) return existing
    const name = `ref${this.referenceRules.size}:${reference}`
    this.referenceRules.set(target, name)
    this.rules.set(name, nothingExpression)
    this.rules.set(name, this.value(target, reference.startsWith('#') ? reference : `${path}/$ref`))
    return name
  }

  // ---- expansion: combinators to a list of flat alternatives ------------------------------

  private expand(schema: JsonSchema, path: string, depth: number): Flat[] {
    if (depth > 12) {
      this.fail(
        path,
        '$ref',
        'references that do not recurse through allOf/anyOf/oneOf at the top level',
        'recursion',
      )
    }
    if (schema === true) return [emptyFlat()]
    if (schema === false) return []
    const s = schema as SchemaObject
    let result = [this.flatten(s, path)]
    const reference = typeof s.$ref === 'string' ? s.$ref : (s.$recursiveRef ?? s.$dynamicRef)
    if (typeof reference === 'string') {
      const target = this.resolveOrFail(reference, path, s)
      result = cross(result, this.expand(target, path, depth + 1))
    }
    if (s.allOf !== undefined) {
      const parts = this.schemaList(s.allOf, path, 'allOf')
      parts.forEach((part, index) => {
        result = cross(result, this.expand(part, `${path}/allOf/${index}`, depth + 1))
      })
    }
    if (s.anyOf !== undefined) {
      const parts = this.schemaList(s.anyOf, path, 'anyOf')
      result = cross(
        result,
        parts.flatMap((part, index) => this.expand(part, `${path}/anyOf/${index}`, depth + 1)),
      )
    }
    if (s.oneOf !== undefined) {
      const parts = this.schemaList(s.oneOf, path, 'oneOf')
      const branches = parts.map((part, index) =>
        this.expand(part, `${path}/oneOf/${index}`, depth + 1),
      )
      // Each branch keeps only texts that fail every other branch: kept as is when provably
      // disjoint, restricted by `not other` when that negation is exact, or by leaving out an
      // optional key the other branch requires; a branch that cannot be separated is dropped
      // (a subset). No branch left: refused.
      const options: Flat[] = []
      branches.forEach((alternatives, index) => {
        for (const merged of cross(result, alternatives)) {
          let candidate: Flat | undefined = merged
          parts.forEach((other, otherIndex) => {
            if (!candidate || otherIndex === index || this.excludes(candidate, other)) return
            candidate = this.separate(candidate, other)
          })
          if (candidate) options.push(candidate)
        }
      })
      if (options.length === 0) {
        this.fail(
          path,
          'oneOf',
          'branches that can be told apart by type, const/enum, string patterns/formats or required properties (overlapping oneOf branches cannot be enforced by a grammar)',
          s.oneOf,
        )
      }
      result = options
    }
    if (s.if !== undefined && (s.then !== undefined || s.else !== undefined)) {
      const condition = s.if as JsonSchema
      const thenBranch = cross(
        this.expand(condition, `${path}/if`, depth + 1),
        this.expand((s.then ?? true) as JsonSchema, `${path}/then`, depth + 1),
      )
      // The else branch needs not(if), which is exact only for simple conditions; otherwise
      // only the then branch is generated (its texts satisfy the whole if/then/else).
      const elseBranch =
        negatable(condition) || thenBranch.length === 0
          ? cross(
              [{ ...emptyFlat(), not: [condition], sources: [{ not: condition }] }],
              this.expand((s.else ?? true) as JsonSchema, `${path}/else`, depth + 1),
            )
          : []
      result = cross(result, [...thenBranch, ...elseBranch])
    }
    if (result.length > 256) {
      this.fail(
        path,
        'anyOf',
        'at most 256 alternatives after expanding allOf/anyOf/oneOf',
        result.length,
      )
    }
    return result
  }

  private schemaList(value: unknown, path: string, keyword: string): JsonSchema[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(path, keyword, 'a non-empty array of schemas', value)
    }
    return value as JsonSchema[]
  }

  /** The flat form of one schema object's own keywords (combinators aside). */
  private flatten(s: SchemaObject, path: string): Flat {
    const flat = emptyFlat()
    const own: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(s)) if (!combinatorKeys.has(key)) own[key] = value
    flat.sources = [own as JsonSchema]
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type]
      for (const type of types) {
        if (
          !['null', 'boolean', 'object', 'array', 'string', 'number', 'integer'].includes(
            type as string,
          )
        ) {
          this.fail(path, 'type', 'null, boolean, object, array, string, number or integer', type)
        }
      }
      flat.types = new Set(types as string[])
      if (flat.types.has('number')) flat.types.add('integer')
    }
    if ('const' in s) flat.values = [s.const]
    if (Array.isArray(s.enum)) {
      flat.values = flat.values
        ? flat.values.filter((value) =>
            (s.enum as unknown[]).some((item) => jsonEqual(item, value)),
          )
        : [...s.enum]
    } else if (s.enum !== undefined) this.fail(path, 'enum', 'an array of values', s.enum)
    const properties = isObject(s.properties) ? s.properties : {}
    for (const [key, value] of Object.entries(properties))
      flat.properties.set(key, [value as JsonSchema])
    const patternProperties = isObject(s.patternProperties) ? s.patternProperties : {}
    for (const [key, value] of Object.entries(patternProperties)) {
      flat.patternProperties.set(key, [value as JsonSchema])
    }
    if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
      flat.additional.push({
        names: new Set(Object.keys(properties)),
        patterns: Object.keys(patternProperties),
        schema: s.additionalProperties as JsonSchema,
      })
    }
    if (Array.isArray(s.required)) for (const key of s.required) flat.required.add(String(key))
    if (s.propertyNames !== undefined) flat.propertyNames.push(s.propertyNames as JsonSchema)
    const dependencies = {
      ...(isObject(s.dependencies) ? s.dependencies : {}),
      ...(isObject(s.dependentRequired) ? s.dependentRequired : {}),
      ...(isObject(s.dependentSchemas) ? s.dependentSchemas : {}),
    }
    for (const [key, value] of Object.entries(dependencies)) {
      if (Array.isArray(value)) flat.dependentRequired.set(key, value.map(String))
      else flat.dependentSchemas.set(key, [value as JsonSchema])
    }
    if (Array.isArray(s.prefixItems)) {
      flat.prefixItems = s.prefixItems.map((item) => [item as JsonSchema])
      if (s.items !== undefined) flat.items = [s.items as JsonSchema]
    } else if (Array.isArray(s.items)) {
      flat.prefixItems = s.items.map((item) => [item as JsonSchema])
      if (s.additionalItems !== undefined) flat.items = [s.additionalItems as JsonSchema]
    } else if (s.items !== undefined) {
      flat.items = [s.items as JsonSchema]
    }
    if (s.contains !== undefined) {
      flat.contains.push({
        schema: s.contains as JsonSchema,
        minimum: typeof s.minContains === 'number' ? s.minContains : 1,
        maximum: typeof s.maxContains === 'number' ? s.maxContains : undefined,
      })
    }
    const numbers = flat.numbers
    for (const key of Object.keys(numbers) as Array<keyof Flat['numbers']>) {
      const value = s[key]
      if (typeof value === 'number') numbers[key] = value
      else if (value !== undefined && typeof value !== 'boolean') {
        this.fail(path, key, 'a number', value)
      }
    }
    // Draft-04 boolean exclusive bounds.
    if (s.exclusiveMinimum === true && typeof s.minimum === 'number') {
      numbers.exclusiveMinimum = s.minimum
      numbers.minimum = undefined
    }
    if (s.exclusiveMaximum === true && typeof s.maximum === 'number') {
      numbers.exclusiveMaximum = s.maximum
      numbers.maximum = undefined
    }
    if (typeof s.multipleOf === 'number') {
      if (!(s.multipleOf > 0)) this.fail(path, 'multipleOf', 'a number > 0', s.multipleOf)
      flat.multipleOf.push(s.multipleOf)
    }
    if (typeof s.pattern === 'string') flat.patterns.push(s.pattern)
    if (typeof s.format === 'string' && s.format in formatPatterns) flat.formats.push(s.format)
    const integerFormat = typeof s.format === 'string' ? integerFormats[s.format] : undefined
    if (integerFormat) {
      // A number with format int32/int64 must be an integer in range (strings are unaffected).
      flat.multipleOf.push(1)
      numbers.minimum = Math.max(numbers.minimum ?? integerFormat[0], integerFormat[0])
      numbers.maximum = Math.min(numbers.maximum ?? integerFormat[1], integerFormat[1])
    }
    if (s.uniqueItems === true) flat.uniqueItems = true
    if (s.not !== undefined) flat.not.push(s.not as JsonSchema)
    return flat
  }

  /** True when no text generated for `flat` validates against `other` (a sufficient check). */
  private excludes(flat: Flat, other: JsonSchema): boolean {
    if (other === false) return true
    if (other === true) return false
    const types = this.generatedTypes(flat)
    if (flat.values !== undefined) {
      return flat.values.every((value) => !validateJson(value, other, this.resolve))
    }
    const others = this.expand(other, '#', 0)
    return others.every((branch) => {
      if (branch.values !== undefined) {
        return branch.values.every((value) => !this.mayGenerate(flat, value))
      }
      const otherTypes = this.generatedTypes(branch)
      if (![...types].some((type) => otherTypes.has(type))) return true
      if (types.size === 1 && types.has('object') && otherTypes.has('object')) {
        const emitted = this.emittedNames(flat)
        if (emitted) {
          // A key the other branch requires that we never write.
          if ([...branch.required].some((name) => !emitted.has(name))) return true
          // A key we always write that the other branch forbids.
          for (const name of flat.required) {
            if (this.keyForbidden(branch, name)) return true
            const mine = flat.properties.get(name)
            const theirs = branch.properties.get(name)
            if (mine && theirs && branch.required.has(name)) {
              const merged = this.expand({ allOf: mine }, '#', 1)
              if (merged.every((part) => this.excludes(part, { allOf: theirs }))) return true
            }
          }
        }
      }
      return false
    })
  }

  /** `flat` restricted so that none of its texts satisfies `other`, or undefined. */
  private separate(flat: Flat, other: JsonSchema): Flat | undefined {
    if (negatable(other)) {
      return { ...flat, not: [...flat.not, other], sources: [...flat.sources, { not: other }] }
    }
    const branches = this.expand(other, '#', 1)
    const forbidden: string[] = []
    for (const branch of branches) {
      const key = [...branch.required].find((name) => !flat.required.has(name))
      if (key === undefined) return undefined
      forbidden.push(key)
    }
    const negations = forbidden.map((name) => ({ required: [name] }))
    return {
      ...flat,
      not: [...flat.not, ...negations],
      sources: [...flat.sources, ...negations.map((negation) => ({ not: negation }))],
    }
  }

  /** Whether `value` might be generated for `flat` (false only when certainly not). */
  private mayGenerate(flat: Flat, value: unknown): boolean {
    if (flat.values) return flat.values.some((item) => jsonEqual(item, value))
    return validateJson(value, { allOf: flat.sources }, this.resolve)
  }

  private generatedTypes(flat: Flat): Set<string> {
    if (flat.values) return new Set(flat.values.flatMap((value) => jsonTypesOf(value)))
    const types = new Set(
      flat.types ?? ['null', 'boolean', 'object', 'array', 'string', 'number', 'integer'],
    )
    for (const negated of flat.not) {
      const only = negatedTypes(negated)
      if (only) for (const type of only) types.delete(type)
    }
    if (types.has('number')) types.add('integer')
    return types
  }

  /** Names the generator may write for an object, or undefined when keys are open-ended. */
  private emittedNames(flat: Flat): Set<string> | undefined {
    const names = new Set([...flat.properties.keys(), ...flat.required])
    if (flat.properties.size === 0 && flat.required.size === 0) return undefined
    if (flat.patternProperties.size > 0 && flat.properties.size === 0) return undefined
    return names
  }

  private keyForbidden(flat: Flat, name: string): boolean {
    return this.keySchemas(flat, name) === undefined
  }

  /** The schemas a property `name` must satisfy, or undefined when the key is not allowed. */
  private keySchemas(flat: Flat, name: string): JsonSchema[] | undefined {
    const schemas: JsonSchema[] = [...(flat.properties.get(name) ?? [])]
    const matchedPatterns: string[] = []
    for (const [pattern, list] of flat.patternProperties) {
      if (new RegExp(pattern, 'u').test(name)) {
        schemas.push(...list)
        matchedPatterns.push(pattern)
      }
    }
    for (const entry of flat.additional) {
      if (
        entry.names.has(name) ||
        entry.patterns.some(
          (pattern) => matchedPatterns.includes(pattern) || new RegExp(pattern, 'u').test(name),
        )
      )
        continue
      schemas.push(entry.schema)
    }
    if (schemas.includes(false)) return undefined
    for (const names of flat.propertyNames) {
      if (!validateJson(name, names, this.resolve)) return undefined
    }
    return schemas
  }

  // ---- generation ------------------------------------------------------------------------

  private compileFlat(flat: Flat, path: string): GrammarExpression {
    const excludedValues: unknown[] = []
    const negatedStrings: Flat[] = []
    let types = new Set(
      flat.types ?? ['null', 'boolean', 'object', 'array', 'string', 'number', 'integer'],
    )
    let required = new Set(flat.required)
    const forbidden = new Set<string>()
    for (const negated of flat.not) {
      if (negated === true) return nothingExpression
      if (negated === false) continue
      const negatedFlat = this.expand(negated, `${path}/not`, 1)
      if (flat.values) continue // values are filtered by validation below
      if (negatedFlat.length === 1) {
        const only = negatedTypes(negated)
        const single = negatedFlat[0] as Flat
        if (only) {
          for (const type of only) types.delete(type)
          // Non-integer numbers are not expressed: numbers are left out (a sound subset).
          if (only.includes('integer')) types.delete('number')
          continue
        }
        if (single.values && isOnly(negated, ['enum', 'const'])) {
          excludedValues.push(...single.values)
          continue
        }
        if (isOnly(negated, ['required']) && single.required.size === 1) {
          // Non-objects satisfy `required`, so only objects without the key remain.
          forbidden.add([...single.required][0] as string)
          types = new Set([...types].filter((type) => type === 'object'))
          continue
        }
        if (isStringOnly(negated)) {
          // Non-strings satisfy a string-only schema, so `not` of it keeps only strings outside it.
          if (!single.types) types = new Set([...types].filter((type) => type === 'string'))
          negatedStrings.push(single)
          continue
        }
      }
      const typed = typedNegation(negated)
      if (typed) {
        // Every value of a type the negated schema excludes satisfies `not`: outputs keep to
        // those types (values of its types that fail its other keywords are left out: a sound
        // subset).
        for (const type of typed) types.delete(type)
        if (typed.includes('integer')) types.delete('number')
        continue
      }
      this.fail(
        path,
        'not',
        'a negation of type, const/enum or one required property (others cannot be enforced by a grammar)',
        negated,
      )
    }
    if (flat.values !== undefined) {
      const values = flat.values.filter(
        (value) =>
          validateJson(value, { allOf: flat.sources }, this.resolve) &&
          !excludedValues.some((excluded) => jsonEqual(excluded, value)),
      )
      return choice(...values.map((value) => literal(this.stringifyValue(value))))
    }
    if (types.has('number')) types.add('integer')
    let multiples: GrammarExpression | undefined
    if (flat.multipleOf.length > 0 && types.has('integer')) {
      if (flat.multipleOf.every((value) => Number.isInteger(value))) {
        types.delete('number')
      } else {
        multiples = this.fractionalMultiples(flat, path, excludedValues, !types.has('number'))
        types.delete('number')
        types.delete('integer')
      }
    }
    if (forbidden.size > 0) required = new Set([...required].filter((name) => !forbidden.has(name)))
    types = new Set(types)
    const alternatives: GrammarExpression[] = []
    if (types.has('null') && !excludedValues.includes(null)) alternatives.push(literal('null'))
    if (types.has('boolean')) {
      for (const value of [true, false]) {
        if (!excludedValues.includes(value)) alternatives.push(literal(String(value)))
      }
    }
    if (types.has('number')) alternatives.push(this.number(flat, excludedValues))
    else if (types.has('integer')) alternatives.push(this.integer(flat, path, excludedValues))
    if (multiples) alternatives.push(multiples)
    if (types.has('string'))
      alternatives.push(this.string(flat, path, excludedValues, negatedStrings))
    if (types.has('array')) alternatives.push(this.array(flat, path))
    if (types.has('object')) {
      if (flat.required.size > 0 && [...flat.required].some((name) => forbidden.has(name))) {
        // not {required:[x]} with x required: no object.
      } else {
        alternatives.push(this.object(flat, path, forbidden))
      }
    }
    return choice(...alternatives)
  }

  private stringifyValue(value: unknown): string {
    if (this.space === '') return JSON.stringify(value)
    return JSON.stringify(value)
  }

  // numbers

  private bounds(flat: Flat): { low: number; high: number } {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = flat.numbers
    let low = Number.NEGATIVE_INFINITY
    let high = Number.POSITIVE_INFINITY
    if (minimum !== undefined) low = Math.max(low, Math.ceil(minimum))
    if (exclusiveMinimum !== undefined) low = Math.max(low, Math.floor(exclusiveMinimum) + 1)
    if (maximum !== undefined) high = Math.min(high, Math.floor(maximum))
    if (exclusiveMaximum !== undefined) high = Math.min(high, Math.ceil(exclusiveMaximum) - 1)
    return { low: Math.max(low, -maxSafe), high: Math.min(high, maxSafe) }
  }

  private integer(flat: Flat, path: string, excluded: unknown[]): GrammarExpression {
    const { low, high } = this.bounds(flat)
    if (low > high) return nothingExpression
    const step = flat.multipleOf.reduce((left, right) => lcm(left, right), 1)
    if (!Number.isSafeInteger(step) || step > maxSafe) {
      this.fail(
        path,
        'multipleOf',
        'integers whose least common multiple is below 10^15',
        flat.multipleOf,
      )
    }
    const skip = new Set(excluded.filter((value): value is number => typeof value === 'number'))
    if (step === 1) {
      // Excluded values are subtracted from the (canonical) digit texts.
      const removed = [...skip]
        .filter((value) => Number.isInteger(value) && value >= low && value <= high)
        .map((value) => [escapeRegex(String(value))])
      return intersectionTerminal([integerRangeRegex(low, high)], removed)
    }
    // Enumerate the multiples when there are few; otherwise a subset: multiples with a fixed
    // digit count range (every one inside the bounds).
    const first = Math.ceil(low / step) * step
    if ((high - first) / step <= 2000) {
      const values: string[] = []
      for (let value = first; value <= high; value += step) {
        if (!skip.has(value)) values.push(String(value === 0 ? 0 : value))
      }
      return values.length === 0 ? nothingExpression : terminal(alternationRegex(values))
    }
    if (skip.size > 0)
      this.fail(path, 'not', 'value exclusions on small integer ranges only', [...skip])
    if (step > 1000) {
      this.fail(path, 'multipleOf', 'a multipleOf up to 1000 on a wide integer range', step)
    }
    return this.multipleRegex(step, low, high)
  }

  /** Multiples of `step` in [low, high]: a subset by digit counts that lie inside the range. */
  private multipleRegex(step: number, low: number, high: number): GrammarExpression {
    const alternatives: GrammarExpression[] = []
    if (low <= 0 && high >= 0) alternatives.push(literal('0'))
    // Magnitudes in [bound, upper] by whole digit counts: d digits span [10^(d-1), 10^d - 1].
    const digitsRange = (bound: number, upper: number): [number, number] | undefined => {
      const minDigits = bound <= 1 ? 1 : String(bound - 1).length + 1
      const maxDigits = upper >= maxSafe ? 15 : String(upper + 1).length - 1
      return minDigits <= maxDigits ? [minDigits, maxDigits] : undefined
    }
    if (high >= 1) {
      const range = digitsRange(Math.max(low, 1), high)
      if (range) alternatives.push(this.modulusRule(step, range[0], range[1], ''))
    }
    if (low <= -1) {
      const range = digitsRange(Math.max(-high, 1), -low)
      if (range) alternatives.push(this.modulusRule(step, range[0], range[1], '-'))
    }
    return choice(...alternatives)
  }

  /** Positive decimal numbers (no leading zero) with digit count in [minDigits, maxDigits] divisible by step. */
  private modulusRule(
    step: number,
    minDigits: number,
    maxDigits: number,
    sign: string,
  ): GrammarExpression {
    const name = `mod:${sign}${step}:${minDigits}:${maxDigits}`
    if (this.rules.has(name)) return ruleReference(name)
    // state (remainder r, digits k): rules R_r_k -> digit R_r'_{k+1} | '' (when r = 0, k >= min).
    const ruleName = (remainder: number, digits: number) => `${name}:${remainder}:${digits}`
    for (let digits = maxDigits; digits >= 1; digits--) {
      for (let remainder = 0; remainder < step; remainder++) {
        const options: GrammarExpression[] = []
        if (remainder === 0 && digits >= minDigits) options.push(sequence())
        if (digits < maxDigits) {
          const byTarget = new Map<number, number[]>()
          for (let digit = 0; digit <= 9; digit++) {
            const target = (remainder * 10 + digit) % step
            byTarget.set(target, [...(byTarget.get(target) ?? []), digit])
          }
          for (const [target, digitList] of byTarget) {
            options.push(
              sequence(
                terminal(`[${digitList.join('')}]`),
                ruleReference(ruleName(target, digits + 1)),
              ),
            )
          }
        }
        this.rules.set(ruleName(remainder, digits), choice(...options))
      }
    }
    const starts = new Map<number, number[]>()
    for (let digit = 1; digit <= 9; digit++) {
      const target = digit % step
      starts.set(target, [...(starts.get(target) ?? []), digit])
    }
    this.rules.set(
      name,
      sequence(
        literal(sign),
        choice(
          ...[...starts].map(([target, digitList]) =>
            sequence(terminal(`[${digitList.join('')}]`), ruleReference(ruleName(target, 1))),
          ),
        ),
      ),
    )
    return ruleReference(name)
  }

  /**
   * Numbers within the bounds: integers plus decimals `i.f` (`f` ending in 1-9) whose whole unit
   * interval lies inside the range, with at most 15 significant digits so that distinct texts
   * are distinct doubles and no decimal parses to an integer; sub-unit ranges enumerated to 6
   * decimals. Excluded values (`not` const/enum) are subtracted in their canonical decimal form.
   */
  private number(flat: Flat, excluded: unknown[]): GrammarExpression {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = flat.numbers
    const skip = excluded.filter((value): value is number => typeof value === 'number')
    const withoutExcluded = (pattern: string): GrammarExpression =>
      skip.length === 0
        ? terminal(pattern)
        : intersectionTerminal(
            [pattern],
            skip.flatMap((value) =>
              value === 0 ? [['0'], ['-0']] : [[escapeRegex(fixedDecimal(value))]],
            ),
          )
    if (
      minimum === undefined &&
      maximum === undefined &&
      exclusiveMinimum === undefined &&
      exclusiveMaximum === undefined
    ) {
      // With exclusions: no exponent form and canonical decimals, so each value has one text.
      return skip.length === 0
        ? terminal(numberPattern)
        : withoutExcluded(`-?(?:${integerRangeRegex(0, maxSafe)}|${decimalsRegex(0, maxSafe)})`)
    }
    // Integers in range, plus i.f (f > 0) with the whole interval (i, i+1) inside the range.
    const { low, high } = this.bounds(flat)
    const lowReal = Math.max(
      minimum ?? Number.NEGATIVE_INFINITY,
      exclusiveMinimum ?? Number.NEGATIVE_INFINITY,
    )
    const highReal = Math.min(
      maximum ?? Number.POSITIVE_INFINITY,
      exclusiveMaximum ?? Number.POSITIVE_INFINITY,
    )
    const parts: string[] = []
    if (low <= high) parts.push(integerRangeRegex(low, high))
    // Non-negative i: i >= ceil(lowReal) (i.f > i >= lowReal), i + 1 <= highReal.
    const positiveLow = Math.max(0, Math.ceil(Math.max(lowReal, -maxSafe)))
    const positiveHigh = Math.min(maxSafe, Math.floor(highReal) - 1)
    if (positiveLow <= positiveHigh) parts.push(decimalsRegex(positiveLow, positiveHigh))
    // Negative -(i.f): -(i+1) >= lowReal, -i <= highReal.
    const negativeLow = Math.max(0, Math.ceil(-Math.min(highReal, maxSafe)))
    const negativeHigh = Math.min(maxSafe, Math.floor(-lowReal) - 1)
    if (negativeLow <= negativeHigh) parts.push(`-(?:${decimalsRegex(negativeLow, negativeHigh)})`)
    if (parts.length === 0) {
      // A range inside one unit interval: decimals with up to 6 fraction digits, enumerated.
      for (let digits = 1; digits <= 6 && parts.length === 0; digits++) {
        const scale = 10 ** digits
        const values: string[] = []
        for (
          let value = Math.ceil(lowReal * scale);
          value <= Math.floor(highReal * scale) && values.length <= 200;
          value++
        ) {
          const number = value / scale
          if (number < lowReal || number > highReal) continue
          if (exclusiveMinimum !== undefined && number <= exclusiveMinimum) continue
          if (exclusiveMaximum !== undefined && number >= exclusiveMaximum) continue
          if (skip.includes(number)) continue
          values.push(String(number))
        }
        if (values.length > 0) parts.push(alternationRegex(values))
      }
    }
    if (parts.length === 0) return nothingExpression
    return withoutExcluded(parts.map((part) => `(?:${part})`).join('|'))
  }

  /**
   * Multiples of fractional `multipleOf` values within the bounds: the common multiple `step`
   * (exact, in decimal) times n, for at most 1000 values of n (those nearest the lower bound, or
   * nearest 0 when unbounded: a subset), each written exactly in decimal and kept only when
   * it is a multiple of every `multipleOf` both exactly and in double division (as validators
   * compute it), inside the bounds, not excluded, and an integer when `integerOnly`.
   */
  private fractionalMultiples(
    flat: Flat,
    path: string,
    excluded: unknown[],
    integerOnly: boolean,
  ): GrammarExpression {
    const fractions = flat.multipleOf.map((value) => decimalFractionOf(value))
    const scale = Math.max(...fractions.map((fraction) => fraction.scale))
    const scaled = fractions.map(
      (fraction) => fraction.numerator * 10n ** BigInt(scale - fraction.scale),
    )
    const step = scaled.reduce((left, right) => (left / bigGcd(left, right)) * right)
    if (step > 10n ** 15n) {
      this.fail(
        path,
        'multipleOf',
        'values whose common multiple has at most 15 significant digits',
        flat.multipleOf,
      )
    }
    const stepValue = Number(step) / 10 ** scale
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = flat.numbers
    const low = Math.max(minimum ?? -Infinity, exclusiveMinimum ?? -Infinity)
    const high = Math.min(maximum ?? Infinity, exclusiveMaximum ?? Infinity)
    const limit = 1000
    let first = Number.isFinite(low) ? Math.ceil(low / stepValue) - 1 : undefined
    let last = Number.isFinite(high) ? Math.floor(high / stepValue) + 1 : undefined
    if (first === undefined && last === undefined) {
      first = -limit / 2
      last = limit / 2
    } else if (first === undefined) first = (last as number) - limit
    else if (last === undefined || last - first > limit) last = first + limit
    const skip = excluded.filter((value): value is number => typeof value === 'number')
    const values: string[] = []
    for (let n = first; n <= (last as number); n++) {
      const text = scaledDecimal(BigInt(n) * step, scale)
      const value = Number(text)
      if (String(value) !== text && fixedDecimal(value) !== text) continue
      if (integerOnly && !Number.isInteger(value)) continue
      if (minimum !== undefined && value < minimum) continue
      if (maximum !== undefined && value > maximum) continue
      if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) continue
      if (exclusiveMaximum !== undefined && value >= exclusiveMaximum) continue
      if (skip.includes(value)) continue
      if (!flat.multipleOf.every((divisor) => Number.isInteger(value / divisor))) continue
      values.push(text)
    }
    return values.length === 0 ? nothingExpression : terminal(alternationRegex(values))
  }

  // strings

  /**
   * The language of a string's raw content (between the quotes): the intersection of
   * `patterns` minus each `removed` intersection. Patterns, formats and exclusions restrict the
   * content to unescaped characters (a subset), so that the decoded string is the raw text.
   */
  stringLanguage(
    flat: Flat,
    path: string,
    excluded: unknown[],
    negated: Flat[] = [],
  ): StringLanguage {
    const { minLength, maxLength } = flat.numbers
    const minimum = Math.max(0, Math.ceil(minLength ?? 0))
    const maximum = maxLength === undefined ? undefined : Math.floor(maxLength)
    if (maximum !== undefined && maximum < minimum) return { patterns: ['[]'], removed: [] }
    const strings = excluded.filter((value): value is string => typeof value === 'string')
    const restricted =
      flat.patterns.length > 0 ||
      flat.formats.length > 0 ||
      strings.length > 0 ||
      negated.length > 0
    if (!restricted) {
      // Long bounded strings: unescaped characters only (a subset), so the automaton stays small.
      if (maximum !== undefined && maximum > 64) {
        return { patterns: [`${rawCharacter}{${minimum},${maximum}}`], removed: [] }
      }
      return {
        patterns: [
          minimum === 0 && maximum === undefined
            ? `${jsonCharacter}*`
            : `${jsonCharacter}{${minimum},${maximum ?? ''}}`,
        ],
        removed: [],
      }
    }
    const patterns: string[] = []
    for (const format of flat.formats) patterns.push(formatPatterns[format] as string)
    if (patterns.length === 0) patterns.push(`${rawCharacter}*`)
    for (const pattern of flat.patterns) patterns.push(this.unanchored(pattern, path, 'pattern'))
    if (minimum > 0 || maximum !== undefined) patterns.push(`[^]{${minimum},${maximum ?? ''}}`)
    const removed: string[][] = strings.map((value) => [
      escapeRegex(JSON.stringify(value).slice(1, -1)),
    ])
    for (const flatNegated of negated) {
      const language = this.stringLanguage(flatNegated, `${path}/not`, [])
      if (language.removed.length > 0) {
        this.fail(
          path,
          'not',
          'a string negation without exclusions of its own',
          flatNegated.sources,
        )
      }
      removed.push(language.patterns)
    }
    return { patterns, removed }
  }

  private unanchored(pattern: string, path: string, keyword: string): string {
    try {
      const source = unanchoredPattern(pattern)
      new RegExp(source, 'u')
      return source
    } catch (error) {
      return this.fail(
        path,
        keyword,
        `a valid ECMAScript pattern (${(error as Error).message})`,
        pattern,
      )
    }
  }

  private string(
    flat: Flat,
    path: string,
    excluded: unknown[],
    negated: Flat[],
  ): GrammarExpression {
    const language = this.stringLanguage(flat, path, excluded, negated)
    return stringTerminal(language)
  }

  // arrays

  private array(flat: Flat, path: string): GrammarExpression {
    let minimum = Math.max(0, Math.ceil(flat.numbers.minItems ?? 0))
    let maximum =
      flat.numbers.maxItems === undefined ? undefined : Math.floor(flat.numbers.maxItems)
    const prefix: JsonSchema[] = flat.prefixItems.map((list) => allOfSchema(list))
    const rest: JsonSchema = flat.items.length > 0 ? allOfSchema(flat.items) : true
    // contains: the first minContains items are made to match (a subset of the valid arrays).
    for (const contains of flat.contains) {
      if (contains.maximum !== undefined && (maximum === undefined || contains.maximum < maximum)) {
        if (contains.maximum < contains.minimum) return nothingExpression
        this.fail(
          path,
          'maxContains',
          'no maxContains below maxItems (counting non-matching items is not supported)',
          contains.maximum,
        )
      }
      for (let index = 0; index < contains.minimum; index++) {
        if (index < prefix.length)
          prefix[index] = allOfSchema([prefix[index] as JsonSchema, contains.schema])
        else prefix.push(allOfSchema([rest, contains.schema]))
      }
      minimum = Math.max(minimum, contains.minimum)
    }
    if (maximum !== undefined && maximum < minimum) return nothingExpression
    if (flat.uniqueItems && (maximum === undefined || maximum > 1)) {
      const domain = prefix.length === 0 ? this.finiteDomain(rest) : undefined
      if (domain) return this.uniqueArray(domain, minimum, maximum)
      if (minimum > 1) {
        this.fail(
          path,
          'uniqueItems',
          'a finite item domain (enum/const/boolean) when minItems >= 2',
          flat.uniqueItems,
        )
      }
      maximum = 1
    }
    const open = literal('[')
    const close = literal(']')
    const comma = terminal(escapeRegex(',') + this.space)
    const element = (index: number): GrammarExpression =>
      this.value(
        index < prefix.length ? (prefix[index] as JsonSchema) : rest,
        `${path}/items/${index}`,
      )
    if (maximum === 0) return sequence(open, close)
    // tail(i): items i.. after i items were written.
    const tail = (index: number): GrammarExpression => {
      if (maximum !== undefined && index >= maximum) return sequence()
      if (index < prefix.length) {
        const more = sequence(comma, element(index), tail(index + 1))
        return index >= minimum ? repeat(more, 0, 1) : more
      }
      if (rest === false) return sequence()
      const restItem = sequence(comma, element(index))
      return repeat(
        restItem,
        Math.max(0, minimum - index),
        maximum === undefined ? undefined : maximum - index,
      )
    }
    if (prefix.length === 0 && rest === false)
      return minimum === 0 ? sequence(open, close) : nothingExpression
    const body = sequence(element(0), tail(1))
    return sequence(open, minimum === 0 ? repeat(body, 0, 1) : body, close)
  }

  private finiteDomain(schema: JsonSchema): unknown[] | undefined {
    const flats = this.expand(schema, '#', 1)
    const values: unknown[] = []
    for (const flat of flats) {
      if (flat.values)
        values.push(
          ...flat.values.filter((value) =>
            validateJson(value, { allOf: flat.sources }, this.resolve),
          ),
        )
      else if (
        flat.types &&
        [...flat.types].every((type) => type === 'boolean' || type === 'null')
      ) {
        if (flat.types.has('boolean')) values.push(true, false)
        if (flat.types.has('null')) values.push(null)
      } else return undefined
    }
    const unique: unknown[] = []
    for (const value of values)
      if (!unique.some((item) => jsonEqual(item, value))) unique.push(value)
    return unique.length <= 12 ? unique : undefined
  }

  /**
   * Arrays of distinct values of `domain`: every ordering when there are at most 4096 such
   * arrays (exact), otherwise only those in domain order (a subset).
   */
  private uniqueArray(
    domain: unknown[],
    minimum: number,
    maximum: number | undefined,
  ): GrammarExpression {
    const texts = domain.map((value) => escapeRegex(JSON.stringify(value)))
    const comma = `,${this.space}`
    const limit = Math.min(maximum ?? texts.length, texts.length)
    const collect = (ordered: boolean): string[] | undefined => {
      const results: string[] = []
      const used = new Set<number>()
      const visit = (start: number, chosen: string[]): boolean => {
        if (chosen.length >= minimum) results.push(`\\[${chosen.join(comma)}\\]`)
        if (results.length > 4096) return false
        if (chosen.length >= limit) return true
        for (let index = ordered ? start : 0; index < texts.length; index++) {
          if (used.has(index)) continue
          used.add(index)
          const fine = visit(index + 1, [...chosen, texts[index] as string])
          used.delete(index)
          if (!fine) return false
        }
        return true
      }
      return visit(0, []) ? results : undefined
    }
    const results = collect(false) ?? collect(true) ?? []
    return results.length === 0
      ? nothingExpression
      : terminal(results.map((source) => `(?:${source})`).join('|'))
  }

  // objects

  private object(flat: Flat, path: string, forbidden: Set<string>): GrammarExpression {
    const required = new Set([...flat.required].filter((name) => !forbidden.has(name)))
    // dependentRequired: a required key's dependencies become required (to a fixpoint); optional
    // keys with dependencies are left out (a subset of the valid objects).
    const dropped = new Set(forbidden)
    for (let changed = true; changed; ) {
      changed = false
      for (const [key, names] of flat.dependentRequired) {
        if (!required.has(key)) continue
        for (const name of names) {
          if (!required.has(name)) {
            required.add(name)
            changed = true
          }
        }
      }
    }
    for (const key of flat.dependentRequired.keys()) if (!required.has(key)) dropped.add(key)
    const dependentSchemas: JsonSchema[] = []
    for (const [key, list] of flat.dependentSchemas) {
      if (required.has(key)) dependentSchemas.push(...list)
      else dropped.add(key)
    }
    if (dependentSchemas.length > 0) {
      const base: Flat = { ...flat, dependentSchemas: new Map(), required }
      const merged = cross(
        [base],
        this.expand({ allOf: dependentSchemas }, `${path}/dependentSchemas`, 1),
      )
      return choice(
        ...merged.map((part) => this.compileFlat({ ...part, types: new Set(['object']) }, path)),
      )
    }
    for (const name of required)
      if (dropped.has(name) && forbidden.has(name)) return nothingExpression
    // Declared keys: properties in order, then required keys that are not declared.
    const names = [
      ...flat.properties.keys(),
      ...[...required].filter((name) => !flat.properties.has(name)),
    ]
    const entries: Array<{ name: string; required: boolean; schemas: JsonSchema[] }> = []
    for (const name of names) {
      if (dropped.has(name) && !required.has(name)) continue
      const schemas = this.keySchemas(flat, name)
      if (schemas === undefined) {
        if (required.has(name)) return nothingExpression
        continue
      }
      entries.push({ name, required: required.has(name), schemas })
    }
    // min/maxProperties: promote optional keys to reach the minimum, drop optional keys beyond the maximum.
    const minimum = Math.max(0, Math.ceil(flat.numbers.minProperties ?? 0))
    const maximum =
      flat.numbers.maxProperties === undefined ? undefined : Math.floor(flat.numbers.maxProperties)
    let requiredCount = entries.filter((entry) => entry.required).length
    for (const entry of entries) {
      if (requiredCount >= minimum) break
      if (!entry.required) {
        entry.required = true
        requiredCount++
      }
    }
    if (maximum !== undefined) {
      if (requiredCount > maximum) return nothingExpression
      let optional = maximum - requiredCount
      for (let index = 0; index < entries.length; index++) {
        const entry = entries[index] as (typeof entries)[number]
        if (entry.required) continue
        if (optional > 0) optional--
        else {
          entries.splice(index, 1)
          index--
        }
      }
    }
    // Extra keys: only for objects that declare no properties, or to reach minProperties.
    const extrasNeeded = Math.max(0, minimum - entries.length)
    const extra =
      entries.length === 0 || extrasNeeded > 0
        ? this.extraEntry(flat, path, new Set(names))
        : undefined
    if (extrasNeeded > 0 && extra === undefined) return nothingExpression
    const extraMinimum = extrasNeeded
    const extraMaximum = maximum === undefined ? undefined : maximum - entries.length
    // Several undeclared keys are needed: generated keys could repeat (a repeated key counts
    // once), so the needed ones get distinct lengths, unescaped (a subset): key i has exactly
    // start + i characters (start: propertyNames' minLength, at least 1). Further optional keys
    // may repeat those (harmless: the object keeps at least the needed distinct keys and at
    // most as many keys as entries).
    let distinct: GrammarExpression[] | undefined
    if (extra !== undefined && extrasNeeded > 1) {
      if (extrasNeeded > 32) {
        this.fail(path, 'minProperties', 'at most 32 undeclared properties', minimum)
      }
      const start = Math.max(1, this.keyMinimumLength(flat, path))
      distinct = []
      for (let index = 0; index < extrasNeeded; index++) {
        const entry = this.extraEntry(
          flat,
          path,
          new Set(names),
          `${rawCharacter}{${start + index}}`,
        )
        if (entry === undefined) return nothingExpression
        distinct.push(entry)
      }
    }
    const comma = terminal(escapeRegex(',') + this.space)
    const entryCache = new Map<string, GrammarExpression>()
    const entryExpression = (entry: (typeof entries)[number]): GrammarExpression => {
      const cached = entryCache.get(entry.name)
      if (cached) return cached
      const expression = sequence(
        literal(JSON.stringify(entry.name)),
        terminal(escapeRegex(':') + this.space),
        this.value(allOfSchema(entry.schemas), `${path}/properties/${entry.name}`),
      )
      entryCache.set(entry.name, expression)
      return expression
    }
    const extras = (written: boolean): GrammarExpression => {
      if (!extra || extraMaximum === 0) return sequence()
      if (distinct) {
        const needed = distinct.map((entry, index) =>
          index === 0 && !written ? entry : sequence(comma, entry),
        )
        const more = extraMaximum === undefined ? undefined : extraMaximum - distinct.length
        return sequence(...needed, repeat(sequence(comma, extra), 0, more))
      }
      if (written) return repeat(sequence(comma, extra), extraMinimum, extraMaximum)
      const body = sequence(
        extra,
        repeat(
          sequence(comma, extra),
          Math.max(0, extraMinimum - 1),
          extraMaximum === undefined ? undefined : extraMaximum - 1,
        ),
      )
      return extraMinimum > 0 ? body : repeat(body, 0, 1)
    }
    // after(i): entries i.. once something was written; first(i): nothing written yet.
    const afterCache: GrammarExpression[] = []
    const after = (index: number): GrammarExpression => {
      const cached = afterCache[index]
      if (cached) return cached
      let result: GrammarExpression
      if (index >= entries.length) result = extras(true)
      else {
        const entry = entries[index] as (typeof entries)[number]
        const item = sequence(comma, entryExpression(entry))
        result = sequence(entry.required ? item : repeat(item, 0, 1), after(index + 1))
      }
      afterCache[index] = result
      return result
    }
    const first = (index: number): GrammarExpression => {
      if (index >= entries.length) return extras(false)
      const entry = entries[index] as (typeof entries)[number]
      const written = sequence(entryExpression(entry), after(index + 1))
      return entry.required ? written : choice(written, first(index + 1))
    }
    return sequence(literal('{'), first(0), literal('}'))
  }

  /** The `minLength` of single-branch `propertyNames` (0 when none). */
  private keyMinimumLength(flat: Flat, path: string): number {
    let minimum = 0
    for (const schema of flat.propertyNames) {
      const branches = this.expand(schema, `${path}/propertyNames`, 1)
      if (branches.length === 1) minimum = Math.max(minimum, branches[0]?.numbers.minLength ?? 0)
    }
    return Math.ceil(minimum)
  }

  /**
   * One `"key":value` pair for keys that are not declared (whose raw text also matches
   * `keyLanguage` when given), or undefined when none is allowed.
   */
  private extraEntry(
    flat: Flat,
    path: string,
    declared: Set<string>,
    keyLanguage?: string,
  ): GrammarExpression | undefined {
    const patterns = [...flat.patternProperties.keys()]
    let base: StringLanguage = { patterns: [`${jsonCharacter}*`], removed: [] }
    if (flat.propertyNames.includes(false)) return undefined
    const nameFlats = flat.propertyNames.flatMap((schema) =>
      this.expand(schema, `${path}/propertyNames`, 1),
    )
    if (flat.propertyNames.length > 0) {
      if (nameFlats.length !== 1) {
        this.fail(path, 'propertyNames', 'a single-branch string schema', flat.propertyNames)
      }
      const names = nameFlats[0] as Flat
      base = names.values
        ? {
            patterns: [
              alternationRegex(
                names.values
                  .filter((value): value is string => typeof value === 'string')
                  .map((value) => JSON.stringify(value).slice(1, -1)),
              ),
            ],
            removed: [],
          }
        : this.stringLanguage(names, `${path}/propertyNames`, [])
    }
    if (keyLanguage !== undefined) base = { ...base, patterns: [...base.patterns, keyLanguage] }
    const declaredContent = [...declared].map((name) => [
      escapeRegex(JSON.stringify(name).slice(1, -1)),
    ])
    const unanchored = patterns.map((pattern) =>
      this.unanchored(pattern, path, 'patternProperties'),
    )
    const options: GrammarExpression[] = []
    const colon = terminal(escapeRegex(':') + this.space)
    patterns.forEach((pattern, index) => {
      const language: StringLanguage = {
        patterns: [`${rawCharacter}*`, unanchored[index] as string, ...base.patterns],
        removed: [
          ...base.removed,
          ...unanchored.filter((_, other) => other !== index).map((other) => [other]),
          ...declaredContent,
        ],
      }
      const schemas = [...(flat.patternProperties.get(pattern) ?? [])]
      for (const entry of flat.additional) {
        if (!entry.patterns.includes(pattern)) schemas.push(entry.schema)
      }
      if (schemas.includes(false)) return
      options.push(
        sequence(
          stringTerminal(language),
          colon,
          this.value(allOfSchema(schemas), `${path}/patternProperties/${pattern}`),
        ),
      )
    })
    const additional = flat.additional.map((entry) => entry.schema)
    if (!additional.includes(false)) {
      const language: StringLanguage =
        patterns.length === 0 && declaredContent.length === 0
          ? base
          : {
              patterns: [`${rawCharacter}*`, ...base.patterns],
              removed: [
                ...base.removed,
                ...unanchored.map((pattern) => [pattern]),
                ...declaredContent,
              ],
            }
      options.push(
        sequence(
          stringTerminal(language),
          colon,
          this.value(allOfSchema(additional), `${path}/additionalProperties`),
        ),
      )
    }
    return options.length === 0 ? undefined : choice(...options)
  }

  /** Any JSON value (recursive rules `any`, numbers bounded as above). */
  private anyValue(): GrammarExpression {
    if (!this.rules.has('any')) {
      const comma = terminal(escapeRegex(',') + this.space)
      const colon = terminal(escapeRegex(':') + this.space)
      const string = terminal(`"${jsonCharacter}*"`)
      const member = sequence(string, colon, ruleReference('any'))
      this.rules.set(
        'any',
        choice(
          terminal(`"${jsonCharacter}*"|${numberPattern}|true|false|null`),
          sequence(
            literal('['),
            repeat(
              sequence(ruleReference('any'), repeat(sequence(comma, ruleReference('any')), 0)),
              0,
              1,
            ),
            literal(']'),
          ),
          sequence(
            literal('{'),
            repeat(sequence(member, repeat(sequence(comma, member), 0)), 0, 1),
            literal('}'),
          ),
        ),
      )
    }
    return ruleReference('any')
  }
}

function emptyFlat(): Flat {
  return {
    types: undefined,
    values: undefined,
    properties: new Map(),
    patternProperties: new Map(),
    additional: [],
    required: new Set(),
    propertyNames: [],
    dependentRequired: new Map(),
    dependentSchemas: new Map(),
    prefixItems: [],
    items: [],
    contains: [],
    numbers: {
      minimum: undefined,
      maximum: undefined,
      exclusiveMinimum: undefined,
      exclusiveMaximum: undefined,
      minLength: undefined,
      maxLength: undefined,
      minItems: undefined,
      maxItems: undefined,
      minProperties: undefined,
      maxProperties: undefined,
    },
    multipleOf: [],
    patterns: [],
    formats: [],
    uniqueItems: false,
    not: [],
    sources: [],
  }
}

/** Pairwise merges of two lists of alternatives (the conjunction distributes over them). */
function cross(left: Flat[], right: Flat[]): Flat[] {
  const result: Flat[] = []
  for (const a of left) {
    for (const b of right) {
      const merged = mergeFlat(a, b)
      if (merged) result.push(merged)
    }
  }
  return result
}

function mergeFlat(a: Flat, b: Flat): Flat | undefined {
  let types = a.types
  if (b.types) {
    types = types ? new Set([...types].filter((type) => b.types?.has(type))) : new Set(b.types)
    if (types.size === 0) return undefined
  }
  let values = a.values
  if (b.values) {
    values = values
      ? values.filter((value) => b.values?.some((item) => jsonEqual(item, value)))
      : b.values
    if (values.length === 0) return undefined
  }
  const mergeMap = <T>(left: Map<string, T[]>, right: Map<string, T[]>): Map<string, T[]> => {
    const result = new Map(left)
    for (const [key, list] of right) result.set(key, [...(result.get(key) ?? []), ...list])
    return result
  }
  const numbers = { ...a.numbers }
  for (const [key, value] of Object.entries(b.numbers) as Array<
    [keyof Flat['numbers'], number | undefined]
  >) {
    if (value === undefined) continue
    const current = numbers[key]
    const isLower = key.startsWith('min') || key === 'exclusiveMinimum'
    numbers[key] =
      current === undefined ? value : isLower ? Math.max(current, value) : Math.min(current, value)
  }
  const prefixLength = Math.max(a.prefixItems.length, b.prefixItems.length)
  const prefixItems: JsonSchema[][] = []
  for (let index = 0; index < prefixLength; index++) {
    prefixItems.push([...(a.prefixItems[index] ?? a.items), ...(b.prefixItems[index] ?? b.items)])
  }
  const dependentRequired = new Map(a.dependentRequired)
  for (const [key, list] of b.dependentRequired)
    dependentRequired.set(key, [...(dependentRequired.get(key) ?? []), ...list])
  return {
    types,
    values,
    properties: mergeMap(a.properties, b.properties),
    patternProperties: mergeMap(a.patternProperties, b.patternProperties),
    additional: [...a.additional, ...b.additional],
    required: new Set([...a.required, ...b.required]),
    propertyNames: [...a.propertyNames, ...b.propertyNames],
    dependentRequired,
    dependentSchemas: mergeMap(a.dependentSchemas, b.dependentSchemas),
    prefixItems,
    items: [...a.items, ...b.items],
    contains: [...a.contains, ...b.contains],
    numbers,
    multipleOf: [...a.multipleOf, ...b.multipleOf],
    patterns: [...a.patterns, ...b.patterns],
    formats: [...new Set([...a.formats, ...b.formats])],
    uniqueItems: a.uniqueItems || b.uniqueItems,
    not: [...a.not, ...b.not],
    sources: [...a.sources, ...b.sources],
  }
}

function allOfSchema(list: readonly JsonSchema[]): JsonSchema {
  const useful = list.filter(
    (schema) => schema !== true && !(isObject(schema) && Object.keys(schema).length === 0),
  )
  if (useful.length === 0) return true
  if (useful.includes(false)) return false
  return useful.length === 1 ? (useful[0] as JsonSchema) : { allOf: useful }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const annotationKeys = new Set([
  '$schema',
  '$id',
  'id',
  '$comment',
  '$defs',
  'definitions',
  '$anchor',
  '$vocabulary',
  '$dynamicAnchor',
  '$recursiveAnchor',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'readonly',
])

const constraintKeys = new Set([
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'patternProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'items',
  'prefixItems',
  'additionalItems',
  'contains',
  'minContains',
  'maxContains',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  '$ref',
  '$recursiveRef',
  '$dynamicRef',
])

function isConstraintKeyword(key: string): boolean {
  return constraintKeys.has(key) && !annotationKeys.has(key)
}

function isOnly(schema: JsonSchema, keys: readonly string[]): boolean {
  return (
    isObject(schema) &&
    Object.keys(schema).every((key) => keys.includes(key) || !isConstraintKeyword(key))
  )
}

/** True when `not schema` is one of the negations the compiler enforces exactly. */
function negatable(schema: JsonSchema): boolean {
  if (typeof schema === 'boolean') return true
  if (negatedTypes(schema) || isStringOnly(schema)) return true
  if (isOnly(schema, ['enum', 'const'])) return true
  return (
    isOnly(schema, ['required']) && Array.isArray(schema.required) && schema.required.length === 1
  )
}

/** True for schemas that only use string keywords (and optionally `type: "string"`). */
function isStringOnly(schema: JsonSchema): boolean {
  if (!isObject(schema)) return false
  if (schema.type !== undefined && schema.type !== 'string') return false
  if (typeof schema.format === 'string' && !(schema.format in formatPatterns)) return false
  return (
    isOnly(schema, ['type', 'pattern', 'format', 'minLength', 'maxLength']) &&
    Object.keys(schema).some((key) => ['pattern', 'format', 'minLength', 'maxLength'].includes(key))
  )
}

interface StringLanguage {
  patterns: string[]
  removed: string[][]
}

/** The JSON string terminal of a content language. */
function stringTerminal(language: StringLanguage): GrammarExpression {
  const quote = (pattern: string): string => `"(?:${pattern})"`
  return intersectionTerminal(
    language.patterns.map(quote),
    language.removed.map((group) => group.map(quote)),
  )
}

/** The types a `not` schema excludes when it is only a type test, else undefined. */
/** The types named by the `type` keyword of a negated schema with other keywords too. */
function typedNegation(schema: JsonSchema): string[] | undefined {
  if (!isObject(schema) || schema.type === undefined) return undefined
  const raw = Array.isArray(schema.type) ? schema.type : [schema.type]
  if (raw.length === 0 || raw.some((type) => typeof type !== 'string')) return undefined
  const types = raw.map(String)
  if (types.includes('number')) types.push('integer')
  return types
}

function negatedTypes(schema: JsonSchema): string[] | undefined {
  if (!isObject(schema) || !isOnly(schema, ['type'])) return undefined
  const types = Array.isArray(schema.type) ? schema.type.map(String) : [String(schema.type)]
  if (types.includes('number')) types.push('integer')
  return types
}

/** A JSON Schema `pattern` (an unanchored ECMAScript search) as an anchored regex of the whole string. */
function unanchoredPattern(pattern: string): string {
  return splitAlternatives(pattern)
    .map((alternative) => {
      let body = alternative
      const start = body.startsWith('^')
      if (start) body = body.slice(1)
      let end = false
      if (body.endsWith('$')) {
        let backslashes = 0
        for (let index = body.length - 2; index >= 0 && body[index] === '\\'; index--) backslashes++
        if (backslashes % 2 === 0) {
          body = body.slice(0, -1)
          end = true
        }
      }
      return `${start ? '' : '[^]*'}(?:${body})${end ? '' : '[^]*'}`
    })
    .join('|')
}

function splitAlternatives(pattern: string): string[] {
  const parts: string[] = []
  let depth = 0
  let inClass = false
  let current = ''
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index] as string
    if (character === '\\') {
      current += character + (pattern[index + 1] ?? '')
      index++
      continue
    }
    if (inClass) {
      if (character === ']') inClass = false
    } else if (character === '[') inClass = true
    else if (character === '(') depth++
    else if (character === ')') depth--
    else if (character === '|' && depth === 0) {
      parts.push(current)
      current = ''
      continue
    }
    current += character
  }
  parts.push(current)
  return parts
}

function gcd(left: number, right: number): number {
  return right === 0 ? left : gcd(right, left % right)
}
function lcm(left: number, right: number): number {
  return (left / gcd(left, right)) * right
}

/** A regex matching exactly the strings of `values` (a prefix tree). */
export function alternationRegex(values: readonly string[]): string {
  interface Node {
    end: boolean
    children: Map<string, Node>
  }
  const root: Node = { end: false, children: new Map() }
  for (const value of values) {
    let node = root
    for (const character of value) {
      let child = node.children.get(character)
      if (!child) {
        child = { end: false, children: new Map() }
        node.children.set(character, child)
      }
      node = child
    }
    node.end = true
  }
  const render = (node: Node): string => {
    const branches = [...node.children].map(
      ([character, child]) => escapeRegex(character) + render(child),
    )
    if (branches.length === 0) return ''
    const body = branches.length === 1 ? (branches[0] as string) : `(?:${branches.join('|')})`
    return node.end ? `(?:${body})?` : body
  }
  return render(root) || '(?:)'
}

/** A regex matching the decimal integers in [low, high] (JSON syntax, no leading zeros). */
export function integerRangeRegex(low: number, high: number): string {
  if (low > high) return '[]'
  const parts: string[] = []
  if (low < 0) {
    const magnitudeLow = Math.max(1, -high)
    const magnitudeHigh = -low
    if (magnitudeLow <= magnitudeHigh)
      parts.push(`-(?:${naturalRangeRegex(magnitudeLow, magnitudeHigh)})`)
  }
  if (high >= 0) parts.push(naturalRangeRegex(Math.max(0, low), high))
  return parts.length === 1 ? (parts[0] as string) : `(?:${parts.join('|')})`
}

function naturalRangeRegex(low: number, high: number): string {
  const parts: string[] = []
  let start = low
  while (start <= high) {
    const digits = String(start).length
    const end = Math.min(high, 10 ** digits - 1)
    parts.push(sameLengthRange(String(start), String(end)))
    start = end + 1
  }
  return parts.length === 1 ? (parts[0] as string) : `(?:${parts.join('|')})`
}

function sameLengthRange(low: string, high: string): string {
  if (low === high) return low
  if (low.length === 1) return `[${low}-${high}]`
  if (low[0] === high[0]) return `${low[0]}${sameLengthRange(low.slice(1), high.slice(1))}`
  const rest = low.length - 1
  const lowRest = low.slice(1)
  const highRest = high.slice(1)
  const allZero = /^0*$/.test(lowRest)
  const allNine = /^9*$/.test(highRest)
  const parts: string[] = []
  const firstLow = Number(low[0])
  const firstHigh = Number(high[0])
  let middleLow = firstLow + 1
  let middleHigh = firstHigh - 1
  if (allZero) middleLow = firstLow
  else parts.push(`${firstLow}${sameLengthRange(lowRest, '9'.repeat(rest))}`)
  if (allNine) middleHigh = firstHigh
  if (middleLow <= middleHigh) {
    parts.push(
      `${middleLow === middleHigh ? middleLow : `[${middleLow}-${middleHigh}]`}[0-9]{${rest}}`,
    )
  }
  if (!allNine) parts.push(`${firstHigh}${sameLengthRange('0'.repeat(rest), highRest)}`)
  return `(?:${parts.join('|')})`
}

/** Non-negative decimals `i.f` with i in [low, high], f ending in 1-9, at most 15 significant digits. */
function decimalsRegex(low: number, high: number): string {
  const parts: string[] = []
  for (let digits = 1; digits <= 14; digits++) {
    const from = Math.max(low, digits === 1 ? 0 : 10 ** (digits - 1))
    const to = Math.min(high, 10 ** digits - 1)
    if (from > to) continue
    parts.push(`(?:${integerRangeRegex(from, to)})\\.[0-9]{0,${14 - digits}}[1-9]`)
  }
  return parts.length === 0 ? '[]' : parts.join('|')
}

/** A finite positive number as an exact decimal fraction numerator / 10^scale (from its shortest text). */
function decimalFractionOf(value: number): { numerator: bigint; scale: number } {
  const [mantissa = '0', exponentText] = String(value).split('e')
  const [whole = '0', fraction = ''] = mantissa.split('.')
  let numerator = BigInt(whole + fraction)
  let scale = fraction.length - Number(exponentText ?? 0)
  if (scale < 0) {
    numerator *= 10n ** BigInt(-scale)
    scale = 0
  }
  return { numerator, scale }
}

/** `numerator / 10^scale` written in plain decimal, without trailing zeros. */
function scaledDecimal(numerator: bigint, scale: number): string {
  const negative = numerator < 0n
  const digits = (negative ? -numerator : numerator).toString().padStart(scale + 1, '0')
  const whole = digits.slice(0, digits.length - scale)
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '')
  const text = fraction === '' ? whole : `${whole}.${fraction}`
  return negative && text !== '0' ? `-${text}` : text
}

/** A finite number in plain decimal (no exponent), as a JSON text of it would be generated. */
function fixedDecimal(value: number): string {
  if (value === 0) return '0'
  const negative = value < 0
  const { numerator, scale } = decimalFractionOf(Math.abs(value))
  const text = scaledDecimal(numerator, scale)
  return negative ? `-${text}` : text
}

function bigGcd(left: bigint, right: bigint): bigint {
  let a = left < 0n ? -left : left
  let b = right < 0n ? -right : right
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}
