// Validation of the JSON bodies of /v1/completions and /v1/chat/completions into one normalized
// request, with errors that name the wire field (e.g. `top_p`) and what was expected.
import {
  assertInteger,
  assertNumberInRange,
  type ChatMessage,
  InvalidArgumentError,
} from '@metagen/core'
import { chatMessagesToPrompt, parseChatMessages } from './chat-prompt.js'
import { type GuidedDecoding, parseGuidedDecoding } from './vllm-extensions.js'

/** Largest accepted `n` (samples per prompt). */
export const maxSamplesPerRequest = 128

/** A validated completion or chat completion request. */
export interface ParsedRequest {
  /** Which endpoint: `completion` (/v1/completions) or `chat` (/v1/chat/completions). */
  kind: 'completion' | 'chat'
  /** The field that set the token limit (`max_tokens` or chat's `max_completion_tokens`). */
  maxTokensField?: string
  /** `stream: true`: answer with server-sent events. */
  stream: boolean
  /** `stream_options.include_usage`: a last chunk with the usage. */
  includeUsage?: boolean
  /**
   * Sampling extensions of vLLM (`top_k`, `min_p`, `repetition_penalty`, `min_tokens`) as
   * `providerOptions.metagen` of the language model (`topK`, `minP`, `repetitionPenalty`,
   * `minNewTokens`).
   */
  providerOptions?: Record<string, Record<string, unknown>>
  /** The requested model id (not yet checked against the served models). */
  model: string
  /** The prompts: one for chat, one or more for completions (choices are grouped by prompt). */
  prompts: string[]
  /** Chat messages kept as such (a served remote chat model); `prompts` then holds their joined text. */
  messages?: ChatMessage[]
  /** Samples per prompt, an integer in [1, {@link maxSamplesPerRequest}] (default 1). */
  n: number
  /** Maximum generated tokens per sample, an integer >= 1 (default: the server's). */
  maxTokens?: number
  /** Sampling temperature in [0, 2]; 0 is greedy (default: the backend's, 1). */
  temperature?: number
  /** Nucleus sampling mass in (0, 1]. */
  topP?: number
  /** Seed, an integer in [0, 2^32). */
  seed?: number
  /** Stop strings (each non-empty). */
  stop?: string[]
  /** Whether per-token log-probabilities were requested. */
  logprobs: boolean
  /** Alternatives per position with `logprobs`, an integer >= 0. */
  topLogprobs?: number
  /** The `metagen.strategy` extension: a strategy spec (validated when it is built). */
  strategy?: unknown
  /** `echo: true` (completions): the prompt is returned before the completion, with its logprobs. */
  echo?: boolean
  /** vLLM `prompt_logprobs` (completions): log-probabilities of the prompt tokens (only 0 alternatives). */
  promptLogprobs?: number
  /** `best_of` (completions): samples drawn per prompt, of which the `n` most likely are returned. */
  bestOf?: number
  /** Guided decoding (`guided_regex`, `guided_json`, `guided_choice`, `response_format`). */
  guided?: GuidedDecoding
}

/**
 * Parses a request body. Chat messages become one prompt through `options.chatTemplate` (the
 * served model's own template) or, without one, the tinymath rule of chatMessagesToPrompt.
 * `kind` selects the wire format: `completion` (`prompt`, integer
 * `logprobs` in [0, 5]) or `chat` (`messages`, boolean `logprobs` plus `top_logprobs` in
 * [0, 20]). `null` counts as absent. Options the server cannot honour (`stream`, `echo`,
 * `suffix`, `best_of` > 1, `logit_bias`, penalties, `tools`, a non-text `response_format`) throw
 * rather than being ignored. Throws InvalidArgumentError naming the first bad field.
 */
