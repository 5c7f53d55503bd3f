// vLLM's request extensions, so that client code written for vLLM runs here too: guided decoding
// (`structured_outputs`, the legacy `guided_regex` / `guided_json` / `guided_choice` /
// `guided_grammar`, `response_format: json_schema`) through the
// constrained decoder, and prompt scoring (`echo` with `logprobs`, `prompt_logprobs`) by
// teacher forcing.
import { compact, InvalidArgumentError, type TokenModel } from '@metagen/core'
import {
  type Constraint,
  createChoiceConstraint,
  createGrammarConstraint,
  createJsonSchemaConstraint,
  createRegexConstraint,
  type JsonSchema,
  scoreTokenContinuations,
} from '@metagen/decoders'

/** Longest accepted `guided_regex`, in characters (bounds the automaton built per request). */
export const maxGuidedPatternChars = 4096
/** Largest accepted `guided_json` / `response_format` schema, in characters of its JSON. */
export const maxGuidedSchemaChars = 16_384
/** Most accepted `guided_choice` entries. */
export const maxGuidedChoices = 256
/** Longest accepted `guided_grammar` / `structured_outputs.grammar`, in characters. */
export const maxGuidedGrammarChars = 16_384

/** The guide keys of vLLM's `structured_outputs` object and the legacy field of each. */
const structuredOutputKeys = {
  json: 'guided_json',
  regex: 'guided_regex',
  choice: 'guided_choice',
  grammar: 'guided_grammar',
} as const

/** A guided-decoding request: which wire field asked for it, and the constraint. */
export interface GuidedDecoding {
  /** The wire field, e.g. `guided_json` or `response_format`. */
  field: string
  constraint: Constraint
}

/**
 * Reads the guided-decoding fields of a request body (`get` returns undefined for absent or
 * null fields): at most one of `structured_outputs` (vLLM >= 0.10.2: an object with exactly
 * one of `json`, `regex`, `choice`, `grammar`; `whitespace_pattern` and the other options are
 * ignored), `guided_regex` (a regular expression the whole output matches), `guided_json` (a
 * JSON schema, as an object or as JSON text), `guided_choice` (the output is one of these
 * strings), `guided_grammar` (a GBNF/EBNF grammar, or Lark when it has no `::=`) and
 * `response_format` `{ type: 'json_schema', json_schema: { schema } }` or
 * `{ type: 'json_object' }`. Returns undefined when none is given. Throws InvalidArgumentError
 * naming the field (e.g. `structured_outputs.json`) for malformed or oversized values (limits
 * above) and for patterns, schemas or grammars the constrained decoder does not support.
 */
