// The `providerOptions.openai` bag: OpenAI parameters the core request has no field for, and
// the extensions of OpenAI-compatible servers (vLLM, llama.cpp server, Ollama, SGLang).
import { assertInteger, assertNumberInRange, InvalidArgumentError } from '@metagen/core'
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions'
import type { ReasoningEffort } from 'openai/resources/shared'

/**
 * Options read from `request.providerOptions.openai`. Keys in camelCase; each maps to the wire
 * field named in its comment. Fields marked "compatible servers" are extensions that
 * api.openai.com rejects: with `compatibility: 'strict'` they are dropped with a warning.
 */
export interface OpenAIProviderOptions {
  /** `logit_bias`: token id -> bias in [-100, 100]. */
  logitBias?: Record<string, number>
  /** `presence_penalty`, in [-2, 2]. */
  presencePenalty?: number
  /** `frequency_penalty`, in [-2, 2]. */
  frequencyPenalty?: number
  /** `response_format` (structured outputs, chat API): `{ type: 'json_object' }` or `{ type: 'json_schema', json_schema: {...} }` (the SDK's type; checked to be an object, sent as given). */
  responseFormat?: ChatCompletionCreateParamsBase['response_format']
  /** `json_schema.strict` of the OpenAI Structured Outputs sent for a request's `responseFormat` (default true). */
  strictJsonSchema?: boolean
  /** `reasoning_effort` of reasoning models, e.g. `low`, `medium`, `high` (the SDK's type; any string is sent as given). */
  reasoningEffort?: ReasoningEffort
  /** `user`: an end-user id for abuse monitoring. */
  user?: string
  /** Stream the response over SSE (overrides the model option `stream`). */
  stream?: boolean
  /** `min_p` in [0, 1] (compatible servers). */
  minP?: number
  /** `top_k` >= 1 (compatible servers; also set by the core `topK`). */
  topK?: number
  /** `repetition_penalty` > 0 (compatible servers; 1 = none). */
  repetitionPenalty?: number
  /** `echo`: include the prompt in completions output (completions API). */
  echo?: boolean
  /** `prompt_logprobs`: log-probabilities of prompt tokens (vLLM completions API). */
  promptLogprobs?: number
  /**
   * Guided decoding: every output matches this regular expression (vLLM, `metagen serve`). Sent
   * as `structured_outputs.regex` to `compatibility: 'vllm'` servers (see the model option
   * `vllmGuidedDecoding`), else as `guided_regex`.
   */
  guidedRegex?: string
  /** Guided decoding: every output is JSON valid under this schema (`structured_outputs.json` or `guided_json`, as `guidedRegex`). */
  guidedJson?: Record<string, unknown> | string
  /** Guided decoding: every output is one of these strings (`structured_outputs.choice` or `guided_choice`, as `guidedRegex`). */
  guidedChoice?: string[]
  /** Extra wire fields merged into the request body as-is (for anything else a server accepts). */
  extraBody?: Record<string, unknown>
}

const knownKeys = new Set([
  'logitBias',
  'presencePenalty',
  'frequencyPenalty',
  'responseFormat',
  'strictJsonSchema',
  'reasoningEffort',
  'user',
  'stream',
  'minP',
  'topK',
  'repetitionPenalty',
  'echo',
  'promptLogprobs',
  'guidedRegex',
  'guidedJson',
  'guidedChoice',
  'extraBody',
])

/**
 * Validates the `openai` namespace of `providerOptions`. Unknown keys are returned separately
 * (they become warnings); a known key with a bad value throws {@link InvalidArgumentError}.
 */
