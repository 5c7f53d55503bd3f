// The shared plumbing of metagen's OpenAI language models (chat completions and legacy
// completions): options, n split into requests, per-sample fallback when a server ignores n,
// the sampling parameters both endpoints take, client-side stop sequences, usage and cost.
// The endpoint-specific parts (request body, response parsing, scoring) are in
// `openai-chat-language-model.ts` and `openai-completion-language-model.ts`.
import {
  addUsage,
  assertInteger,
  assertPromptTokenOverhead,
  byteBoundInputTokens,
  compact,
  defaultPromptTokenOverhead,
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
  type ScoreContinuationsRequest,
  type ScoreContinuationsResult,
  throwIfAborted,
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
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions'
import type { ReasoningEffort } from 'openai/resources/shared'
import { classifyOpenAIError } from './map-openai-error.js'
import { computeOpenAICost, findOpenAIPrice, type OpenAIModelPrice } from './openai-prices.js'
import {
  type OpenAIProviderOptions,
  parseOpenAIProviderOptions,
} from './openai-provider-options.js'
import { applyClientStops } from './openai-response.js'
import {
  mapGuidedProviderOptions,
  mapOpenAIResponseFormat,
  type OpenAIStructuredOutputFields,
  type VllmGuidedDecodingFields,
} from './openai-structured-output.js'

/** Which OpenAI endpoint a model uses. */
export type OpenAIApi = 'chat' | 'completion'

/**
 * `strict`: the server is api.openai.com, so extensions of compatible servers (min_p, top_k,
 * repetition_penalty, prompt_logprobs) are dropped with a warning and at most 4 stop sequences
 * are sent. `compatible`: a vLLM / llama.cpp / Ollama / SGLang server that accepts them.
 */
export type OpenAICompatibility = 'strict' | 'compatible' | 'vllm'

/** Per-model options, the second argument of the provider returned by `createOpenAI`. */
export interface OpenAIModelOptions {
  /** Endpoint: `chat` (/chat/completions, {@link OpenAIChatLanguageModel}) or `completion` (/completions, {@link OpenAICompletionLanguageModel}). Default: `completion` for `*-instruct`, `davinci-002`, `babbage-002`, else `chat`. */
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
  /**
   * How guided decoding (a `responseFormat`, or `guidedJson` / `guidedRegex` / `guidedChoice`)
   * is sent to a `compatibility: 'vllm'` server: `structured_outputs` (default; vLLM >= 0.10.2)
   * or `guided` (the legacy top-level `guided_*` fields, which vLLM >= 0.12 ignores).
   */
  vllmGuidedDecoding?: VllmGuidedDecodingFields
  /**
   * Chat API: continue a trailing assistant message with vLLM's `continue_final_message: true,
   * add_generation_prompt: false` (then `capabilities.continuation` is `assistant-prefill`).
   * Default: true with compatibility `vllm`, else false (`continuation: 'none'`: OpenAI's chat
   * API answers a trailing assistant message as a new turn). Rejected with compatibility `strict`.
   */
  continueFinalMessage?: boolean
  /**
   * The template tokens the server adds to a request beyond its text, for the prompt-token bound
   * that budgets reserve before a call (`maxInputTokens`). Default: see
   * {@link openAIPromptTokenOverhead}. Set it for a compatible server whose chat template adds
   * more (a long default system prompt, tool definitions).
   */
  promptTokenOverhead?: PromptTokenOverhead
}

/**
 * OpenAI's chat completions API: every message is wrapped as `<|start|>{role}\n{content}<|end|>`
 * (3 tokens; 4 for gpt-3.5-turbo-0301) and the reply is primed with
 * `<|start|>assistant<|message|>` (3 tokens), as `num_tokens_from_messages` of OpenAI's cookbook
 * "How to count tokens with tiktoken" counts them; its tokenizers (cl100k_base, o200k_base) are
 * byte-level BPE. We send no `name` (1 more token each).
 */
const openAIChatOverhead: PromptTokenOverhead = Object.freeze({ perMessage: 4, perRequest: 3 })
/** OpenAI's legacy completions API tokenizes the prompt as is: no template, no BOS token. */
const openAICompletionOverhead: PromptTokenOverhead = Object.freeze({
  perMessage: 0,
  perRequest: 0,
})
/**
 * A compatible server (vLLM, llama.cpp, Ollama, SGLang) renders the model's own chat template:
 * a few header tokens per message (ChatML's `<|im_start|>user\n` and `<|im_end|>\n`, Llama 3's
 * `<|start_header_id|>user<|end_header_id|>\n\n` and `<|eot_id|>`), within 16, but some add a
 * default system prompt to every request (Qwen2.5's "You are Qwen, created by Alibaba Cloud. You
 * are a helpful assistant.", Llama 3.1's "Cutting Knowledge Date: ... Today Date: ..." header:
 * 20 to 30 tokens with their delimiters), hence 64 per request. Completions add at most a BOS
 * token and a SentencePiece dummy prefix: core's default of 16 per request.
 */
const compatibleChatOverhead: PromptTokenOverhead = Object.freeze({
  perMessage: 16,
  perRequest: 64,
})

/**
 * The prompt-token overhead an OpenAI model assumes by default, by endpoint and server:
 * api.openai.com chat 4 per message and 3 per request (OpenAI's cookbook), its completions 0;
 * a compatible server's chat 16 per message and 64 per request (chat templates with a default
 * system prompt), its completions 16 per request.
 */
export function openAIPromptTokenOverhead(
  api: OpenAIApi,
  compatibility: OpenAICompatibility,
): PromptTokenOverhead {
  if (compatibility === 'strict') {
    return api === 'chat' ? openAIChatOverhead : openAICompletionOverhead
  }
  return api === 'chat' ? compatibleChatOverhead : defaultPromptTokenOverhead
}

/** Everything an OpenAI language model needs from its provider. */
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

/**
 * Wire fields of OpenAI-compatible servers (vLLM, llama.cpp server, SGLang) that the openai
 * SDK's request types do not declare; the SDK sends every body field as given.
 */
export interface CompatibleServerFields {
  top_k?: number
  min_p?: number
  repetition_penalty?: number
  prompt_logprobs?: number
  /** vLLM guided decoding: the output matches this regular expression. */
  guided_regex?: string
  /** vLLM guided decoding: the output is JSON valid under this schema. */
  guided_json?: Record<string, unknown> | string
  /** vLLM guided decoding: the output is one of these strings. */
  guided_choice?: string[]
  /** vLLM guided decoding (legacy field): the output derives from this grammar. */
  guided_grammar?: string
  /** vLLM >= 0.10.2 guided decoding: exactly one of `json`, `regex`, `choice`, `grammar`. */
  structured_outputs?: OpenAIStructuredOutputFields['structured_outputs']
  /** vLLM chat: continue the trailing assistant message instead of starting a new turn. */
  continue_final_message?: boolean
  /** vLLM chat: append the template's assistant-turn opener (false when continuing). */
  add_generation_prompt?: boolean
}

/** The `providerOptions.openai` key of each compatible-server wire field. */
const compatibleOptionNames: Readonly<Record<string, string>> = {
  min_p: 'minP',
  repetition_penalty: 'repetitionPenalty',
  prompt_logprobs: 'promptLogprobs',
  guided_regex: 'guidedRegex',
  guided_json: 'guidedJson',
  guided_choice: 'guidedChoice',
}

/**
 * The request fields both endpoints take, with the SDK's own types (the chat and completions
 * request types declare them alike).
 */
export type OpenAISamplingFields = Pick<
  ChatCompletionCreateParamsBase,
  | 'max_tokens'
  | 'temperature'
  | 'top_p'
  | 'seed'
  | 'stop'
  | 'logit_bias'
  | 'presence_penalty'
  | 'frequency_penalty'
  | 'user'
> &
  CompatibleServerFields

/** A request after the checks and mappings both endpoints share, handed to the endpoint class. */
export interface OpenAIRequestParts {
  /** The core request. */
  request: GenerateRequest
  /** The validated `providerOptions.openai`. */
  providerOptions: OpenAIProviderOptions
  /** The fields both endpoints take (max_tokens is set unless the endpoint renames it). */
  sampling: OpenAISamplingFields
  /** True for a reasoning model (see {@link OpenAIModelOptions.reasoning}). */
  reasoning: boolean
  /** True for `compatibility: 'strict'`. */
  strict: boolean
  /** Records a warning that `setting` was not sent, and why. */
  drop: (setting: string, why: string) => void
  /** Records a warning. */
  warn: (warning: GenerateWarning) => void
  /** `reasoning_effort` to send (dropped with a warning for non-reasoning models on strict servers). */
  reasoningEffort: ReasoningEffort | undefined
  /** OpenAI Structured Outputs of the request's `responseFormat` (chat API only). */
  responseFormat: OpenAIStructuredOutputFields['response_format']
}

/** One request of a generation: samples `start .. start + count - 1`. */
export interface OpenAIBatch {
  /** Index of the first sample (its seed is `seed + start`). */
  start: number
  count: number
  /** Sends no `n` at all. */
  single: boolean
}

/** What an endpoint class makes of a request: how to send it for one batch of samples. */
export interface OpenAIPreparedRequest {
  /** True when log-probabilities were asked for (a response without them gets a warning). */
  logprobsRequested: boolean
  /**
   * Sends one HTTP attempt for `batch` and parses the response; streamed text goes to
   * `onDelta` with the sample index within the batch.
   */
  send(attempt: {
    batch: OpenAIBatch
    stream: boolean
    signal: AbortSignal | undefined
    onDelta: TextDeltaHandler | undefined
  }): Promise<OpenAIParsedResponse>
}

/** A parsed response of one batch. */
export interface OpenAIParsedResponse {
  /** The choices in index order. */
  outputs: GenerateOutput[]
  usage: Usage
  /** The server sent no usage (counted as 0 tokens, with a warning). */
  usageMissing: boolean
}

/**
 * A language model served by an OpenAI(-compatible) API, the base of
 * {@link OpenAIChatLanguageModel} and {@link OpenAICompletionLanguageModel}. `generate` sends
 * `n` to the server in requests of at most `maxNPerRequest` (or one request per sample with
 * `nativeN: false`; sample i then gets seed `seed + i`). `stream` deltas are raw server text:
 * client-side stop sequences (see `maxStopSequences`) are applied only to the final result.
 * `stats()` counts requests.
 */
export abstract class OpenAILanguageModel extends RemoteLanguageModel implements LanguageModel {
  readonly capabilities: LanguageModelCapabilities
  /** The endpoint this model calls. */
  readonly api: OpenAIApi
  /** Whether the model is treated as a reasoning model (see {@link OpenAIModelOptions.reasoning}). */
  readonly isReasoningModel: boolean
  protected readonly config: OpenAILanguageModelConfig
  protected readonly options: OpenAIModelOptions

  /**
   * The price of this model in the price table (the uncached prompt rate is the highest), or
   * undefined when the table has none.
   */
  get price(): ModelPrice | undefined {
    const price = findOpenAIPrice(this.modelId, this.config.prices)
    if (!price) return undefined
    return {
      inputPerMillion: price.inputPerMillion,
      outputPerMillion: price.outputPerMillion,
      maxInputPerMillion: Math.max(price.inputPerMillion, price.cachedInputPerMillion ?? 0),
    }
  }

  /** The server dialect of the provider (`strict`, `compatible` or `vllm`). */
  get compatibility(): OpenAICompatibility {
    return this.config.compatibility
  }

  /**
   * An upper bound on the prompt tokens of `request`, which budgets reserve before the call:
   * core's byte bound (one token per UTF-8 byte: the tokenizer is byte-level BPE) with this
   * model's template overhead (`options.promptTokenOverhead`, default
   * {@link openAIPromptTokenOverhead}); on the chat API a prompt counts as one user message.
   */
  maxInputTokens(request: GenerateRequest): number {
    const overhead =
      this.options.promptTokenOverhead ??
      openAIPromptTokenOverhead(this.api, this.config.compatibility)
    return byteBoundInputTokens(this.api === 'chat' ? promptAsMessage(request) : request, overhead)
  }

  /** Throws InvalidArgumentError for a bad model id or option (the message names `options.<key>`). */
  protected constructor(
    modelId: string,
    config: OpenAILanguageModelConfig,
    options: OpenAIModelOptions,
    api: OpenAIApi,
  ) {
    super(modelId, { ...config, concurrency: options.concurrency ?? config.concurrency })
    if (options.maxNPerRequest !== undefined)
      assertInteger('options.maxNPerRequest', options.maxNPerRequest, 1)
    if (options.maxStopSequences !== undefined)
      assertInteger('options.maxStopSequences', options.maxStopSequences, 0)
    if (options.promptTokenOverhead !== undefined)
      assertPromptTokenOverhead('options.promptTokenOverhead', options.promptTokenOverhead)
    if (
      options.vllmGuidedDecoding !== undefined &&
      options.vllmGuidedDecoding !== 'structured_outputs' &&
      options.vllmGuidedDecoding !== 'guided'
    ) {
      throw new InvalidArgumentError({
        argument: 'options.vllmGuidedDecoding',
        expected: '"structured_outputs" or "guided"',
        received: options.vllmGuidedDecoding,
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
    if (options.continueFinalMessage !== undefined) {
      if (typeof options.continueFinalMessage !== 'boolean') {
        throw new InvalidArgumentError({
          argument: 'options.continueFinalMessage',
          expected: 'a boolean',
          received: options.continueFinalMessage,
        })
      }
      if (options.continueFinalMessage && config.compatibility === 'strict') {
        throw new InvalidArgumentError({
          argument: 'options.continueFinalMessage',
          expected:
            "false or absent with compatibility 'strict' (api.openai.com has no continue_final_message; use a completions model to continue text)",
          received: true,
        })
      }
    }
    this.config = config
    this.options = options
    this.api = api
    this.isReasoningModel = options.reasoning ?? isOpenAIReasoningModel(modelId)
    this.capabilities = {
      logprobs: !this.isReasoningModel,
      nativeN: options.nativeN ?? true,
      seed: true,
      scoring: api === 'completion',
      chat: api === 'chat',
      continuation:
        api === 'completion'
          ? 'native'
          : (options.continueFinalMessage ?? config.compatibility === 'vllm')
            ? 'assistant-prefill'
            : 'none',
    }
  }

  /** Log-probabilities of given continuations (see each endpoint class). */
  abstract scoreContinuations(request: ScoreContinuationsRequest): Promise<ScoreContinuationsResult>

  /** Builds the endpoint's request body from the shared parts. */
  protected abstract prepareRequest(parts: OpenAIRequestParts): OpenAIPreparedRequest

  protected async run(
    request: GenerateRequest,
    onDelta: TextDeltaHandler | undefined,
    forceStream: boolean,
  ): Promise<GenerateResult> {
    validateGenerateRequest(request)
    throwIfAborted(request.signal)
    const warnings: GenerateWarning[] = []
    const { prepared, clientStops, stream } = this.prepare(request, warnings)
    const n = request.n ?? 1
    const outputs: Array<GenerateOutput | undefined> = new Array(n).fill(undefined)
    const usages: Usage[] = []
    const batches: OpenAIBatch[] = []
    if (this.capabilities.nativeN) {
      const size = this.options.maxNPerRequest ?? 128
      for (let start = 0; start < n; start += size) {
        batches.push({ start, count: Math.min(size, n - start), single: false })
      }
    } else {
      for (let index = 0; index < n; index++) batches.push({ start: index, count: 1, single: true })
    }
    const runBatch = async (batch: OpenAIBatch) => {
      try {
        const response = await this.requestBatch(prepared, {
          batch,
          stream: stream || forceStream,
          signal: request.signal,
          onDelta,
          warnings,
        })
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
    }
    const finalOutputs = outputs.map(
      (output) =>
        output ??
        failedSampleOutput(
          malformed('the server returned no choice for a single-sample request', this.provider),
        ),
    )
    throwIfAllSamplesFailed(finalOutputs, { provider: this.provider, signal: request.signal })
    if (clientStops.length > 0) {
      for (const output of finalOutputs) applyClientStops(output, clientStops)
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

  protected classify(error: unknown): ClassifiedError {
    return classifyOpenAIError(error, { timeoutMs: this.config.timeoutMs, provider: this.provider })
  }

  /** The cost of `usage` by the price table, when the model has a price. */
  protected withCost(usage: Usage): Usage {
    const price = findOpenAIPrice(this.modelId, this.config.prices)
    if (price) usage.costUsd = computeOpenAICost(usage, price)
    return usage
  }

  /**
   * The checks and mappings both endpoints share (provider options, sampling parameters,
   * reasoning-model and strict-server restrictions, stop sequences), then the endpoint's body.
   */
  private prepare(
    request: GenerateRequest,
    warnings: GenerateWarning[],
  ): { prepared: OpenAIPreparedRequest; clientStops: string[]; stream: boolean } {
    const { options: extra, unknownKeys } = parseOpenAIProviderOptions(
      request.providerOptions?.openai,
    )
    warnings.push(...unknownProviderOptionWarnings('openai', unknownKeys))
    const strict = this.config.compatibility === 'strict'
    const reasoning = this.isReasoningModel
    const drop = (setting: string, why: string) =>
      warnings.push(droppedSettingWarning(setting, why))
    const reasoningWhy = `${this.modelId} is a reasoning model, which rejects it.`
    const sampling: OpenAISamplingFields = {}
    if (request.maxTokens !== undefined) sampling.max_tokens = request.maxTokens
    if (request.temperature !== undefined) {
      if (reasoning) drop('temperature', reasoningWhy)
      else sampling.temperature = request.temperature
    }
    if (request.topP !== undefined) {
      if (reasoning) drop('topP', reasoningWhy)
      else sampling.top_p = request.topP
    }
    if (request.seed !== undefined) sampling.seed = request.seed
    const topK = request.topK ?? extra.topK
    if (topK !== undefined) {
      if (strict)
        drop(
          request.topK !== undefined ? 'topK' : 'providerOptions.openai.topK',
          'the OpenAI API has no top_k (it is an extension of compatible servers).',
        )
      else sampling.top_k = topK
    }
    const format = request.responseFormat?.type === 'text' ? undefined : request.responseFormat
    if (format !== undefined) {
      for (const key of ['responseFormat', 'guidedJson', 'guidedRegex', 'guidedChoice'] as const) {
        if (extra[key] !== undefined) {
          throw new InvalidArgumentError({
            argument: `providerOptions.openai.${key}`,
            expected: 'to be absent when the request sets responseFormat',
            received: extra[key],
          })
        }
      }
    }
    const target = {
      api: this.api,
      compatibility: this.config.compatibility,
      vllmFields: this.options.vllmGuidedDecoding ?? 'structured_outputs',
      model: `${this.provider}:${this.modelId}`,
    }
    const { response_format: responseFormat, ...guided } = format
      ? mapOpenAIResponseFormat(format, target, extra.strictJsonSchema)
      : mapGuidedProviderOptions(extra, target)
    // wire field -> its providerOptions.openai key
    const compatibleFields: Omit<CompatibleServerFields, 'top_k'> = {
      ...compact({
        min_p: extra.minP,
        repetition_penalty: extra.repetitionPenalty,
        prompt_logprobs: extra.promptLogprobs,
      }),
      ...guided,
    }
    if (strict) {
      for (const wire of Object.keys(compatibleFields)) {
        drop(
          `providerOptions.openai.${compatibleOptionNames[wire] ?? wire}`,
          `the OpenAI API has no ${wire} (it is an extension of compatible servers).`,
        )
      }
    } else Object.assign(sampling, compatibleFields)
    if (extra.logitBias !== undefined) {
      if (reasoning) drop('providerOptions.openai.logitBias', reasoningWhy)
      else sampling.logit_bias = extra.logitBias
    }
    if (extra.presencePenalty !== undefined) {
      if (reasoning) drop('providerOptions.openai.presencePenalty', reasoningWhy)
      else sampling.presence_penalty = extra.presencePenalty
    }
    if (extra.frequencyPenalty !== undefined) {
      if (reasoning) drop('providerOptions.openai.frequencyPenalty', reasoningWhy)
      else sampling.frequency_penalty = extra.frequencyPenalty
    }
    if (extra.user !== undefined) sampling.user = extra.user
    let reasoningEffort: ReasoningEffort | undefined
    if (extra.reasoningEffort !== undefined) {
      if (reasoning || !strict) reasoningEffort = extra.reasoningEffort
      else
        drop('providerOptions.openai.reasoningEffort', `${this.modelId} is not a reasoning model.`)
    }
    if (extra.echo !== undefined) {
      drop(
        'providerOptions.openai.echo',
        'generate never returns the prompt; scoreContinuations uses echo itself.',
      )
    }
    let clientStops: string[] = []
    if (format !== undefined && request.stop && request.stop.length > 0) {
      drop(
        'stop',
        'stop sequences are ignored with a responseFormat (the output ends where the format is complete).',
      )
    } else if (request.stop && request.stop.length > 0) {
      const limit = reasoning
        ? 0
        : (this.options.maxStopSequences ?? (strict ? 4 : Number.POSITIVE_INFINITY))
      const sent = request.stop.slice(0, limit)
      clientStops = request.stop.slice(sent.length)
      if (sent.length > 0) sampling.stop = sent
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
    const prepared = this.prepareRequest({
      request,
      providerOptions: extra,
      sampling,
      reasoning,
      strict,
      drop,
      warn: (warning) => warnings.push(warning),
      reasoningEffort,
      responseFormat,
    })
    return { prepared, clientStops, stream: extra.stream ?? this.options.stream ?? false }
  }

  /** One batch through the runner (retries, concurrency), with the warnings of its responses. */
  private requestBatch(
    prepared: OpenAIPreparedRequest,
    attempt: {
      batch: OpenAIBatch
      stream: boolean
      signal: AbortSignal | undefined
      onDelta: TextDeltaHandler | undefined
      warnings: GenerateWarning[]
    },
  ): Promise<OpenAIParsedResponse> {
    const { batch, stream, onDelta, warnings } = attempt
    const warnOnce = (message: string, setting: string) => {
      if (!warnings.some((warning) => warning.message === message)) {
        warnings.push({ type: 'other', setting, message })
      }
    }
    return this.runner.run(async (attemptSignal) => {
      let emitted = false
      let parsed: OpenAIParsedResponse
      try {
        parsed = await prepared.send({
          batch,
          stream,
          signal: attemptSignal,
          onDelta: (index, text) => {
            emitted = true
            onDelta?.(batch.start + index, text)
          },
        })
      } catch (error) {
        throw stream ? this.streamFailure(error, emitted) : error
      }
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
    }, attempt.signal)
  }
}

/**
 * Whether log-probabilities are sent for this request: true when `request.logprobs` is set and
 * the model is not a reasoning model (which rejects them: dropped with a warning). A
 * `topLogprobs` without `logprobs` is ignored with a warning.
 */
export function logprobsToSend(parts: OpenAIRequestParts, modelId: string): boolean {
  const { request } = parts
  if (request.logprobs) {
    if (!parts.reasoning) return true
    parts.drop('logprobs', `${modelId} is a reasoning model, which rejects it.`)
  } else if (request.topLogprobs !== undefined) {
    parts.warn({
      type: 'unsupported-setting',
      setting: 'topLogprobs',
      message: 'topLogprobs was ignored because logprobs is not true.',
    })
  }
  return false
}

/**
 * A prepared request that sends `body` with each batch's `n` and `seed` (see
 * {@link batchFields}), through `stream` or `json` as the attempt asks.
 */
export function preparedRequest<TBody extends { seed?: number | null }>(
  body: TBody,
  logprobsRequested: boolean,
  json: (body: TBody, signal: AbortSignal | undefined) => Promise<OpenAIParsedResponse>,
  stream: (
    body: TBody,
    signal: AbortSignal | undefined,
    onDelta: TextDeltaHandler | undefined,
  ) => Promise<OpenAIParsedResponse>,
): OpenAIPreparedRequest {
  return {
    logprobsRequested,
    send: (attempt) => {
      const batchBody: TBody = { ...body, ...batchFields(body.seed, attempt.batch) }
      return attempt.stream
        ? stream(batchBody, attempt.signal, attempt.onDelta)
        : json(batchBody, attempt.signal)
    },
  }
}

/** The `n` and `seed` of one batch: no `n` for a single request, seed `seed + start`. */
export function batchFields(
  seed: number | null | undefined,
  batch: OpenAIBatch,
): { n?: number; seed?: number } {
  const fields: { n?: number; seed?: number } = {}
  if (!batch.single) fields.n = batch.count
  if (typeof seed === 'number') fields.seed = batch.start > 0 ? (seed + batch.start) >>> 0 : seed
  return fields
}