export function parseGuidedDecoding(get: (name: string) => unknown): GuidedDecoding | undefined {
  const given = [
    'structured_outputs',
    'guided_regex',
    'guided_json',
    'guided_choice',
    'guided_grammar',
  ].filter((name) => get(name) !== undefined)
  const format = get('response_format') as { type?: unknown } | undefined
  const formatGuides = format !== undefined && format.type !== 'text'
  if (formatGuides) given.push('response_format')
  if (given.length === 0) return undefined
  if (given.length > 1) {
    throw new InvalidArgumentError({
      argument: given[1] as string,
      expected: `at most one of structured_outputs, guided_regex, guided_json, guided_choice, guided_grammar and response_format (${given[0]} is given)`,
      received: get(given[1] as string),
    })
  }
  // `kind` is the legacy field whose rules apply; `field` is the name the client used
  let kind = given[0] as string
  let field = kind
  let value = get(field)
  if (kind === 'structured_outputs') {
    const fields = value as Record<string, unknown>
    const keys =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (Object.keys(structuredOutputKeys) as Array<keyof typeof structuredOutputKeys>).filter(
            (key) => fields[key] !== undefined && fields[key] !== null,
          )
        : []
    const key = keys[0]
    if (keys.length !== 1 || key === undefined) {
      throw new InvalidArgumentError({
        argument: 'structured_outputs',
        expected:
          'an object with exactly one of json, regex, choice and grammar (this server supports no other guide)',
        received: value,
      })
    }
    kind = structuredOutputKeys[key]
    field = `structured_outputs.${key}`
    value = fields[key]
  }
  const build = (make: () => Constraint): GuidedDecoding => {
    try {
      const constraint = make()
      // Compile now: an unsupported pattern or schema is the client's 400, not a failed sample.
      if (constraint.automaton) constraint.automaton()
      return { field, constraint }
    } catch (error) {
      if (InvalidArgumentError.isInstance(error)) {
        throw new InvalidArgumentError({
          argument: field,
          expected: `a pattern or schema the constrained decoder supports (${error.message})`,
          received: value,
          cause: error,
        })
      }
      throw error
    }
  }
  switch (kind) {
    case 'guided_regex': {
      if (typeof value !== 'string' || value === '' || value.length > maxGuidedPatternChars) {
        throw new InvalidArgumentError({
          argument: field,
          expected: `a non-empty regular expression of at most ${maxGuidedPatternChars} characters`,
          received: typeof value === 'string' ? `${value.length} characters` : value,
        })
      }
      return build(() => createRegexConstraint(value))
    }
    case 'guided_choice': {
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        value.length > maxGuidedChoices ||
        value.some((choice) => typeof choice !== 'string' || choice === '')
      ) {
        throw new InvalidArgumentError({
          argument: field,
          expected: `a non-empty array of at most ${maxGuidedChoices} non-empty strings`,
          received: value,
        })
      }
      return build(() => createChoiceConstraint(value as string[]))
    }
    case 'guided_json':
      return build(() => createJsonSchemaConstraint(readSchema(field, value)))
    case 'guided_grammar': {
      if (
        typeof value !== 'string' ||
        value.trim() === '' ||
        value.length > maxGuidedGrammarChars
      ) {
        throw new InvalidArgumentError({
          argument: field,
          expected: `non-empty grammar text of at most ${maxGuidedGrammarChars} characters`,
          received: typeof value === 'string' ? `${value.length} characters` : value,
        })
      }
      return build(() =>
        createGrammarConstraint(value, { syntax: value.includes('::=') ? 'gbnf' : 'lark' }),
      )
    }
    default: {
      if (format?.type === 'json_object') {
        return build(() => createJsonSchemaConstraint({ type: 'object' }))
      }
      const jsonSchema = (format as { json_schema?: { schema?: unknown } }).json_schema
      if (format?.type !== 'json_schema' || jsonSchema?.schema === undefined) {
        throw new InvalidArgumentError({
          argument: field,
          expected:
            '{ "type": "text" }, { "type": "json_object" } or { "type": "json_schema", "json_schema": { "name": ..., "schema": {...} } }',
          received: format,
        })
      }
      return build(() => createJsonSchemaConstraint(readSchema(field, jsonSchema.schema)))
    }
  }
}

function readSchema(field: string, value: unknown): JsonSchema {
  let schema = value
  if (typeof value === 'string') {
    try {
      schema = JSON.parse(value)
    } catch (error) {
      throw new InvalidArgumentError({
        argument: field,
        expected: 'a JSON schema (an object, or its JSON text)',
        received: value.slice(0, 80),
        cause: error,
      })
    }
  }
  const text = JSON.stringify(schema)
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new InvalidArgumentError({
      argument: field,
      expected: 'a JSON schema object',
      received: schema,
    })
  }
  if (text.length > maxGuidedSchemaChars) {
    throw new InvalidArgumentError({
      argument: field,
      expected: `a JSON schema of at most ${maxGuidedSchemaChars} characters`,
      received: `${text.length} characters`,
    })
  }
  return schema as JsonSchema
}

/** One prompt token with its log-probability given the tokens before it. */
export interface PromptTokenLogprob {
  tokenId: number
  /** The token's text (empty for special tokens such as BOS, which are not part of the prompt text). */
  token: string
  /** Natural-log probability, null for the first token (nothing comes before it). */
  logprob: number | null
  /** True for a special token (BOS) that the tokenizer adds and the prompt text does not contain. */
  special: boolean
}

/**
 * The log-probability of every token of `prompt` (as the model encodes a prompt, BOS included)
 * by teacher forcing: the first token conditions, each later one is scored given those before
 * it. One prefill plus one batched pass.
 */
export async function scorePromptTokens(
  model: TokenModel,
  prompt: string,
  signal?: AbortSignal,
): Promise<{ tokens: PromptTokenLogprob[]; inputTokens: number }> {
  const { tokenizer } = model
  const ids = tokenizer.encodePrompt ? tokenizer.encodePrompt(prompt) : tokenizer.encode(prompt)
  if (ids.length === 0) return { tokens: [], inputTokens: 0 }
  const special = new Set(tokenizer.specialTokenIds)
  const scored =
    ids.length > 1
      ? await scoreTokenContinuations(model, {
          prompt: ids.slice(0, 1),
          continuations: [ids.slice(1)],
          ...compact({ signal }),
        })
      : undefined
  const logprobs = scored?.logprobs[0] ?? []
  const tokens = ids.map((tokenId, index) => ({
    tokenId,
    token: special.has(tokenId) ? '' : tokenizer.decode([tokenId], { skipSpecialTokens: false }),
    logprob: index === 0 ? null : (logprobs[index - 1] ?? null),
    special: special.has(tokenId),
  }))
  return { tokens, inputTokens: ids.length }
}