export function parseRequest(
  body: unknown,
  kind: 'completion' | 'chat',
  options: {
    chatTemplate?: (messages: readonly ChatMessage[]) => string
    /** Keep chat messages as messages (for a served remote chat model) instead of one prompt. */
    keepMessages?: boolean
  } = {},
): ParsedRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError({
      argument: 'body',
      expected: 'a JSON object',
      received: body,
    })
  }
  const fields = body as Record<string, unknown>
  const get = (name: string) => (fields[name] === null ? undefined : fields[name])
  rejectUnsupported(get)

  const model = get('model')
  if (typeof model !== 'string' || model.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'model',
      expected: 'a model id string',
      received: model,
    })
  }
  const continueFinalMessage = kind === 'chat' ? parseContinueFinalMessage(get) : false
  const messages =
    kind === 'chat' && options.keepMessages ? parseChatMessages(get('messages')) : undefined
  const prompts = messages
    ? [messages.map((message) => message.content).join('\n')]
    : kind === 'chat'
      ? [
          chatMessagesToPrompt(get('messages'), options.chatTemplate, {
            continueFinalMessage,
          }),
        ]
      : parsePrompts(get('prompt'))

  const n = get('n') ?? 1
  assertInteger('n', n, 1)
  if ((n as number) > maxSamplesPerRequest) {
    throw new InvalidArgumentError({
      argument: 'n',
      expected: `an integer in [1, ${maxSamplesPerRequest}]`,
      received: n,
    })
  }
  const parsed: ParsedRequest = {
    kind,
    model,
    prompts,
    ...(messages ? { messages } : {}),
    n: n as number,
    logprobs: false,
    stream: get('stream') === true,
  }
  const streamOptions = get('stream_options')
  if (streamOptions !== undefined) {
    if (typeof streamOptions !== 'object' || Array.isArray(streamOptions) || !parsed.stream) {
      throw new InvalidArgumentError({
        argument: 'stream_options',
        expected: 'an object { include_usage?: boolean }, only with stream: true',
        received: streamOptions,
      })
    }
    const includeUsage = (streamOptions as Record<string, unknown>).include_usage
    if (includeUsage !== undefined && typeof includeUsage !== 'boolean') {
      throw new InvalidArgumentError({
        argument: 'stream_options.include_usage',
        expected: 'a boolean',
        received: includeUsage,
      })
    }
    if (includeUsage === true) parsed.includeUsage = true
  }
  const extensions = parseSamplingExtensions(get)
  if (extensions) parsed.providerOptions = { metagen: extensions }

  const maxTokensField =
    kind === 'chat' && get('max_completion_tokens') !== undefined
      ? 'max_completion_tokens'
      : 'max_tokens'
  if (kind === 'completion') {
    const echo = get('echo')
    if (echo !== undefined && typeof echo !== 'boolean') {
      throw new InvalidArgumentError({ argument: 'echo', expected: 'a boolean', received: echo })
    }
    if (echo === true) parsed.echo = true
    const promptLogprobs = get('prompt_logprobs')
    if (promptLogprobs !== undefined) {
      if (promptLogprobs !== 0) {
        throw new InvalidArgumentError({
          argument: 'prompt_logprobs',
          expected: '0 (the log-probability of each prompt token; no alternatives)',
          received: promptLogprobs,
        })
      }
      parsed.promptLogprobs = 0
    }
    if (parsed.stream && (parsed.echo || parsed.promptLogprobs !== undefined)) {
      throw new InvalidArgumentError({
        argument: parsed.echo ? 'echo' : 'prompt_logprobs',
        expected: 'to be absent with stream: true',
        received: parsed.echo ? true : parsed.promptLogprobs,
      })
    }
    const bestOf = get('best_of')
    if (bestOf !== undefined && bestOf !== 1) {
      assertInteger('best_of', bestOf, parsed.n)
      if (parsed.stream) {
        throw new InvalidArgumentError({
          argument: 'best_of',
          expected: '1 or absent with stream: true',
          received: bestOf,
        })
      }
      parsed.bestOf = bestOf as number
    }
  }
  if (kind === 'chat') {
    for (const field of ['echo', 'prompt_logprobs', 'best_of']) {
      const value = get(field)
      if (value !== undefined && value !== false && value !== 1) {
        throw new InvalidArgumentError({
          argument: field,
          expected: 'absent in chat requests (use /v1/completions)',
          received: value,
        })
      }
    }
  }
  const guided = parseGuidedDecoding(get)
  if (guided) parsed.guided = guided
  const maxTokens = get(maxTokensField)
  if (maxTokens !== undefined) {
    // max_tokens 0 scores the prompt only (echo / prompt_logprobs), as OpenAI and vLLM allow.
    const scoresOnly = parsed.echo === true || parsed.promptLogprobs !== undefined
    assertInteger(maxTokensField, maxTokens, scoresOnly ? 0 : 1)
    parsed.maxTokens = maxTokens as number
    parsed.maxTokensField = maxTokensField
  }
  const temperature = get('temperature')
  if (temperature !== undefined) {
    assertNumberInRange('temperature', temperature, { min: 0, max: 2 })
    parsed.temperature = temperature as number
  }
  const topP = get('top_p')
  if (topP !== undefined) {
    assertNumberInRange('top_p', topP, { min: 0, max: 1, minInclusive: false })
    parsed.topP = topP as number
  }
  const seed = get('seed')
  if (seed !== undefined) {
    assertInteger('seed', seed, 0)
    assertNumberInRange('seed', seed, { min: 0, max: 0xffffffff })
    parsed.seed = seed as number
  }
  const stop = parseStop(get('stop'))
  if (stop !== undefined) parsed.stop = stop

  if (kind === 'completion') {
    const logprobs = get('logprobs')
    if (logprobs !== undefined) {
      assertInteger('logprobs', logprobs, 0)
      assertNumberInRange('logprobs', logprobs, { min: 0, max: 5 })
      parsed.logprobs = true
      parsed.topLogprobs = logprobs as number
    }
  } else {
    const logprobs = get('logprobs')
    if (logprobs !== undefined && typeof logprobs !== 'boolean') {
      throw new InvalidArgumentError({
        argument: 'logprobs',
        expected: 'a boolean',
        received: logprobs,
      })
    }
    const topLogprobs = get('top_logprobs')
    if (topLogprobs !== undefined) {
      assertInteger('top_logprobs', topLogprobs, 0)
      assertNumberInRange('top_logprobs', topLogprobs, { min: 0, max: 20 })
      if (logprobs !== true) {
        throw new InvalidArgumentError({
          argument: 'top_logprobs',
          expected: 'to be used only with logprobs: true',
          received: topLogprobs,
        })
      }
      parsed.topLogprobs = topLogprobs as number
    }
    parsed.logprobs = logprobs === true
  }

  const extension = get('metagen')
  if (extension !== undefined) {
    if (typeof extension !== 'object' || Array.isArray(extension)) {
      throw new InvalidArgumentError({
        argument: 'metagen',
        expected: 'an object { strategy: <strategy spec> }',
        received: extension,
      })
    }
    const strategy = (extension as Record<string, unknown>).strategy
    if (strategy === undefined || strategy === null) {
      throw new InvalidArgumentError({
        argument: 'metagen.strategy',
        expected:
          'a strategy spec such as { "strategy": "best-of-n", "n": 16, "scorer": "step-checker" }',
        received: strategy,
      })
    }
    if (parsed.logprobs) {
      throw new InvalidArgumentError({
        argument: 'logprobs',
        expected:
          'to be absent with metagen.strategy (strategy outputs carry no token log-probabilities)',
        received: fields.logprobs,
      })
    }
    for (const [field, given] of [
      ['echo', parsed.echo],
      ['prompt_logprobs', parsed.promptLogprobs],
      ['best_of', parsed.bestOf],
      [parsed.guided?.field ?? 'guided_json', parsed.guided],
    ] as const) {
      if (given !== undefined) {
        throw new InvalidArgumentError({
          argument: field,
          expected: 'to be absent with metagen.strategy (the strategy decides how it samples)',
          received: fields[field],
        })
      }
    }
    parsed.strategy = strategy
  }
  return parsed
}

