// The metagen LanguageModel over the openai SDK: chat completions and legacy completions of
// OpenAI and of OpenAI-compatible servers, with n, log-probabilities, streaming, retries,
// a per-instance concurrency limit, cancellation and cost accounting.
import {
  addUsage,
  assertInteger,
  type FinishReason,
  type GenerateOutput,
  type GenerateRequest,
  type GenerateResult,
  type GenerateWarning,
  InvalidArgumentError,
  type LanguageModel,
  type LanguageModelCapabilities,
  type ScoreContinuationsRequest,
  type ScoreContinuationsResult,
  type TokenLogprob,
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
  unknownProviderOptionWarnings,
} from '@metagen/provider-utils'
import type OpenAI from 'openai'
import { classifyOpenAIError } from './map-openai-error.js'
import { computeOpenAICost, findOpenAIPrice, type OpenAIModelPrice } from './openai-prices.js'
import { compatibleOnlyKeys, parseOpenAIProviderOptions } from './openai-provider-options.js'

/** Which OpenAI endpoint a model uses. */
export type OpenAIApi = 'chat' | 'completion'

/**
 * `strict`: the server is api.openai.com, so extensions of compatible servers (min_p, top_k,
 * repetition_penalty, prompt_logprobs) are dropped with a warning and at most 4 stop sequences
 * are sent. `compatible`: a vLLM / llama.cpp / Ollama / SGLang server that accepts them.
 */
export type OpenAICompatibility = 'strict' | 'compatible'

/** Per-model options, the second argument of the provider returned by `createOpenAI`. */
export interface OpenAIModelOptions {
  /** Endpoint: `chat` (/chat/completions) or `completion` (/completions). Default: `completion` for `*-instruct`, `davinci-002`, `babbage-002`, else `chat`. */
  api?: OpenAIApi
  /** Treat the model as a reasoning model (no temperature, top_p, logprobs, stop). Default: detected from the id (o1/o3/o4 families and gpt-5 except gpt-5-chat). */
  reasoning?: boolean
  /** Send `n` to the server (default true). False: one request per sample (for servers that ignore `n`). */
  nativeN?: boolean
  /** Largest `n` of one request, an integer >= 1 (default 128, OpenAI's limit); larger n are split. */
  maxNPerRequest?: number
  /** Use SSE streaming for requests (default false); `stream()` always streams. */
  stream?: boolean
  /** Maximum requests in flight for this model instance, an integer >= 1 (default: the provider's `concurrency`). */
  concurrency?: number
  /** How `scoreContinuations` gets prompt log-probabilities: `echo` (echo + logprobs, OpenAI legacy and vLLM) or `prompt-logprobs` (vLLM `prompt_logprobs`). Default `echo`. */
  scoring?: 'echo' | 'prompt-logprobs'
  /** Stop sequences sent to the server; the rest are applied client-side. Default 4 (strict) or unlimited (compatible). */
  maxStopSequences?: number
}

/** Everything an {@link OpenAILanguageModel} needs from its provider. */
export interface OpenAILanguageModelConfig {
  /** Provider name in results and traces (default `openai`). */
  provider: string
  /** The SDK client (its own retries are not used: every call passes `maxRetries: 0`). */
  client: OpenAI
  compatibility: OpenAICompatibility
  retry: RetryPolicy
  /** Timeout of one HTTP attempt, in milliseconds. */
  timeoutMs: number
  /** Price table (built-in table merged with the provider's `prices`). */
  prices: Readonly<Record<string, OpenAIModelPrice>>
  /** Default concurrency per model instance. */
  concurrency: number
}

/** Request counters of one model instance (requests, retries, retryWaitMs, failedRequests, inFlight, peakInFlight). */
export type OpenAIModelStats = RemoteCallStats

/** One event of {@link OpenAILanguageModel.stream}: a `text-delta` of sample `index`, or the final `finish`. */
export type OpenAIStreamPart = GenerationStreamPart

/** True for model ids of reasoning models (o1, o3, o4 families, gpt-5 except its chat variant). */
export function isOpenAIReasoningModel(modelId: string): boolean {
  if (/^o\d+(-|$)/.test(modelId)) return true
  return /^gpt-5/.test(modelId) && !/chat/.test(modelId)
}

