// Option schemas: each option of an algorithm is declared once as a zod schema, from which come
// its TypeScript type, its validation (InvalidArgumentError naming the argument, the expected
// range and the received value), its CLI flag and help text, and its JSON Schema.
import { z } from 'zod'
import type { $ZodType } from 'zod/v4/core'
import { InvalidArgumentError } from './errors.js'

/** How an option is read from the command line (and which values it takes). */
export type OptionKind = 'number' | 'integer' | 'string' | 'boolean' | 'strategy' | 'string[]'

/** What an option schema accepts, read from its JSON Schema (for help text, flags and tests). */
export interface OptionInfo {
  kind: OptionKind
  /** The schema's description (one sentence with unit and range). */
  description?: string
  /** Value used when the option is absent. */
  default?: unknown
  /** Inclusive lower bound of numbers. */
  minimum?: number
  /** Exclusive lower bound of numbers. */
  exclusiveMinimum?: number
  /** Inclusive upper bound of numbers. */
  maximum?: number
  /** Exclusive upper bound of numbers. */
  exclusiveMaximum?: number
  /** Allowed values of strings (or of the items of a string list). */
  choices?: readonly string[]
  /** Shortest allowed string. */
  minLength?: number
}

const nestedStrategySchemas = new WeakSet<object>()

/**
 * The schema of an option that holds a nested strategy spec: either a strategy name or an
 * object with a `strategy` field and that strategy's options. The parsed value is always the
 * object form; the strategy registry validates its options recursively.
 */
export function nestedStrategySchema() {
  const schema = z
    .union([z.string(), z.looseObject({ strategy: z.string() })])
    .transform((value) => (typeof value === 'string' ? { strategy: value } : value))
  nestedStrategySchemas.add(schema)
  return schema
}

/** The schema inside `.optional()`, `.default()` and `.describe()` wrappers. */
function unwrapOption(schema: $ZodType): $ZodType {
  let current: $ZodType = schema
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: $ZodType }
    if ((def.type === 'optional' || def.type === 'default') && def.innerType) {
      current = def.innerType
    } else {
      return current
    }
  }
}

/** True when `schema` (possibly optional or defaulted) holds a nested strategy spec. */
export function isNestedStrategySchema(schema: $ZodType): boolean {
  return nestedStrategySchemas.has(unwrapOption(schema))
}

/** The largest integer zod's `z.int()` accepts; not a real bound of any option. */
const safeIntegerLimit = Number.MAX_SAFE_INTEGER

/** Reads the kind, bounds, choices, default and description of an option schema. */
export function describeOptionSchema(schema: $ZodType): OptionInfo {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >
  const info: OptionInfo = { kind: 'string' }
  if (typeof json.description === 'string') info.description = json.description
  if (json.default !== undefined) info.default = json.default
  if (isNestedStrategySchema(schema)) return { ...info, kind: 'strategy' }
  const type = json.type
  if (type === 'integer' || type === 'number') {
    info.kind = type
    if (typeof json.minimum === 'number' && json.minimum > -safeIntegerLimit) {
      info.minimum = json.minimum
    }
    if (typeof json.exclusiveMinimum === 'number') info.exclusiveMinimum = json.exclusiveMinimum
    if (typeof json.maximum === 'number' && json.maximum < safeIntegerLimit) {
      info.maximum = json.maximum
    }
    if (typeof json.exclusiveMaximum === 'number') info.exclusiveMaximum = json.exclusiveMaximum
  } else if (type === 'boolean') {
    info.kind = 'boolean'
  } else if (type === 'array') {
    info.kind = 'string[]'
    const items = json.items as Record<string, unknown> | undefined
    if (Array.isArray(items?.enum)) info.choices = items.enum as string[]
  } else if (Array.isArray(json.enum)) {
    info.choices = json.enum as string[]
  } else if (typeof json.minLength === 'number' && json.minLength > 0) {
    info.minLength = json.minLength
  }
  return info
}

function formatBound(value: number): string {
  return String(value)
}

/**
 * Describes the values an option accepts, e.g. `an integer >= 1`, `a number in [0, 1)` or
 * `one of beta, dirichlet`.
 */
export function describeOptionRange(info: OptionInfo): string {
  switch (info.kind) {
    case 'integer':
    case 'number': {
      const noun = info.kind === 'integer' ? 'an integer' : 'a number'
      const low =
        info.exclusiveMinimum !== undefined
          ? { value: info.exclusiveMinimum, inclusive: false }
          : info.minimum !== undefined
            ? { value: info.minimum, inclusive: true }
            : undefined
      const high =
        info.exclusiveMaximum !== undefined
          ? { value: info.exclusiveMaximum, inclusive: false }
          : info.maximum !== undefined
            ? { value: info.maximum, inclusive: true }
            : undefined
      if (low && high) {
        return `${noun} in ${low.inclusive ? '[' : '('}${formatBound(low.value)}, ${formatBound(high.value)}${high.inclusive ? ']' : ')'}`
      }
      if (low) return `${noun} ${low.inclusive ? '>=' : '>'} ${formatBound(low.value)}`
      if (high) return `${noun} ${high.inclusive ? '<=' : '<'} ${formatBound(high.value)}`
      return info.kind === 'integer' ? noun : 'a finite number'
    }
    case 'string':
      if (info.choices) return `one of ${info.choices.join(', ')}`
      if (info.minLength === 1) return 'a non-empty string'
      return info.minLength !== undefined
        ? `a string of at least ${info.minLength} characters`
        : 'a string'
    case 'boolean':
      return 'true or false'
    case 'strategy':
      return 'a nested strategy spec or a strategy name'
    case 'string[]':
      return info.choices
        ? `a list of strings from ${info.choices.join(', ')}`
        : 'a list of strings'
  }
}

const describedRanges = new WeakMap<$ZodType, string>()

/** {@link describeOptionRange} of a schema, cached per schema object. */
export function describeSchemaRange(schema: $ZodType): string {
  let text = describedRanges.get(schema)
  if (text === undefined) {
    text = describeOptionRange(describeOptionSchema(schema))
    describedRanges.set(schema, text)
  }
  return text
}

/**
 * Validates `value` against the option schema `schema` and returns the parsed value (defaults
 * filled in). On failure throws {@link InvalidArgumentError} naming `argument` (plus the path
 * inside the value, e.g. `choices[2]`), the accepted range of the option, and the received
 * value; `note` is appended to the expectation (e.g. `option n of strategy best-of-n`).
 */
export function parseOption<TSchema extends $ZodType>(
  argument: string,
  schema: TSchema,
  value: unknown,
  note?: string,
): z.output<TSchema> {
  const result = z.safeParse(schema, value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = (issue?.path ?? [])
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
    .join('')
  const expected = describeSchemaRange(schema)
  throw new InvalidArgumentError({
    argument: `${argument}${path}`,
    expected: note ? `${expected} (${note})` : expected,
    received: value,
  })
}

/**
 * The JSON Schema (draft 2020-12) of an options schema, as accepted on input (defaults make
 * fields optional). Nested strategies appear as a string or an object with a `strategy` field.
 */
export function optionsJsonSchema(schema: $ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
}