/**
 * vLLM's sampling extensions, validated, as metagen sampling options; undefined when none is
 * given. `top_k` -1 (vLLM's "off") counts as absent.
 */
function parseSamplingExtensions(
  get: (name: string) => unknown,
): Record<string, unknown> | undefined {
  const options: Record<string, unknown> = {}
  const topK = get('top_k')
  if (topK !== undefined && topK !== -1) {
    assertInteger('top_k', topK, 1)
    options.topK = topK
  }
  const minP = get('min_p')
  if (minP !== undefined && minP !== 0) {
    assertNumberInRange('min_p', minP, { min: 0, max: 1 })
    options.minP = minP
  }
  const repetitionPenalty = get('repetition_penalty')
  if (repetitionPenalty !== undefined && repetitionPenalty !== 1) {
    assertNumberInRange('repetition_penalty', repetitionPenalty, {
      min: 0,
      max: Number.MAX_VALUE,
      minInclusive: false,
    })
    options.repetitionPenalty = repetitionPenalty
  }
  const minTokens = get('min_tokens')
  if (minTokens !== undefined && minTokens !== 0) {
    assertInteger('min_tokens', minTokens, 0)
    options.minNewTokens = minTokens
  }
  return Object.keys(options).length > 0 ? options : undefined
}

function parsePrompts(prompt: unknown): string[] {
  if (typeof prompt === 'string') return [prompt]
  if (
    Array.isArray(prompt) &&
    prompt.length > 0 &&
    prompt.every((item) => typeof item === 'string')
  ) {
    return prompt as string[]
  }
  throw new InvalidArgumentError({
    argument: 'prompt',
    expected: 'a string or a non-empty array of strings (token-id prompts are not supported)',
    received: prompt,
  })
}