interface PreparedRequest {
  body: Record<string, unknown>
  /** Stop strings applied after the response (not sent to the server). */
  clientStops: string[]
  stream: boolean
  logprobsRequested: boolean
  /** Prompt length in characters (completions: to strip echoes). */
  promptLength: number
}

interface Batch {
  /** Index of the first sample. */
  start: number
  count: number
  /** Sends no `n` at all. */
  single: boolean
}

interface BatchResponse {
  outputs: GenerateOutput[]
  usage: Usage
}

/**
 * A language model served by an OpenAI(-compatible) API. `generate` sends `n` to the server in
 * requests of at most `maxNPerRequest` (or one request per sample with `nativeN: false`; sample
 * i then gets seed `seed + i`). `stream` deltas are raw server text: client-side stop sequences
 * (see `maxStopSequences`) are applied only to the final result. `stats()` counts requests.
 */
export class OpenAILanguageModel extends RemoteLanguageModel implements LanguageModel {
  readonly capabilities: LanguageModelCapabilities
  /** The endpoint this model calls. */
  readonly api: OpenAIApi
  /** Whether the model is treated as a reasoning model (see {@link OpenAIModelOptions.reasoning}). */
  readonly isReasoningModel: boolean
  private readonly config: OpenAILanguageModelConfig
  private readonly options: OpenAIModelOptions

  constructor(
    modelId: string,
    config: OpenAILanguageModelConfig,
    options: OpenAIModelOptions = {},
  ) {
    super(modelId, { ...config, concurrency: options.concurrency ?? config.concurrency })
    if (options.maxNPerRequest !== undefined)
      assertInteger('options.maxNPerRequest', options.maxNPerRequest, 1)
    if (options.maxStopSequences !== undefined)
      assertInteger('options.maxStopSequences', options.maxStopSequences, 0)
    if (options.api !== undefined && options.api !== 'chat' && options.api !== 'completion') {
      throw new InvalidArgumentError({
        argument: 'options.api',
        expected: '"chat" or "completion"',
        received: options.api,
      })
    }
    if (
      options.scoring !== undefined &&
      options.scoring !== 'echo' &&
      options.scoring !== 'prompt-logprobs'
    ) {
      throw new InvalidArgumentError({
        argument: 'options.scoring',
        expected: '"echo" or "prompt-logprobs"',
        received: options.scoring,
      })
    }
    this.config = config
    this.options = options
    this.api =
      options.api ?? (/instruct|^davinci-002$|^babbage-002$/.test(modelId) ? 'completion' : 'chat')
    this.isReasoningModel = options.reasoning ?? isOpenAIReasoningModel(modelId)
    this.capabilities = {
      logprobs: !this.isReasoningModel,
      nativeN: options.nativeN ?? true,
      seed: true,
      scoring: this.api === 'completion',
      chat: this.api === 'chat',
    }
  }

