// A strategy spec as text: JSON or YAML, the two formats `metagen --spec FILE` reads.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'

/** The text formats of the playground's spec view. */
export type SpecFormat = 'json' | 'yaml'

/** Writes `spec` as pretty JSON (2-space indent) or as a YAML block document. */
export function formatSpec(spec: unknown, format: SpecFormat): string {
  return format === 'json' ? JSON.stringify(spec, null, 2) : stringifyYaml(spec)
}

/**
 * Parses spec text in `format`. Throws an Error that names the format and the parser's message
 * when the text is not valid JSON / YAML, or when it is not a single object (a spec is always an
 * object with a `strategy` key; the form checks the rest).
 */
export function parseSpec(text: string, format: SpecFormat): unknown {
  let value: unknown
  try {
    value = format === 'json' ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new Error(`spec: expected valid ${format.toUpperCase()}, ${(error as Error).message}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`spec: expected an object with a "strategy" key, got ${JSON.stringify(value)}`)
  }
  return value
}
