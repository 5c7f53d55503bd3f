// A request's `responseFormat` (JSON schema or grammar) as a constraint, built once per format
// and cached, so that local models enforce structured output by constrained decoding.
import { type ResponseFormat, validateResponseFormat } from '@metagen/core'
import { type Constraint, createGrammarConstraint } from './constraint.js'
import { createJsonSchemaConstraint } from './json-schema-to-grammar.js'

const cache = new Map<string, Constraint>()

/**
 * The constraint of a response format: `json_schema` -> {@link createJsonSchemaConstraint}
 * (compact layout), `grammar` -> {@link createGrammarConstraint}; `text` (or none) -> undefined.
 * Cached by the format's JSON (at most 64 entries). Throws InvalidArgumentError for a malformed
 * format or a schema/grammar that cannot be enforced.
 */
export function constraintFromResponseFormat(
  format: ResponseFormat | undefined,
): Constraint | undefined {
  if (format === undefined || format.type === 'text') return undefined
  validateResponseFormat(format)
  const key = JSON.stringify(format)
  const cached = cache.get(key)
  if (cached) return cached
  const constraint =
    format.type === 'json_schema'
      ? createJsonSchemaConstraint(format.schema)
      : createGrammarConstraint(format.grammar, { syntax: format.syntax ?? 'gbnf' })
  if (cache.size >= 64) cache.delete(cache.keys().next().value as string)
  cache.set(key, constraint)
  return constraint
}