  /**
   * Log-probabilities of each continuation given `prompt`, by teacher forcing on the server
   * (completions API only; `capabilities.scoring`). `echo` scoring sends every
   * `prompt + continuation` in one request with `echo: true, logprobs: 0, max_tokens: 0` and
   * keeps the tokens that end after the prompt (a token straddling the boundary is included).
   * `prompt-logprobs` scoring (vLLM) also sends the prompt alone, assumes the prompt's tokens do
   * not change when a continuation is appended, and keeps the tokens after them.
   */
  async scoreContinuations(request: ScoreContinuationsRequest): Promise<ScoreContinuationsResult> {
    if (this.api !== 'completion') {
      throw new UnsupportedCapabilityError({
        capability: 'scoring',
        message: `${this.provider}:${this.modelId} uses the chat completions API, which cannot return log-probabilities of given text. Use a completions model ({ api: 'completion' }) on a server that supports echo + logprobs or prompt_logprobs (e.g. davinci-002, vLLM).`,
      })
    }
    if (typeof request.prompt !== 'string' || request.prompt === '') {
      throw new InvalidArgumentError({
        argument: 'prompt',
        expected: 'a non-empty string',
        received: request.prompt,
      })
    }
    if (
      !Array.isArray(request.continuations) ||
      request.continuations.length === 0 ||
      request.continuations.some(
        (continuation) => typeof continuation !== 'string' || continuation === '',
      )
    ) {
      throw new InvalidArgumentError({
        argument: 'continuations',
        expected: 'a non-empty array of non-empty strings',
        received: request.continuations,
      })
    }
    throwIfAborted(request.signal)
    const mode = this.options.scoring ?? 'echo'
    const prompts =
      mode === 'echo'
        ? request.continuations.map((continuation) => request.prompt + continuation)
        : [
            request.prompt,
            ...request.continuations.map((continuation) => request.prompt + continuation),
          ]
    const body: Record<string, unknown> =
      mode === 'echo'
        ? {
            model: this.modelId,
            prompt: prompts,
            echo: true,
            logprobs: 0,
            max_tokens: 0,
            temperature: 0,
          }
        : {
            model: this.modelId,
            prompt: prompts,
            prompt_logprobs: 0,
            max_tokens: 1,
            temperature: 0,
          }
    const response = await this.runner.run(
      async (signal) =>
        (await this.config.client.completions.create(
          body as never,
          this.requestOptions(signal),
        )) as unknown as Record<string, unknown>,
      request.signal,
    )
    const choices = sortedChoices(response)
    if (choices.length < prompts.length) {
      throw malformed(
        `expected ${prompts.length} choices, received ${choices.length}`,
        this.provider,
      )
    }
    const usage = mapUsage(response.usage, this.provider)
    const price = findOpenAIPrice(this.modelId, this.config.prices)
    if (price) usage.costUsd = computeOpenAICost(usage, price)
    if (mode === 'echo') {
      return {
        continuations: request.continuations.map((continuation, index) => {
          const logprobs = (choices[index] as { logprobs?: CompletionLogprobs }).logprobs
          if (!logprobs?.tokens || !logprobs.token_logprobs || !logprobs.text_offset) {
            throw malformed(
              'echo scoring needs logprobs.tokens, token_logprobs and text_offset',
              this.provider,
            )
          }
          const end = request.prompt.length + continuation.length
          const result: TokenLogprob[] = []
          logprobs.tokens.forEach((token, position) => {
            const offset = logprobs.text_offset?.[position] ?? 0
            const logprob = logprobs.token_logprobs?.[position]
            if (
              offset < end &&
              offset + token.length > request.prompt.length &&
              typeof logprob === 'number'
            ) {
              result.push(withTokenId({ token, logprob }))
            }
          })
          return { logprobs: result }
        }),
        usage,
      }
    }
    const promptEntries = readPromptLogprobs(choices[0], this.provider)
    return {
      continuations: request.continuations.map((_, index) => {
        const entries = readPromptLogprobs(choices[index + 1], this.provider)
        return {
          logprobs: entries.slice(promptEntries.length).map((entry) => {
            if (!entry)
              throw malformed('a prompt_logprobs entry after the first one is null', this.provider)
            const [tokenId, value] = Object.entries(entry)[0] ?? []
            if (tokenId === undefined || value === undefined)
              throw malformed('empty prompt_logprobs entry', this.provider)
            const tokenNumber = Number(tokenId)
            return {
              token: value.decoded_token ?? tokenId,
              logprob: value.logprob,
              ...(Number.isInteger(tokenNumber) ? { tokenId: tokenNumber } : {}),
            }
          }),
        }
      }),
      usage,
    }
  }

