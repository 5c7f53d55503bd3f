// From a strategy's JSON Schema (the registry's, generated from its zod options) to form
// fields, from typed text back to option values (with the range errors the server would give),
// and between form state and a strategy spec. Pure functions: the DOM form is built on top.

/** A JSON Schema fragment (only the keywords the registry emits are read). */
export type JsonSchema = Record<string, unknown>

/** One form field. */
export interface FormField {
  /** Option name. */
  key: string
  kind: 'integer' | 'number' | 'boolean' | 'enum' | 'string' | 'strategy' | 'json'
  description?: string
  default?: unknown
  /** Inclusive bounds. */
  minimum?: number
  maximum?: number
  /** Exclusive bounds. */
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  /** Allowed values of an enum. */
  options?: readonly string[]
  /** Minimum string length. */
  minLength?: number
}

const largestSafe = Number.MAX_SAFE_INTEGER

/** True when `schema` is a nested-strategy option: a name, or an object with `strategy`. */
export function isNestedStrategy(schema: JsonSchema): boolean {
  const choices = schema.anyOf ?? schema.oneOf
  if (!Array.isArray(choices)) return false
  return choices.some((choice) => {
    const properties = (choice as JsonSchema).properties as JsonSchema | undefined
    return (choice as JsonSchema).type === 'object' && properties?.strategy !== undefined
  })
}

/** The fields of a strategy spec schema (every property but `strategy`), in schema order. */
export function fieldsFromSchema(schema: JsonSchema): FormField[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  const fields: FormField[] = []
  for (const [key, property] of Object.entries(properties)) {
    if (key === 'strategy') continue
    const base = {
      key,
      ...(typeof property.description === 'string' ? { description: property.description } : {}),
      ...(property.default !== undefined ? { default: property.default } : {}),
    }
    if (isNestedStrategy(property)) {
      fields.push({ ...base, kind: 'strategy' })
    } else if (Array.isArray(property.enum) && property.enum.every((v) => typeof v === 'string')) {
      fields.push({ ...base, kind: 'enum', options: property.enum as string[] })
    } else if (property.type === 'integer' || property.type === 'number') {
      fields.push({
        ...base,
        kind: property.type,
        ...bound('minimum', property.minimum),
        ...bound('maximum', property.maximum),
        ...bound('exclusiveMinimum', property.exclusiveMinimum),
        ...bound('exclusiveMaximum', property.exclusiveMaximum),
      })
    } else if (property.type === 'boolean') {
      fields.push({ ...base, kind: 'boolean' })
    } else if (property.type === 'string') {
      fields.push({
        ...base,
        kind: 'string',
        ...(typeof property.minLength === 'number' ? { minLength: property.minLength } : {}),
      })
    } else {
      fields.push({ ...base, kind: 'json' })
    }
  }
  return fields
}

function bound(name: string, value: unknown): Record<string, number> {
  if (typeof value !== 'number') return {}
  if (Math.abs(value) >= largestSafe) return {}
  return { [name]: value }
}

/** A field's range in words, e.g. `an integer >= 1` or `a number in (0, 1]`. */
export function describeRange(field: FormField): string {
  if (field.kind === 'enum') return `one of ${(field.options ?? []).join(', ')}`
  if (field.kind === 'boolean') return 'true or false'
  if (field.kind === 'strategy') return 'a strategy'
  if (field.kind === 'string') {
    return field.minLength ? `text of at least ${field.minLength} character(s)` : 'text'
  }
  if (field.kind === 'json') return 'JSON'
  const noun = field.kind === 'integer' ? 'an integer' : 'a number'
  const low =
    field.minimum !== undefined
      ? { value: field.minimum, open: false }
      : field.exclusiveMinimum !== undefined
        ? { value: field.exclusiveMinimum, open: true }
        : undefined
  const high =
    field.maximum !== undefined
      ? { value: field.maximum, open: false }
      : field.exclusiveMaximum !== undefined
        ? { value: field.exclusiveMaximum, open: true }
        : undefined
  if (low && high) {
    return `${noun} in ${low.open ? '(' : '['}${low.value}, ${high.value}${high.open ? ')' : ']'}`
  }
  if (low) return `${noun} ${low.open ? '>' : '>='} ${low.value}`
  if (high) return `${noun} ${high.open ? '<' : '<='} ${high.value}`
  return noun
}

