// A request's `responseFormat` (and the `guided*` provider options) as the wire fields of the
// server in front of us: OpenAI Structured Outputs (`response_format: json_schema`) on the chat
// API, vLLM's `structured_outputs` (or its legacy `guided_*` fields) on vLLM servers, and a
// clear error where the endpoint has no equivalent.
import {
  InvalidArgumentError,
  type ResponseFormat,
  UnsupportedCapabilityError,
} from '@metagen/core'
import type { ResponseFormatJSONSchema } from 'openai/resources/shared'
import type { OpenAIProviderOptions } from './openai-provider-options.js'

/**
 * How guided decoding is sent to a vLLM server (`compatibility: 'vllm'`):
 * `structured_outputs` (vLLM >= 0.10.2: one `structured_outputs` object with `json`, `regex`,
 * `choice` or `grammar`) or `guided` (the top-level `guided_json`, `guided_regex`,
 * `guided_choice`, `guided_grammar` of older servers; vLLM removed them in 0.12.0 and newer
 * servers silently ignore them, answering unconstrained).
 */
export type VllmGuidedDecodingFields = 'structured_outputs' | 'guided'

/** vLLM's `structured_outputs` request field (exactly one key is set). */
export interface VllmStructuredOutputs {
  /** The output is JSON valid under this schema (an object, or its JSON text). */
  json?: Record<string, unknown> | string
  /** The whole output matches this regular expression. */
  regex?: string
  /** The output is one of these strings. */
  choice?: string[]
  /** The output derives from this context-free grammar (GBNF/EBNF or Lark text). */
  grammar?: string
}

/** The structured-output wire fields of one request (at most one group is set). */
export interface OpenAIStructuredOutputFields {
  /** OpenAI Structured Outputs (chat API). */
  response_format?: ResponseFormatJSONSchema
  /** vLLM >= 0.10.2. */
  structured_outputs?: VllmStructuredOutputs
  guided_json?: Record<string, unknown> | string
  guided_regex?: string
  guided_choice?: string[]
  guided_grammar?: string
}

/** Where a request goes: the endpoint and the server dialect. */
export interface OpenAIStructuredOutputTarget {
  api: 'chat' | 'completion'
  compatibility: 'strict' | 'compatible' | 'vllm'
  /** How guided decoding is sent to vLLM (see {@link VllmGuidedDecodingFields}). */
  vllmFields: VllmGuidedDecodingFields
  /** `provider:modelId`, for error messages. */
  model: string
}

/** Default `json_schema.name` (OpenAI requires one). */
export const defaultResponseFormatName = 'response'

/**
 * The wire fields of `format` for `target`:
 * - `json_schema` on a vLLM server (either API): `structured_outputs.json` (or `guided_json`);
 *   a `true` schema is sent as `{}`.
 * - `json_schema` on the chat API of OpenAI or another compatible server:
 *   `response_format: { type: 'json_schema', json_schema: { name, schema, strict } }` with
 *   `strict` from `strictJsonSchema` (default true: OpenAI then guarantees the schema, and
 *   rejects schemas outside its strict subset with a 400).
 * - `grammar` on a vLLM server: `structured_outputs.grammar` (or `guided_grammar`), the text as
 *   given (vLLM's xgrammar backend reads GBNF/EBNF and converts Lark; guidance reads Lark).
 * Throws UnsupportedCapabilityError (capability `responseFormat`) for `json_schema` on the
 * completions API of a non-vLLM server and for `grammar` anywhere but vLLM, and
 * InvalidArgumentError for a boolean schema sent to `response_format` (OpenAI needs an object
 * schema) or a `false` schema (nothing satisfies it).
 */
export function mapOpenAIResponseFormat(
  format: ResponseFormat | undefined,
  target: OpenAIStructuredOutputTarget,
  strictJsonSchema = true,
): OpenAIStructuredOutputFields {
  if (format === undefined || format.type === 'text') return {}
  const vllm = target.compatibility === 'vllm'
  if (format.type === 'json_schema') {
    if (format.schema === false) {
      throw new InvalidArgumentError({
        argument: 'responseFormat.schema',
        expected: 'a satisfiable JSON Schema (false admits no output)',
        received: false,
      })
    }
    if (vllm) {
      const schema = format.schema === true ? {} : format.schema
      return vllmGuide({ json: schema }, target.vllmFields)
    }
    if (target.api === 'completion') {
      throw new UnsupportedCapabilityError({
        capability: 'responseFormat',
        message: `${target.model} uses the completions API, which has no response_format; use a chat model ({ api: 'chat' }), a vLLM server (compatibility 'vllm'), or a local model for JSON-schema output.`,
      })
    }
    if (format.schema === true) {
      throw new InvalidArgumentError({
        argument: 'responseFormat.schema',
        expected: 'an object schema (OpenAI Structured Outputs takes no boolean schema)',
        received: true,
      })
    }
    return {
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: format.name ?? defaultResponseFormatName,
          schema: format.schema,
          strict: strictJsonSchema,
        },
      },
    }
  }
  if (vllm) return vllmGuide({ grammar: format.grammar }, target.vllmFields)
  throw new UnsupportedCapabilityError({
    capability: 'responseFormat',
    message: `${target.model}: ${target.compatibility === 'strict' ? 'the OpenAI API' : 'this OpenAI-compatible server'} has no grammar-constrained output; use a vLLM server (compatibility 'vllm', e.g. vllm:<id>) or a local model for { type: 'grammar' }.`,
  })
}

/**
 * The guided-decoding provider options (`guidedJson`, `guidedRegex`, `guidedChoice`) as wire
 * fields: on a vLLM server with `structured_outputs` fields, one `structured_outputs` object;
 * otherwise the top-level `guided_*` fields as given.
 */
export function mapGuidedProviderOptions(
  options: OpenAIProviderOptions,
  target: Pick<OpenAIStructuredOutputTarget, 'compatibility' | 'vllmFields'>,
): OpenAIStructuredOutputFields {
  const guide: VllmStructuredOutputs = {}
  if (options.guidedJson !== undefined) guide.json = options.guidedJson
  if (options.guidedRegex !== undefined) guide.regex = options.guidedRegex
  if (options.guidedChoice !== undefined) guide.choice = options.guidedChoice
  if (Object.keys(guide).length === 0) return {}
  const fields = target.compatibility === 'vllm' ? target.vllmFields : 'guided'
  return vllmGuide(guide, fields)
}

function vllmGuide(
  guide: VllmStructuredOutputs,
  fields: VllmGuidedDecodingFields,
): OpenAIStructuredOutputFields {
  if (fields === 'structured_outputs') return { structured_outputs: guide }
  const wire: OpenAIStructuredOutputFields = {}
  if (guide.json !== undefined) wire.guided_json = guide.json
  if (guide.regex !== undefined) wire.guided_regex = guide.regex
  if (guide.choice !== undefined) wire.guided_choice = guide.choice
  if (guide.grammar !== undefined) wire.guided_grammar = guide.grammar
  return wire
}
