// A small JSON Schema validator (drafts 04 to 2020-12, the generation-relevant keywords), used
// by the grammar compiler to intersect enum/const values with the rest of a schema and to check
// declared property names against propertyNames. Not a general-purpose validator.
import type { JsonSchema } from './escape-regex.js'

type SchemaObject = { readonly [keyword: string]: unknown }

/** Format checks shared with the grammar compiler (the generated subsets are stricter). */
export const formatCheckers: Readonly<Record<string, RegExp>> = {
  date: /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/,
  time: /^(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:[zZ]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/,
  'date-time':
    /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[tT ](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:[zZ]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  ipv4: /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  email: /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+$/,
}

/** Deep equality of JSON values (object key order ignored). */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) {
    return false
  }
  if (Array.isArray(left) !== Array.isArray(right)) return false
  if (Array.isArray(left)) {
    const other = right as unknown[]
    return (
      left.length === other.length && left.every((item, index) => jsonEqual(item, other[index]))
    )
  }
  const leftKeys = Object.keys(left)
  const rightObject = right as Record<string, unknown>
  return (
    leftKeys.length === Object.keys(rightObject).length &&
    leftKeys.every(
      (key) =>
        key in rightObject && jsonEqual((left as Record<string, unknown>)[key], rightObject[key]),
    )
  )
}

/** The JSON type names `value` has (`integer` values are also `number`). */
export function jsonTypesOf(value: unknown): string[] {
  if (value === null) return ['null']
  if (typeof value === 'boolean') return ['boolean']
  if (typeof value === 'number') return Number.isInteger(value) ? ['integer', 'number'] : ['number']
  if (typeof value === 'string') return ['string']
  if (Array.isArray(value)) return ['array']
  return ['object']
}

/**
 * True when `value` validates against `schema`; `resolve` maps a `$ref` and the schema object
 * it is written in (whose base URI it is resolved against) to its target schema.
 * Unknown keywords are ignored; unknown formats pass.
 */
export function validateJson(
  value: unknown,
  schema: JsonSchema,
  resolve: (reference: string, from: object) => JsonSchema | undefined,
): boolean {
  if (schema === true) return true
  if (schema === false) return false
  if (typeof schema !== 'object' || schema === null) return true
  const s = schema as SchemaObject
  const check = (sub: unknown, item: unknown = value): boolean =>
    validateJson(item, sub as JsonSchema, resolve)
  if (typeof s.$ref === 'string') {
    const target = resolve(s.$ref, s)
    if (target !== undefined && !check(target)) return false
  }
  if (Array.isArray(s.allOf) && !s.allOf.every((sub) => check(sub))) return false
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => check(sub))) return false
  if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => check(sub)).length !== 1) return false
  if (s.not !== undefined && check(s.not)) return false
  if (s.if !== undefined) {
    if (check(s.if)) {
      if (s.then !== undefined && !check(s.then)) return false
    } else if (s.else !== undefined && !check(s.else)) return false
  }
  const types = jsonTypesOf(value)
  if (s.type !== undefined) {
    const wanted = Array.isArray(s.type) ? s.type : [s.type]
    if (!wanted.some((type) => types.includes(type as string))) return false
  }
  if ('const' in s && !jsonEqual(value, s.const)) return false
  if (Array.isArray(s.enum) && !s.enum.some((item) => jsonEqual(value, item))) return false
  if (typeof value === 'number') {
    const exclusiveMinimum =
      typeof s.exclusiveMinimum === 'number'
        ? s.exclusiveMinimum
        : s.exclusiveMinimum === true
          ? (s.minimum as number)
          : undefined
    const exclusiveMaximum =
      typeof s.exclusiveMaximum === 'number'
        ? s.exclusiveMaximum
        : s.exclusiveMaximum === true
          ? (s.maximum as number)
          : undefined
    if (typeof s.minimum === 'number' && value < s.minimum) return false
    if (typeof s.maximum === 'number' && value > s.maximum) return false
    if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) return false
    if (exclusiveMaximum !== undefined && value >= exclusiveMaximum) return false
    if (typeof s.multipleOf === 'number') {
      const ratio = value / s.multipleOf
      if (!Number.isInteger(ratio)) return false
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length
    if (typeof s.minLength === 'number' && length < s.minLength) return false
    if (typeof s.maxLength === 'number' && length > s.maxLength) return false
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) return false
    const format = typeof s.format === 'string' ? formatCheckers[s.format] : undefined
    if (format && !format.test(value)) return false
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) return false
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) return false
    const prefix = Array.isArray(s.prefixItems)
      ? s.prefixItems
      : Array.isArray(s.items)
        ? s.items
        : []
    const rest = Array.isArray(s.items) ? s.additionalItems : s.items
    for (let index = 0; index < value.length; index++) {
      const sub = index < prefix.length ? prefix[index] : rest
      if (sub !== undefined && !check(sub, value[index])) return false
    }
    if (s.uniqueItems === true) {
      for (let left = 0; left < value.length; left++) {
        for (let right = left + 1; right < value.length; right++) {
          if (jsonEqual(value[left], value[right])) return false
        }
      }
    }
    if (s.contains !== undefined) {
      const count = value.filter((item) => check(s.contains, item)).length
      const minimum = typeof s.minContains === 'number' ? s.minContains : 1
      if (count < minimum) return false
      if (typeof s.maxContains === 'number' && count > s.maxContains) return false
    }
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>
    const keys = Object.keys(object)
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) return false
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) return false
    if (Array.isArray(s.required) && !s.required.every((key) => key in object)) return false
    const properties = (s.properties ?? {}) as Record<string, unknown>
    const patterns = (s.patternProperties ?? {}) as Record<string, unknown>
    for (const key of keys) {
      let matched = false
      if (key in properties) {
        matched = true
        if (!check(properties[key], object[key])) return false
      }
      for (const [pattern, sub] of Object.entries(patterns)) {
        if (new RegExp(pattern, 'u').test(key)) {
          matched = true
          if (!check(sub, object[key])) return false
        }
      }
      if (!matched && s.additionalProperties !== undefined) {
        if (!check(s.additionalProperties, object[key])) return false
      }
      if (s.propertyNames !== undefined && !check(s.propertyNames, key)) return false
    }
    const dependencies = {
      ...((s.dependencies ?? {}) as Record<string, unknown>),
      ...((s.dependentRequired ?? {}) as Record<string, unknown>),
      ...((s.dependentSchemas ?? {}) as Record<string, unknown>),
    }
    for (const [key, dependency] of Object.entries(dependencies)) {
      if (!(key in object)) continue
      if (Array.isArray(dependency)) {
        if (!dependency.every((name) => name in object)) return false
      } else if (!check(dependency)) return false
    }
  }
  return true
}