  protected async run(
    request: GenerateRequest,
    onDelta: TextDeltaHandler | undefined,
    forceStream: boolean,
  ): Promise<GenerateResult> {
    validateGenerateRequest(request)
    throwIfAborted(request.signal)
    const warnings: GenerateWarning[] = []
    const prepared = this.prepare(request, warnings)
    if (forceStream) prepared.stream = true
    const n = request.n ?? 1
    const outputs: Array<GenerateOutput | undefined> = new Array(n).fill(undefined)
    const usages: Usage[] = []
    const batches: Batch[] = []
    if (this.capabilities.nativeN) {
      const size = this.options.maxNPerRequest ?? 128
      for (let start = 0; start < n; start += size) {
        batches.push({ start, count: Math.min(size, n - start), single: false })
      }
    } else {
      for (let index = 0; index < n; index++) batches.push({ start: index, count: 1, single: true })
    }
    const runBatch = async (batch: Batch) => {
      try {
        const response = await this.requestBatch(prepared, batch, request.signal, onDelta, warnings)
        usages.push(response.usage)
        response.outputs.slice(0, batch.count).forEach((output, offset) => {
          outputs[batch.start + offset] = output
        })
      } catch (error) {
        const failed = failedSampleOutput(error)
        for (let offset = 0; offset < batch.count; offset++) {
          outputs[batch.start + offset] = { ...failed }
        }
      }
    }
    await Promise.all(batches.map(runBatch))
    const missing = outputs.flatMap((output, index) => (output === undefined ? [index] : []))
    if (missing.length > 0) {
      warnings.push({
        type: 'other',
        setting: 'n',
        message: `The server returned fewer choices than n; the remaining ${missing.length} samples were requested one request each (the server may ignore n: consider { nativeN: false }).`,
      })
      await Promise.all(missing.map((index) => runBatch({ start: index, count: 1, single: true })))
      for (const index of missing) {
        if (outputs[index] === undefined) {
          outputs[index] = failedSampleOutput(
            malformed('the server returned no choice for a single-sample request', this.provider),
          )
        }
      }
    }
    const finalOutputs = outputs as GenerateOutput[]
    throwIfAllSamplesFailed(finalOutputs, { provider: this.provider, signal: request.signal })
    if (prepared.clientStops.length > 0) {
      for (const output of finalOutputs) applyClientStops(output, prepared.clientStops)
    }
    const usage = addUsage(...usages)
    const price = findOpenAIPrice(this.modelId, this.config.prices)
    if (price) {
      usage.costUsd = computeOpenAICost(usage, price)
    } else {
      warnings.push(missingPriceWarning(this.modelId, 'createOpenAI'))
    }
    return { outputs: finalOutputs, usage, warnings }
  }

