// The metagen LanguageModel over the Anthropic Messages API: N samples as N concurrent
// requests, prompt caching of the shared prefix (warm once, then fan out), streaming, retries,
// a per-instance concurrency limit, cancellation and cost accounting. No log-probabilities.

import type Anthropic from '@anthropic-ai/sdk'
import type {
  Usage as AnthropicUsage,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  StopReason,
  TextBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages'
import {
  addUsage,
  assertInteger,
  byteBoundInputTokens,
  compact,
  type FinishReason,
  type GenerateOutput,
  type GenerateRequest,
  type GenerateResult,
  type GenerateWarning,
  InvalidArgumentError,
  type LanguageModel,
  type LanguageModelCapabilities,
  type ModelPrice,
  type PromptTokenOverhead,
  promptAsMessage,
  type ResponseFormat,
  throwIfAborted,
  UnsupportedCapabilityError,
  type Usage,
  validateGenerateRequest,
} from '@metagen/core'
import {
  type ClassifiedError,
  droppedSettingWarning,
  failedSampleOutput,
  type GenerationStreamPart,
  malformedResponseError as malformed,
  missingPriceWarning,
  type RemoteCallStats,
  RemoteLanguageModel,
  type RetryPolicy,
  type TextDeltaHandler,
  throwIfAllSamplesFailed,
  toError,
  unknownProviderOptionWarnings,
} from '@metagen/provider-utils'
import {
  type AnthropicModelPrice,
  computeAnthropicCost,
  findAnthropicPrice,
} from './anthropic-prices.js'
import { parseAnthropicProviderOptions } from './anthropic-provider-options.js'
import { classifyAnthropicError } from './map-anthropic-error.js'

/**
 * The template tokens the Messages API adds to a request beyond its text, for the prompt-token
 * bound that budgets reserve (`maxInputTokens`). Anthropic documents no per-message figure and
 * its tokenizer is not public, so neither this figure nor the bound's one-token-per-byte
 * assumption can be checked offline: the declared values are core's generous default, 16 per
 * message (role markers; system messages are joined with a blank line) and 16 per request (the
 * reply primer).
 */
export const anthropicPromptTokenOverhead: PromptTokenOverhead = Object.freeze({
  perMessage: 16,
  perRequest: 16,
})

/**
 * When to mark the shared prompt with `cache_control`: `auto` when n > 1 and the prompt is
 * estimated (characters / 4) to reach `minCacheTokens`; `always` when n > 1; `off` never.
 */
export type AnthropicPromptCaching = 'auto' | 'always' | 'off'

/** Per-model options, the second argument of the provider returned by `createAnthropic`. */
export interface AnthropicModelOptions {
  /** `max_tokens` when the request gives no `maxTokens` (the API requires one), an integer >= 1 (default 1024). */
  defaultMaxTokens?: number
  /** Use SSE streaming for requests (default false); `stream()` always streams. */
  stream?: boolean
  /** Maximum requests in flight for this model instance, an integer >= 1 (default: the provider's `concurrency`). */
  concurrency?: number
  /** Prompt caching of the shared prefix when n > 1 (default `auto`). */
  promptCaching?: AnthropicPromptCaching
  /** Estimated prompt tokens from which `auto` caching is used (default 1024, the API's minimum for most models). */
  minCacheTokens?: number
  /** Cache lifetime (default `5m`; `1h` costs 2x input per written token instead of 1.25x). */
  cacheTtl?: '5m' | '1h'
  /**
   * Send `temperature`, `top_p` and `top_k` as body fields (default false). The Messages API of
   * version 2026-10-21 (SDK 1.14.0) has no sampling parameters, so by default they are dropped
   * with a warning; set this for servers or API versions that still accept them.
   */
  sendSamplingParameters?: boolean
}

/** Everything an {@link AnthropicLanguageModel} needs from its provider. */
export interface AnthropicLanguageModelConfig {
  /** Provider name in results and traces (default `anthropic`). */
  provider: string
  /** The SDK client (its own retries are not used: every call passes `maxRetries: 0`). */
  client: Anthropic
  retry: RetryPolicy
  /** Timeout of one HTTP attempt, in milliseconds. */
  timeoutMs: number
  prices: Readonly<Record<string, AnthropicModelPrice>>
  /** Default concurrency per model instance. */
  concurrency: number
}

/** Request counters of one model instance (requests, retries, retryWaitMs, failedRequests, inFlight, peakInFlight). */
export type AnthropicModelStats = RemoteCallStats

/** One event of {@link AnthropicLanguageModel.stream}: a `text-delta` of sample `index`, or the final `finish`. */
export type AnthropicStreamPart = GenerationStreamPart

/**
 * Sampling fields that SDK 1.14.0's `MessageCreateParams` no longer declares (the API version
 * 2026-10-21 dropped them); sent only with `sendSamplingParameters` to servers that take them.
 */
export interface AnthropicSamplingFields {
  temperature?: number
  top_p?: number
  top_k?: number
}

/** The request body: the SDK's Messages request type plus the sampling fields. */
type MessagesRequestBody = MessageCreateParamsNonStreaming & AnthropicSamplingFields

/** The usage fields metagen reads, from a JSON response or gathered from stream events. */
type UsageFields = Partial<
  Pick<
    AnthropicUsage,
    | 'input_tokens'
    | 'output_tokens'
    | 'cache_creation_input_tokens'
    | 'cache_read_input_tokens'
    | 'cache_creation'
  >
>

interface PreparedRequest {
  body: MessagesRequestBody
  stream: boolean
  cached: boolean
  /** The forced tool whose input is the output, for a JSON-schema `responseFormat`. */
  jsonTool: JsonOutputTool | undefined
  /**
   * Trailing whitespace cut from a trailing assistant message (the API rejects a prefill that
   * ends with whitespace); removed again from the start of each output that repeats it.
   */
  prefillWhitespace: string
}

/** The tool of a JSON-schema response format. */
interface JsonOutputTool {
  name: string
  /** The schema's root is not an object: the tool input is `{ value: <output> }`. */
  wrapped: boolean
}

interface SampleResponse {
  output: GenerateOutput
  usage: Usage
  cacheWrite1hTokens: number
}

/**
 * A language model served by the Anthropic Messages API (or a server speaking it). `generate`
 * makes `request.n` concurrent requests (at most `concurrency` in flight). With prompt caching,
 * the prompt's last block carries `cache_control`; the first request is sent alone and the
 * other n - 1 start once it has started answering (its `message_start` when streaming, its
 * whole response otherwise), so they read the cache it wrote. `stats()` counts requests.
 *
 * A `responseFormat` of type `json_schema` uses Anthropic's tool input: the request carries one
 * tool (named `responseFormat.name`, default `response`) whose `input_schema` is the schema,
 * forced by `tool_choice: { type: 'tool', name }`, and each output's text is the tool input as
 * JSON (`JSON.stringify` of it; a streamed output's text is the raw `partial_json` deltas). A
 * schema whose root is not `type: 'object'` (the API takes only object schemas) is wrapped as
 * the property `value` of an object (its `$defs` / `definitions` moved to the wrapper, so
 * `#/$defs/...` references still resolve; a reference to the root `#` does not) and unwrapped
 * in the output. Stop sequences are dropped with a warning; `grammar` formats throw
 * UnsupportedCapabilityError.
 *
 * Messages that end with an assistant message are continued (prefill): the output is the text
 * after it. The API rejects a prefill ending in whitespace, so trailing whitespace is cut from
 * it and cut again from the start of an output that begins with it (streamed deltas are the
 * raw server text).
 */
export class AnthropicLanguageModel extends RemoteLanguageModel implements LanguageModel {
  /**
   * No log-probabilities, no `n` (N requests), no seed, no scoring; chat messages; a trailing
   * assistant message is continued (prefill).
   */
  readonly capabilities: LanguageModelCapabilities = {
    logprobs: false,
    nativeN: false,
    seed: false,
    scoring: false,
    chat: true,
    continuation: 'assistant-prefill',
  }
  private readonly config: AnthropicLanguageModelConfig
  private readonly options: AnthropicModelOptions

  /**
   * The price of this model in the price table (cache writes at up to 2x the input rate are the
   * highest prompt rate), or undefined when the table has none.
   */
  get price(): ModelPrice | undefined {
    const price = findAnthropicPrice(this.modelId, this.config.prices)
    if (!price) return undefined
    return {
      inputPerMillion: price.inputPerMillion,
      outputPerMillion: price.outputPerMillion,
      maxInputPerMillion: Math.max(
        price.inputPerMillion,
        price.cacheWritePerMillion ?? price.inputPerMillion * 1.25,
        price.cacheWrite1hPerMillion ?? price.inputPerMillion * 2,
      ),
    }
  }

  /**
   * An upper bound on the prompt tokens of `request`: core's byte bound with
   * {@link anthropicPromptTokenOverhead} (a prompt counts as one user message), plus 512 per
   * sample for the system prompt Anthropic adds to a structured-output request (answered by
   * tool use).
   */
  maxInputTokens(request: GenerateRequest): number {
    const toolUse = request.responseFormat?.type === 'json_schema' ? 512 * (request.n ?? 1) : 0
    return byteBoundInputTokens(promptAsMessage(request), anthropicPromptTokenOverhead) + toolUse
  }

  constructor(
    modelId: string,
    config: AnthropicLanguageModelConfig,
    options: AnthropicModelOptions = {},
  ) {
    super(modelId, { ...config, concurrency: options.concurrency ?? config.concurrency })
    if (options.defaultMaxTokens !== undefined)
      assertInteger('options.defaultMaxTokens', options.defaultMaxTokens, 1)
    if (options.minCacheTokens !== undefined)
      assertInteger('options.minCacheTokens', options.minCacheTokens, 0)
    if (
      options.promptCaching !== undefined &&
      !['auto', 'always', 'off'].includes(options.promptCaching)
    ) {
      throw new InvalidArgumentError({
        argument: 'options.promptCaching',
        expected: '"auto", "always" or "off"',
        received: options.promptCaching,
      })
    }
    if (options.cacheTtl !== undefined && options.cacheTtl !== '5m' && options.cacheTtl !== '1h') {
      throw new InvalidArgumentError({
        argument: 'options.cacheTtl',
        expected: '"5m" or "1h"',
        received: options.cacheTtl,
      })
    }
    this.config = config
    this.options = options
  }

  protected async run(
    request: GenerateRequest,
    onDelta: TextDeltaHandler | undefined,
    forceStream: boolean,
  ): Promise<GenerateResult> {
    validateGenerateRequest(request)
    throwIfAborted(request.signal)
    const warnings: GenerateWarning[] = []
    const n = request.n ?? 1
    const prepared = this.prepare(request, n, warnings)
    if (forceStream) prepared.stream = true
    const responses: Array<SampleResponse | Error> = new Array(n)
    const runSample = async (index: number, onStarted?: () => void) => {
      try {
        responses[index] = await this.requestSample(
          prepared,
          index,
          request.signal,
          onDelta,
          onStarted,
        )
      } catch (error) {
        responses[index] = toError(error)
      } finally {
        onStarted?.()
      }
    }
    if (prepared.cached && n > 1) {
      let markStarted: () => void = () => {}
      const started = new Promise<void>((resolve) => {
        markStarted = resolve
      })
      const first = runSample(0, markStarted)
      await started
      await Promise.all([
        first,
        ...Array.from({ length: n - 1 }, (_, offset) => runSample(offset + 1)),
      ])
    } else {
      await Promise.all(Array.from({ length: n }, (_, index) => runSample(index)))
    }
    const outputs = responses.map((response) =>
      response instanceof Error ? failedSampleOutput(response) : response.output,
    )
    throwIfAllSamplesFailed(outputs, { provider: this.provider, signal: request.signal })
    const succeeded = responses.filter(
      (response): response is SampleResponse => !(response instanceof Error),
    )
    const usage = addUsage(...succeeded.map((response) => response.usage))
    const price = findAnthropicPrice(this.modelId, this.config.prices)
    if (price) {
      const write1h = succeeded.reduce((total, response) => total + response.cacheWrite1hTokens, 0)
      usage.costUsd = computeAnthropicCost(usage, price, write1h)
    } else {
      warnings.push(missingPriceWarning(this.modelId, 'createAnthropic'))
    }
    return { outputs, usage, warnings }
  }

  private prepare(
    request: GenerateRequest,
    n: number,
    warnings: GenerateWarning[],
  ): PreparedRequest {
    const { options: extra, unknownKeys } = parseAnthropicProviderOptions(
      request.providerOptions?.anthropic,
    )
    warnings.push(...unknownProviderOptionWarnings('anthropic', unknownKeys))
    const drop = (setting: string, why: string) =>
      warnings.push(droppedSettingWarning(setting, why))
    const messages = request.messages ?? [{ role: 'user' as const, content: request.prompt ?? '' }]
    const system = messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
    const turns: MessageParam[] = messages.flatMap((message) =>
      message.role === 'system' ? [] : [{ role: message.role, content: message.content }],
    )
    const last = turns.at(-1)
    let prefillWhitespace = ''
    if (last?.role === 'assistant' && typeof last.content === 'string') {
      const trimmed = last.content.replace(/\s+$/, '')
      prefillWhitespace = last.content.slice(trimmed.length)
      last.content = trimmed
    }
    if (last === undefined) {
      throw new InvalidArgumentError({
        argument: 'messages',
        expected: 'at least one user or assistant message besides system messages',
        received: request.messages,
      })
    }
    const body: MessagesRequestBody = {
      model: this.modelId,
      max_tokens: request.maxTokens ?? this.options.defaultMaxTokens ?? 1024,
      messages: turns,
    }
    if (system.length > 0) body.system = system.join('\n\n')
    const jsonTool = applyResponseFormat(body, request.responseFormat, {
      model: `${this.provider}:${this.modelId}`,
      thinking: extra.thinking,
    })
    if (request.stop && request.stop.length > 0) {
      if (jsonTool)
        drop(
          'stop',
          'stop sequences are ignored with a responseFormat (the output ends where the format is complete).',
        )
      else body.stop_sequences = [...request.stop]
    }
    const sampling = [
      ['temperature', 'temperature'],
      ['topP', 'top_p'],
      ['topK', 'top_k'],
    ] as const
    for (const [field, wire] of sampling) {
      const value = request[field]
      if (value === undefined) continue
      if (this.options.sendSamplingParameters) body[wire] = value
      else
        drop(
          field,
          'the Anthropic Messages API (version 2026-10-21) has no sampling parameters; the model samples with its defaults (set sendSamplingParameters for servers that accept them).',
        )
    }
    if (request.seed !== undefined) drop('seed', 'the Anthropic API has no seed.')
    if (request.logprobs)
      drop(
        'logprobs',
        'the Anthropic API returns no log-probabilities (capabilities.logprobs is false).',
      )
    if (request.topLogprobs !== undefined)
      drop('topLogprobs', 'the Anthropic API returns no log-probabilities.')
    if (extra.thinking !== undefined) body.thinking = extra.thinking
    if (extra.outputConfig !== undefined) body.output_config = extra.outputConfig
    if (extra.metadata !== undefined) body.metadata = extra.metadata
    if (extra.serviceTier !== undefined) body.service_tier = extra.serviceTier
    const mode = this.options.promptCaching ?? 'auto'
    const promptCharacters = messages.reduce((total, message) => total + message.content.length, 0)
    const cached =
      n > 1 &&
      (mode === 'always' ||
        (mode === 'auto' && promptCharacters / 4 >= (this.options.minCacheTokens ?? 1024)))
    if (cached && typeof last.content === 'string') {
      const block: TextBlockParam = {
        type: 'text',
        text: last.content,
        cache_control: { type: 'ephemeral', ...compact({ ttl: this.options.cacheTtl }) },
      }
      last.content = [block]
    }
    if (extra.extraBody) Object.assign(body, extra.extraBody)
    return {
      body,
      stream: extra.stream ?? this.options.stream ?? false,
      cached,
      jsonTool,
      prefillWhitespace,
    }
  }

  private async requestSample(
    prepared: PreparedRequest,
    index: number,
    signal: AbortSignal | undefined,
    onDelta: TextDeltaHandler | undefined,
    onStarted: (() => void) | undefined,
  ): Promise<SampleResponse> {
    const response = await this.runner.run(
      (attemptSignal) =>
        prepared.stream
          ? this.streamRequest(prepared, index, attemptSignal, onDelta, onStarted)
          : this.jsonRequest(prepared, attemptSignal),
      signal,
    )
    const whitespace = prepared.prefillWhitespace
    if (whitespace !== '' && response.output.text.startsWith(whitespace)) {
      response.output.text = response.output.text.slice(whitespace.length)
    }
    return response
  }

  protected classify(error: unknown): ClassifiedError {
    return classifyAnthropicError(error, {
      timeoutMs: this.config.timeoutMs,
      provider: this.provider,
    })
  }

  private async jsonRequest(
    prepared: PreparedRequest,
    signal: AbortSignal | undefined,
  ): Promise<SampleResponse> {
    const { jsonTool } = prepared
    const message: Message | null = await this.config.client.messages.create(
      prepared.body,
      this.requestOptions(signal),
    )
    // the SDK returns whatever JSON the server sent
    if (message === null || typeof message !== 'object' || !Array.isArray(message.content)) {
      throw malformed('the body has no content array', this.provider)
    }
    let text = message.content
      .map((block) => (block.type === 'text' ? (block.text ?? '') : ''))
      .join('')
    if (jsonTool) {
      const call = message.content.find(
        (block) => block.type === 'tool_use' && block.name === jsonTool.name,
      )
      // no tool call: the output was cut (max_tokens) before the tool input began
      text = ''
      if (call?.type === 'tool_use') {
        const input = jsonTool.wrapped
          ? (call.input as { value?: unknown } | null)?.value
          : call.input
        text = input === undefined ? '' : JSON.stringify(input)
      }
    }
    return {
      output: { text, finishReason: mapStopReason(message.stop_reason, jsonTool !== undefined) },
      ...mapUsage(message.usage, this.provider),
    }
  }

  private async streamRequest(
    prepared: PreparedRequest,
    index: number,
    signal: AbortSignal | undefined,
    onDelta: TextDeltaHandler | undefined,
    onStarted: (() => void) | undefined,
  ): Promise<SampleResponse> {
    let text = ''
    let stopReason: StopReason | null | undefined
    let usage: UsageFields | undefined
    let emitted = false
    const { jsonTool } = prepared
    // the JSON of the forced tool's input, from its input_json_delta events
    let toolJson = ''
    let toolBlock: number | undefined
    const emit = (delta: string) => {
      text += delta
      emitted = true
      onDelta?.(index, delta)
    }
    try {
      const stream = await this.config.client.messages.create(
        { ...prepared.body, stream: true },
        this.requestOptions(signal),
      )
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start':
            usage = { ...event.message?.usage }
            onStarted?.()
            break
          case 'content_block_start':
            if (jsonTool) {
              if (
                event.content_block?.type === 'tool_use' &&
                event.content_block.name === jsonTool.name
              )
                toolBlock = event.index
            } else if (event.content_block?.type === 'text' && event.content_block.text)
              emit(event.content_block.text)
            break
          case 'content_block_delta':
            if (jsonTool) {
              if (event.index === toolBlock && event.delta?.type === 'input_json_delta') {
                toolJson += event.delta.partial_json ?? ''
                // a wrapped input is unwrapped once complete
                if (!jsonTool.wrapped && event.delta.partial_json) emit(event.delta.partial_json)
              }
            } else if (event.delta?.type === 'text_delta' && event.delta.text)
              emit(event.delta.text)
            break
          case 'message_delta': {
            stopReason = event.delta?.stop_reason ?? stopReason
            const update = event.usage
            // a delta's null fields mean "unchanged"
            usage = {
              ...usage,
              ...compact({
                input_tokens: update?.input_tokens ?? undefined,
                output_tokens: update?.output_tokens ?? undefined,
                cache_creation_input_tokens: update?.cache_creation_input_tokens ?? undefined,
                cache_read_input_tokens: update?.cache_read_input_tokens ?? undefined,
              }),
            }
            break
          }
          default:
            break
        }
      }
    } catch (error) {
      throw this.streamFailure(error, emitted)
    }
    if (usage === undefined) throw malformed('the stream had no message_start event', this.provider)
    if (jsonTool?.wrapped && toolJson !== '' && stopReason === 'tool_use') {
      let value: unknown
      try {
        value = (JSON.parse(toolJson) as { value?: unknown } | null)?.value
      } catch (error) {
        throw malformed(`the tool input is not JSON (${toErrorMessage(error)})`, this.provider)
      }
      if (value !== undefined) emit(JSON.stringify(value))
    }
    return {
      output: { text, finishReason: mapStopReason(stopReason, jsonTool !== undefined) },
      ...mapUsage(usage, this.provider),
    }
  }
}