function parseStop(stop: unknown): string[] | undefined {
  if (stop === undefined) return undefined
  const list = typeof stop === 'string' ? [stop] : stop
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
    throw new InvalidArgumentError({
      argument: 'stop',
      expected: 'a non-empty string or an array of non-empty strings',
      received: stop,
    })
  }
  return list as string[]
}

/**
 * vLLM's `continue_final_message` and `add_generation_prompt` (booleans; vLLM's defaults false
 * and true). Continuing the final message means no generation prompt after it, so both true is
 * an error, as in vLLM. Otherwise the generation prompt is always added, so
 * `add_generation_prompt: false` without `continue_final_message: true` is an error too rather
 * than ignored. Returns whether to continue the final message.
 */
function parseContinueFinalMessage(get: (name: string) => unknown): boolean {
  for (const name of ['continue_final_message', 'add_generation_prompt']) {
    const value = get(name)
    if (value !== undefined && typeof value !== 'boolean') {
      throw new InvalidArgumentError({ argument: name, expected: 'a boolean', received: value })
    }
  }
  const continueFinal = get('continue_final_message') === true
  if (continueFinal && get('add_generation_prompt') === true) {
    throw new InvalidArgumentError({
      argument: 'add_generation_prompt',
      expected: 'false or absent with continue_final_message: true (as in vLLM)',
      received: true,
    })
  }
  if (!continueFinal && get('add_generation_prompt') === false) {
    throw new InvalidArgumentError({
      argument: 'add_generation_prompt',
      expected:
        'true or absent (the generation prompt is always added; to continue a final assistant message send continue_final_message: true)',
      received: false,
    })
  }
  return continueFinal
}

function rejectUnsupported(get: (name: string) => unknown): void {
  const unsupported = (name: string, expected: string, isDefault: (value: unknown) => boolean) => {
    const value = get(name)
    if (value !== undefined && !isDefault(value)) {
      throw new InvalidArgumentError({ argument: name, expected, received: value })
    }
  }
  unsupported('stream', 'a boolean', (value) => typeof value === 'boolean')
  unsupported('suffix', 'absent (suffix is not supported)', () => false)
  unsupported(
    'logit_bias',
    'an empty object or absent',
    (value) => typeof value === 'object' && value !== null && Object.keys(value).length === 0,
  )
  unsupported('presence_penalty', '0 or absent', (value) => value === 0)
  unsupported('frequency_penalty', '0 or absent', (value) => value === 0)
  unsupported(
    'tools',
    'absent (tool calls are not supported)',
    (value) => Array.isArray(value) && value.length === 0,
  )
}