  private prepare(request: GenerateRequest, warnings: GenerateWarning[]): PreparedRequest {
    const { options: extra, unknownKeys } = parseOpenAIProviderOptions(
      request.providerOptions?.openai,
    )
    warnings.push(...unknownProviderOptionWarnings('openai', unknownKeys))
    const strict = this.config.compatibility === 'strict'
    const reasoning = this.isReasoningModel
    const drop = (setting: string, why: string) =>
      warnings.push(droppedSettingWarning(setting, why))
    const reasoningWhy = `${this.modelId} is a reasoning model, which rejects it.`
    const body: Record<string, unknown> = { model: this.modelId }
    let promptLength = 0
    if (this.api === 'chat') {
      body.messages = request.messages
        ? request.messages.map((message) => ({ role: message.role, content: message.content }))
        : [{ role: 'user', content: request.prompt }]
    } else {
      if (request.messages) {
        throw new UnsupportedCapabilityError({
          capability: 'chat',
          message: `${this.provider}:${this.modelId} uses the completions API, which takes a prompt, not chat messages (use { api: 'chat' } for a chat model).`,
        })
      }
      body.prompt = request.prompt
      promptLength = request.prompt?.length ?? 0
    }
    if (request.maxTokens !== undefined) {
      body[this.api === 'chat' && reasoning ? 'max_completion_tokens' : 'max_tokens'] =
        request.maxTokens
    }
    if (request.temperature !== undefined) {
      if (reasoning) drop('temperature', reasoningWhy)
      else body.temperature = request.temperature
    }
    if (request.topP !== undefined) {
      if (reasoning) drop('topP', reasoningWhy)
      else body.top_p = request.topP
    }
    if (request.seed !== undefined) body.seed = request.seed
    const topK = request.topK ?? extra.topK
    if (topK !== undefined) {
      if (strict)
        drop(
          request.topK !== undefined ? 'topK' : 'providerOptions.openai.topK',
          'the OpenAI API has no top_k (it is an extension of compatible servers).',
        )
      else body.top_k = topK
    }
    const compatibleFields: Array<[keyof typeof extra, string]> = [
      ['minP', 'min_p'],
      ['repetitionPenalty', 'repetition_penalty'],
      ['promptLogprobs', 'prompt_logprobs'],
    ]
    for (const [key, wire] of compatibleFields) {
      if (extra[key] === undefined || !compatibleOnlyKeys.has(key)) continue
      if (strict)
        drop(
          `providerOptions.openai.${key}`,
          `the OpenAI API has no ${wire} (it is an extension of compatible servers).`,
        )
      else body[wire] = extra[key]
    }
    let logprobsRequested = false
    if (request.logprobs) {
      if (reasoning) drop('logprobs', reasoningWhy)
      else {
        logprobsRequested = true
        if (this.api === 'chat') {
          body.logprobs = true
          if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs
        } else {
          body.logprobs = request.topLogprobs ?? 0
        }
      }
    } else if (request.topLogprobs !== undefined) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'topLogprobs',
        message: 'topLogprobs was ignored because logprobs is not true.',
      })
    }
    const penalties: Array<[keyof typeof extra, string]> = [
      ['logitBias', 'logit_bias'],
      ['presencePenalty', 'presence_penalty'],
      ['frequencyPenalty', 'frequency_penalty'],
    ]
    for (const [key, wire] of penalties) {
      if (extra[key] === undefined) continue
      if (reasoning) drop(`providerOptions.openai.${key}`, reasoningWhy)
      else body[wire] = extra[key]
    }
    if (extra.responseFormat !== undefined) {
      if (this.api === 'chat') body.response_format = extra.responseFormat
      else
        drop('providerOptions.openai.responseFormat', 'the completions API has no response_format.')
    }
    if (extra.reasoningEffort !== undefined) {
      if (reasoning || !strict) body.reasoning_effort = extra.reasoningEffort
      else
        drop('providerOptions.openai.reasoningEffort', `${this.modelId} is not a reasoning model.`)
    }
    if (extra.user !== undefined) body.user = extra.user
    if (extra.echo !== undefined) {
      drop(
        'providerOptions.openai.echo',
        'generate never returns the prompt; scoreContinuations uses echo itself.',
      )
    }
    let clientStops: string[] = []
    if (request.stop && request.stop.length > 0) {
      const limit = reasoning
        ? 0
        : (this.options.maxStopSequences ?? (strict ? 4 : Number.POSITIVE_INFINITY))
      const sent = request.stop.slice(0, limit)
      clientStops = request.stop.slice(sent.length)
      if (sent.length > 0) body.stop = sent
      if (clientStops.length > 0) {
        warnings.push({
          type: 'other',
          setting: 'stop',
          message: reasoning
            ? `${this.modelId} is a reasoning model, which rejects stop; the stop sequences were applied to the returned text (tokens after them were still generated and billed).`
            : `The server takes at most ${limit} stop sequences; the other ${clientStops.length} were applied to the returned text.`,
        })
      }
    }
    if (extra.extraBody) Object.assign(body, extra.extraBody)
    return {
      body,
      clientStops,
      stream: extra.stream ?? this.options.stream ?? false,
      logprobsRequested,
      promptLength,
    }
  }

  protected classify(error: unknown): ClassifiedError {
    return classifyOpenAIError(error, { timeoutMs: this.config.timeoutMs, provider: this.provider })
  }

  private requestBatch(
    prepared: PreparedRequest,
    batch: Batch,
    signal: AbortSignal | undefined,
    onDelta: TextDeltaHandler | undefined,
    warnings: GenerateWarning[],
  ): Promise<BatchResponse> {
    const body: Record<string, unknown> = { ...prepared.body }
    if (!batch.single) body.n = batch.count
    if (typeof body.seed === 'number' && batch.start > 0)
      body.seed = (body.seed + batch.start) >>> 0
    const warnOnce = (message: string, setting: string) => {
      if (!warnings.some((warning) => warning.message === message)) {
        warnings.push({ type: 'other', setting, message })
      }
    }
    return this.runner.run(async (attemptSignal) => {
      const parsed = prepared.stream
        ? await this.streamRequest(body, batch, attemptSignal, onDelta)
        : await this.jsonRequest(body, attemptSignal)
      if (
        prepared.logprobsRequested &&
        parsed.outputs.some((output) => output.logprobs === undefined)
      ) {
        warnOnce(
          'The server returned no log-probabilities although logprobs was requested.',
          'logprobs',
        )
      }
      if (parsed.usageMissing) {
        warnOnce(
          'The server reported no token usage; the usage of that request counts as 0 tokens.',
          'usage',
        )
      }
      return parsed
    }, signal)
  }

  private async jsonRequest(body: Record<string, unknown>, signal: AbortSignal | undefined) {
    const response = (this.api === 'chat'
      ? await this.config.client.chat.completions.create(body as never, this.requestOptions(signal))
      : await this.config.client.completions.create(
          body as never,
          this.requestOptions(signal),
        )) as unknown as Record<string, unknown>
    if (response === null || typeof response !== 'object' || !Array.isArray(response.choices)) {
      throw malformed('the body has no choices array', this.provider)
    }
    const outputs = sortedChoices(response).map((choice) =>
      this.api === 'chat'
        ? mapChatChoice(choice as ChatChoice)
        : mapCompletionChoice(choice as CompletionChoice),
    )
    return {
      outputs,
      usage: mapUsage(response.usage, this.provider),
      usageMissing: response.usage == null,
    }
  }

  private async streamRequest(
    body: Record<string, unknown>,
    batch: Batch,
    signal: AbortSignal | undefined,
    onDelta: TextDeltaHandler | undefined,
  ) {
    const streamBody = { ...body, stream: true, stream_options: { include_usage: true } }
    const states = new Map<
      number,
      { text: string; finishReason: FinishReason; logprobs: TokenLogprob[] | undefined }
    >()
    let usage: unknown
    let emitted = false
    try {
      const stream = (this.api === 'chat'
        ? await this.config.client.chat.completions.create(
            streamBody as never,
            this.requestOptions(signal),
          )
        : await this.config.client.completions.create(
            streamBody as never,
            this.requestOptions(signal),
          )) as unknown as AsyncIterable<Record<string, unknown>>
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage
        if (!Array.isArray(chunk.choices)) continue
        for (const choice of chunk.choices as Array<Record<string, unknown>>) {
          const index = typeof choice.index === 'number' ? choice.index : 0
          let state = states.get(index)
          if (!state) {
            state = { text: '', finishReason: 'other', logprobs: undefined }
            states.set(index, state)
          }
          const delta =
            this.api === 'chat'
              ? ((choice.delta as { content?: string | null } | undefined)?.content ?? '')
              : ((choice.text as string | undefined) ?? '')
          if (delta) {
            state.text += delta
            emitted = true
            onDelta?.(batch.start + index, delta)
          }
          const logprobs =
            this.api === 'chat'
              ? mapChatLogprobs(choice.logprobs as ChatChoice['logprobs'])
              : mapCompletionLogprobs(choice.logprobs as CompletionLogprobs | null | undefined)
          if (logprobs) state.logprobs = [...(state.logprobs ?? []), ...logprobs]
          if (typeof choice.finish_reason === 'string')
            state.finishReason = mapFinishReason(choice.finish_reason)
        }
      }
    } catch (error) {
      throw this.streamFailure(error, emitted)
    }
    const outputs = [...states.entries()]
      .sort(([left], [right]) => left - right)
      .map(([, state]) => ({
        text: state.text,
        finishReason: state.finishReason,
        ...(state.logprobs ? { logprobs: state.logprobs } : {}),
      }))
    return { outputs, usage: mapUsage(usage, this.provider), usageMissing: usage == null }
  }
}