export function parseOpenAIProviderOptions(value: Record<string, unknown> | undefined): {
  options: OpenAIProviderOptions
  unknownKeys: string[]
} {
  if (value === undefined) return { options: {}, unknownKeys: [] }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError({
      argument: 'providerOptions.openai',
      expected: 'an object',
      received: value,
    })
  }
  const unknownKeys = Object.keys(value).filter((key) => !knownKeys.has(key))
  const options = value as OpenAIProviderOptions
  const name = (key: string) => `providerOptions.openai.${key}`
  if (options.logitBias !== undefined) {
    if (typeof options.logitBias !== 'object' || options.logitBias === null) {
      throw new InvalidArgumentError({
        argument: name('logitBias'),
        expected: 'an object mapping token ids to biases in [-100, 100]',
        received: options.logitBias,
      })
    }
    for (const [token, bias] of Object.entries(options.logitBias)) {
      if (!/^\d+$/.test(token)) {
        throw new InvalidArgumentError({
          argument: name('logitBias'),
          expected: 'token-id keys (non-negative integers)',
          received: token,
        })
      }
      assertNumberInRange(`${name('logitBias')}.${token}`, bias, { min: -100, max: 100 })
    }
  }
  if (options.presencePenalty !== undefined)
    assertNumberInRange(name('presencePenalty'), options.presencePenalty, { min: -2, max: 2 })
  if (options.frequencyPenalty !== undefined)
    assertNumberInRange(name('frequencyPenalty'), options.frequencyPenalty, { min: -2, max: 2 })
  if (options.minP !== undefined)
    assertNumberInRange(name('minP'), options.minP, { min: 0, max: 1 })
  if (options.topK !== undefined) assertInteger(name('topK'), options.topK, 1)
  if (options.repetitionPenalty !== undefined) {
    assertNumberInRange(name('repetitionPenalty'), options.repetitionPenalty, {
      min: 0,
      minInclusive: false,
    })
  }
  if (options.promptLogprobs !== undefined)
    assertInteger(name('promptLogprobs'), options.promptLogprobs, 0)
  if (
    options.guidedRegex !== undefined &&
    (typeof options.guidedRegex !== 'string' || options.guidedRegex === '')
  ) {
    throw new InvalidArgumentError({
      argument: name('guidedRegex'),
      expected: 'a non-empty regular expression string',
      received: options.guidedRegex,
    })
  }
  if (
    options.guidedJson !== undefined &&
    typeof options.guidedJson !== 'string' &&
    (typeof options.guidedJson !== 'object' ||
      options.guidedJson === null ||
      Array.isArray(options.guidedJson))
  ) {
    throw new InvalidArgumentError({
      argument: name('guidedJson'),
      expected: 'a JSON schema object (or its JSON text)',
      received: options.guidedJson,
    })
  }
  if (
    options.guidedChoice !== undefined &&
    (!Array.isArray(options.guidedChoice) ||
      options.guidedChoice.length === 0 ||
      options.guidedChoice.some((choice) => typeof choice !== 'string'))
  ) {
    throw new InvalidArgumentError({
      argument: name('guidedChoice'),
      expected: 'a non-empty array of strings',
      received: options.guidedChoice,
    })
  }
  const guides = (['guidedRegex', 'guidedJson', 'guidedChoice'] as const).filter(
    (key) => options[key] !== undefined,
  )
  if (guides.length > 1) {
    throw new InvalidArgumentError({
      argument: name(guides[1] as string),
      expected: `at most one of guidedRegex, guidedJson and guidedChoice (${guides[0]} is given)`,
      received: options[guides[1] as 'guidedRegex'],
    })
  }
  for (const key of ['stream', 'echo', 'strictJsonSchema'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      throw new InvalidArgumentError({
        argument: name(key),
        expected: 'a boolean',
        received: options[key],
      })
    }
  }
  for (const key of ['responseFormat', 'extraBody'] as const) {
    const field = options[key]
    if (
      field !== undefined &&
      (typeof field !== 'object' || field === null || Array.isArray(field))
    ) {
      throw new InvalidArgumentError({
        argument: name(key),
        expected: 'an object',
        received: field,
      })
    }
  }
  for (const key of ['reasoningEffort', 'user'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') {
      throw new InvalidArgumentError({
        argument: name(key),
        expected: 'a string',
        received: options[key],
      })
    }
  }
  return { options, unknownKeys }
}