/** What {@link parseFieldInput} returns: a value (undefined: left empty, the default applies) or an error. */
export type FieldParse = { ok: true; value: unknown } | { ok: false; error: string }

/**
 * Parses what was typed into a field. Empty text means "use the default" (value undefined).
 * Out-of-range and malformed input is an error naming the field and the allowed range (never
 * clamped).
 */
export function parseFieldInput(field: FormField, text: string): FieldParse {
  const trimmed = text.trim()
  if (trimmed === '') return { ok: true, value: undefined }
  const fail = (): FieldParse => ({
    ok: false,
    error: `${field.key}: expected ${describeRange(field)}, got ${JSON.stringify(text)}`,
  })
  switch (field.kind) {
    case 'integer':
    case 'number': {
      const value = Number(trimmed)
      if (!Number.isFinite(value)) return fail()
      if (field.kind === 'integer' && !Number.isInteger(value)) return fail()
      if (field.minimum !== undefined && value < field.minimum) return fail()
      if (field.maximum !== undefined && value > field.maximum) return fail()
      if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) return fail()
      if (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum) return fail()
      return { ok: true, value }
    }
    case 'boolean':
      if (trimmed === 'true') return { ok: true, value: true }
      if (trimmed === 'false') return { ok: true, value: false }
      return fail()
    case 'enum':
      return (field.options ?? []).includes(trimmed) ? { ok: true, value: trimmed } : fail()
    case 'string':
      if (field.minLength !== undefined && text.length < field.minLength) return fail()
      return { ok: true, value: text }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(trimmed) }
      } catch {
        return fail()
      }
    case 'strategy':
      return { ok: true, value: trimmed }
  }
}

/** The state of a strategy form: the chosen strategy, typed option values, nested forms. */
export interface FormState {
  strategy: string
  /** Option values that differ from the defaults (absent: default). */
  values: Record<string, unknown>
  /** Nested strategy options: a nested form, or absent for the option's default. */
  nested: Record<string, FormState>
}

/** A strategy spec (what the server's registry validates). */
export type StrategySpecLike = { strategy: string } & Record<string, unknown>

/** The spec of a form state: `strategy`, the set values, and nested specs, in that order. */
export function specFromState(state: FormState): StrategySpecLike {
  const spec: StrategySpecLike = { strategy: state.strategy }
  for (const [key, value] of Object.entries(state.values)) {
    if (value !== undefined) spec[key] = value
  }
  for (const [key, nested] of Object.entries(state.nested)) spec[key] = specFromState(nested)
  return spec
}

/**
 * The form state of a spec (a strategy name or an object), given each strategy's schema.
 * Throws an Error naming the path of an unknown strategy or option, so that a JSON edit with a
 * mistake is reported rather than dropped.
 */
export function stateFromSpec(
  spec: unknown,
  schemas: ReadonlyMap<string, JsonSchema>,
  path = 'strategy',
): FormState {
  const record =
    typeof spec === 'string' ? { strategy: spec } : (spec as Record<string, unknown> | null)
  if (!record || typeof record !== 'object' || typeof record.strategy !== 'string') {
    throw new Error(`${path}: expected a strategy name or an object with a "strategy" field`)
  }
  const schema = schemas.get(record.strategy)
  if (!schema) {
    throw new Error(
      `${path}.strategy: unknown strategy ${JSON.stringify(record.strategy)} (known: ${[...schemas.keys()].join(', ')})`,
    )
  }
  const fields = new Map(fieldsFromSchema(schema).map((field) => [field.key, field]))
  const state: FormState = { strategy: record.strategy, values: {}, nested: {} }
  for (const [key, value] of Object.entries(record)) {
    if (key === 'strategy') continue
    const field = fields.get(key)
    if (!field) {
      throw new Error(
        `${path}.${key}: not an option of ${record.strategy} (options: ${[...fields.keys()].join(', ') || 'none'})`,
      )
    }
    if (field.kind === 'strategy')
      state.nested[key] = stateFromSpec(value, schemas, `${path}.${key}`)
    else state.values[key] = value
  }
  return state
}

/** A blank state of `strategy` (every option at its default). */
export function defaultState(strategy: string): FormState {
  return { strategy, values: {}, nested: {} }
}