interface ChatChoice {
  index?: number
  message?: { content?: string | null; refusal?: string | null }
  finish_reason?: string | null
  logprobs?: {
    content?: Array<{
      token: string
      logprob: number
      top_logprobs?: Array<{ token: string; logprob: number }>
    }> | null
  } | null
}

interface CompletionLogprobs {
  tokens?: string[]
  token_logprobs?: Array<number | null>
  top_logprobs?: Array<Record<string, number> | null> | null
  text_offset?: number[]
}

interface CompletionChoice {
  index?: number
  text?: string
  finish_reason?: string | null
  logprobs?: CompletionLogprobs | null
}

function sortedChoices(response: Record<string, unknown>): Array<Record<string, unknown>> {
  const choices = Array.isArray(response.choices)
    ? (response.choices as Array<Record<string, unknown>>)
    : []
  return [...choices].sort(
    (left, right) => ((left.index as number) ?? 0) - ((right.index as number) ?? 0),
  )
}

function mapChatChoice(choice: ChatChoice): GenerateOutput {
  const logprobs = mapChatLogprobs(choice.logprobs)
  const refused = !choice.message?.content && choice.message?.refusal
  return {
    text: choice.message?.content ?? '',
    finishReason: refused ? 'content-filter' : mapFinishReason(choice.finish_reason),
    ...(logprobs ? { logprobs } : {}),
  }
}