/**
 * Adds the forced JSON tool of a `json_schema` response format to `body` and returns it
 * (undefined for no format or `text`). Throws UnsupportedCapabilityError for a grammar and
 * InvalidArgumentError for a `false` schema or extended thinking (which the API does not allow
 * with a forced tool).
 */
function applyResponseFormat(
  body: MessagesRequestBody,
  format: ResponseFormat | undefined,
  context: { model: string; thinking: { type?: string } | undefined },
): JsonOutputTool | undefined {
  if (format === undefined || format.type === 'text') return undefined
  if (format.type === 'grammar') {
    throw new UnsupportedCapabilityError({
      capability: 'responseFormat',
      message: `${context.model}: the Anthropic API has no grammar-constrained output; use a local model or a vLLM server for { type: 'grammar' } (JSON schemas work here).`,
    })
  }
  if (format.schema === false) {
    throw new InvalidArgumentError({
      argument: 'responseFormat.schema',
      expected: 'a satisfiable JSON Schema (false admits no output)',
      received: false,
    })
  }
  if (context.thinking !== undefined && context.thinking.type !== 'disabled') {
    throw new InvalidArgumentError({
      argument: 'providerOptions.anthropic.thinking',
      expected:
        'absent or { type: "disabled" } with a json_schema responseFormat (the API forbids forced tool use with extended thinking)',
      received: context.thinking,
    })
  }
  const schema: Record<string, unknown> = format.schema === true ? {} : format.schema
  const wrapped = schema.type !== 'object'
  let inputSchema: Tool.InputSchema
  if (wrapped) {
    const { $defs, definitions, $schema, ...value } = schema
    inputSchema = {
      type: 'object',
      properties: { value },
      required: ['value'],
      additionalProperties: false,
      ...compact({ $defs, definitions, $schema }),
    }
  } else {
    inputSchema = schema as Tool.InputSchema
  }
  const name = format.name ?? 'response'
  body.tools = [
    {
      name,
      description: wrapped
        ? 'Give the response as the `value` of this tool input.'
        : 'Give the response as this tool input.',
      input_schema: inputSchema,
    },
  ]
  body.tool_choice = { type: 'tool', name, disable_parallel_tool_use: true }
  return { name, wrapped }
}

function toErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function mapStopReason(reason: StopReason | null | undefined, toolOutput = false): FinishReason {
  switch (reason) {
    case 'tool_use':
      // the forced JSON tool's call is the whole answer
      return toolOutput ? 'stop' : 'other'
    case 'end_turn':
    case 'stop_sequence':
      return 'stop'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'refusal':
      return 'content-filter'
    default:
      return 'other'
  }
}

function mapUsage(
  usage: UsageFields | null | undefined,
  provider: string,
): { usage: Usage; cacheWrite1hTokens: number } {
  // the SDK's types promise numbers; servers do not always keep the promise
  const inputTokens: unknown = usage?.input_tokens
  const outputTokens: unknown = usage?.output_tokens
  if (typeof inputTokens !== 'number' || typeof outputTokens !== 'number') {
    throw malformed('usage.input_tokens / usage.output_tokens are not numbers', provider)
  }
  const written =
    typeof usage?.cache_creation_input_tokens === 'number' ? usage.cache_creation_input_tokens : 0
  const read =
    typeof usage?.cache_read_input_tokens === 'number' ? usage.cache_read_input_tokens : 0
  const write1h: unknown = usage?.cache_creation?.ephemeral_1h_input_tokens
  return {
    usage: {
      // the API's input_tokens excludes cache writes and reads; metagen's inputTokens counts all
      inputTokens: inputTokens + written + read,
      outputTokens: outputTokens,
      calls: 1,
      cachedInputTokens: read,
      cacheWriteInputTokens: written,
    },
    cacheWrite1hTokens: typeof write1h === 'number' ? write1h : 0,
  }
}