function mapCompletionChoice(choice: CompletionChoice): GenerateOutput {
  const logprobs = mapCompletionLogprobs(choice.logprobs)
  return {
    text: choice.text ?? '',
    finishReason: mapFinishReason(choice.finish_reason),
    ...(logprobs ? { logprobs } : {}),
  }
}

/** vLLM's `return_tokens_as_token_ids` renders tokens as `token_id:123`. */
function withTokenId(logprob: TokenLogprob): TokenLogprob {
  const match = /^token_id:(\d+)$/.exec(logprob.token)
  return match ? { ...logprob, tokenId: Number(match[1]) } : logprob
}

function mapChatLogprobs(logprobs: ChatChoice['logprobs']): TokenLogprob[] | undefined {
  if (!logprobs?.content) return undefined
  return logprobs.content.map((entry) =>
    withTokenId({
      token: entry.token,
      logprob: entry.logprob,
      ...(entry.top_logprobs && entry.top_logprobs.length > 0
        ? {
            topLogprobs: entry.top_logprobs.map((top) => ({
              token: top.token,
              logprob: top.logprob,
            })),
          }
        : {}),
    }),
  )
}

function mapCompletionLogprobs(
  logprobs: CompletionLogprobs | null | undefined,
): TokenLogprob[] | undefined {
  if (!logprobs?.tokens || !logprobs.token_logprobs) return undefined
  const result: TokenLogprob[] = []
  logprobs.tokens.forEach((token, position) => {
    const logprob = logprobs.token_logprobs?.[position]
    if (typeof logprob !== 'number') return
    const top = logprobs.top_logprobs?.[position]
    const topLogprobs = top
      ? Object.entries(top)
          .map(([text, value]) => ({ token: text, logprob: value }))
          .sort((left, right) => right.logprob - left.logprob)
      : []
    result.push(withTokenId({ token, logprob, ...(topLogprobs.length > 0 ? { topLogprobs } : {}) }))
  })
  return result
}

function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop'
    case 'length':
      return 'length'
    case 'content_filter':
      return 'content-filter'
    default:
      return 'other'
  }
}

function mapUsage(raw: unknown, provider: string): Usage {
  if (raw == null) return { inputTokens: 0, outputTokens: 0, calls: 1 }
  const usage = raw as {
    prompt_tokens?: unknown
    completion_tokens?: unknown
    prompt_tokens_details?: { cached_tokens?: unknown } | null
  }
  if (typeof usage.prompt_tokens !== 'number' || typeof usage.completion_tokens !== 'number') {
    throw malformed('usage.prompt_tokens / usage.completion_tokens are not numbers', provider)
  }
  const cached = usage.prompt_tokens_details?.cached_tokens
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    calls: 1,
    ...(typeof cached === 'number' ? { cachedInputTokens: cached } : {}),
  }
}

function readPromptLogprobs(
  choice: Record<string, unknown> | undefined,
  provider: string,
): Array<Record<string, { logprob: number; decoded_token?: string }> | null> {
  const entries = choice?.prompt_logprobs
  if (!Array.isArray(entries)) {
    throw malformed(
      'prompt-logprobs scoring needs choices[].prompt_logprobs (a vLLM extension)',
      provider,
    )
  }
  return entries as Array<Record<string, { logprob: number; decoded_token?: string }> | null>
}

function applyClientStops(output: GenerateOutput, stops: readonly string[]): void {
  if (output.error) return
  let cut = -1
  for (const stop of stops) {
    const at = output.text.indexOf(stop)
    if (at >= 0 && (cut < 0 || at < cut)) cut = at
  }
  if (cut < 0) return
  output.text = output.text.slice(0, cut)
  output.finishReason = 'stop'
  if (output.logprobs) {
    const kept: TokenLogprob[] = []
    let length = 0
    for (const entry of output.logprobs) {
      if (length >= cut) break
      kept.push(entry)
      length += entry.token.length
    }
    output.logprobs = kept
  }
}
