// The `createOpenAI(settings)` factory: one SDK client, shared by the models it creates.
import { assertInteger, assertNumberInRange, compact, InvalidArgumentError } from '@metagen/core'
import {
  loadApiKey,
  loadOptionalApiKey,
  type RetryPolicy,
  resolveRetryPolicy,
} from '@metagen/provider-utils'
import OpenAI from 'openai'
import { OpenAIChatLanguageModel } from './openai-chat-language-model.js'
import { OpenAICompletionLanguageModel } from './openai-completion-language-model.js'
import type {
  OpenAIApi,
  OpenAICompatibility,
  OpenAILanguageModel,
  OpenAIModelOptions,
} from './openai-language-model.js'
import { type OpenAIModelPrice, openaiPrices } from './openai-prices.js'

/** Settings of {@link createOpenAI}. */
export interface OpenAISettings {
  /** API key. Default: the OPENAI_API_KEY environment variable. Required for api.openai.com; optional for compatible servers (`baseURL` elsewhere), which get the placeholder `none`. */
  apiKey?: string
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:8000/v1` for vLLM. Default: OPENAI_BASE_URL or https://api.openai.com/v1. */
  baseURL?: string
  /** Extra headers sent with every request. */
  headers?: Record<string, string>
  /** A fetch implementation (for tests or proxies). */
  fetch?: typeof globalThis.fetch
  /** A ready SDK client; `apiKey`, `baseURL`, `headers` and `fetch` are then ignored. */
  client?: OpenAI
  /** OpenAI organization id. */
  organization?: string
  /** OpenAI project id. */
  project?: string
  /**
   * `strict` (api.openai.com), `compatible` (other servers) or `vllm` (a vLLM- or
   * SGLang-compatible server, `metagen serve` included): as `compatible`, and the models report
   * it (`model.compatibility`) so that callers know guided decoding (`guided_json`,
   * `guided_regex`, `guided_choice`; see {@link createGuidedLanguageModel}) and echo scoring are
   * available. Default: from `baseURL`.
   */
  compatibility?: OpenAICompatibility
  /** Maximum requests in flight per model instance, an integer >= 1 (default 8). */
  concurrency?: number
  /** Retry policy of 429/408/409/5xx, timeouts and connection errors (SDK retries are disabled). */
  retry?: Partial<RetryPolicy>
  /** Timeout of one HTTP attempt, in milliseconds (default 600000). */
  timeoutMs?: number
  /** Prices (USD per 1M tokens) that extend or override the built-in table. */
  prices?: Record<string, OpenAIModelPrice>
  /** Provider name in results and traces (default `openai`). */
  provider?: string
}

/**
 * Creates language models of one OpenAI(-compatible) endpoint: an
 * {@link OpenAIChatLanguageModel} or an {@link OpenAICompletionLanguageModel} by `options.api`.
 */
export type OpenAIProvider = (modelId: string, options?: OpenAIModelOptions) => OpenAILanguageModel

/** The default endpoint of a model id: `completion` for `*-instruct`, `davinci-002` and `babbage-002`, else `chat`. */
export function defaultOpenAIApi(modelId: string): OpenAIApi {
  return /instruct|^davinci-002$|^babbage-002$/.test(modelId) ? 'completion' : 'chat'
}

/**
 * Creates a provider: `createOpenAI(settings)('gpt-4o-mini', options)` is a metagen
 * LanguageModel. The API key is `settings.apiKey`, else the OPENAI_API_KEY environment
 * variable (loadApiKey of @metagen/provider-utils). Throws {@link InvalidArgumentError}
 * (argument `settings.apiKey`, naming OPENAI_API_KEY) when api.openai.com is targeted and
 * neither gives a key; compatible servers get the placeholder key `none`.
 */
export function createOpenAI(settings: OpenAISettings = {}): OpenAIProvider {
  const baseURL = settings.baseURL ?? process.env.OPENAI_BASE_URL
  let hostname = 'api.openai.com'
  if (baseURL !== undefined) {
    try {
      hostname = new URL(baseURL).hostname
    } catch (error) {
      throw new InvalidArgumentError({
        argument: 'settings.baseURL',
        expected: 'an absolute URL such as http://127.0.0.1:8000/v1',
        received: baseURL,
        cause: error,
      })
    }
  }
  const officialApi = /(^|\.)api\.openai\.com$/.test(hostname)
  const compatibility = settings.compatibility ?? (officialApi ? 'strict' : 'compatible')
  if (compatibility !== 'strict' && compatibility !== 'compatible' && compatibility !== 'vllm') {
    throw new InvalidArgumentError({
      argument: 'settings.compatibility',
      expected: '"strict", "compatible" or "vllm"',
      received: compatibility,
    })
  }
  const concurrency = settings.concurrency ?? 8
  assertInteger('settings.concurrency', concurrency, 1)
  const timeoutMs = settings.timeoutMs ?? 600_000
  assertNumberInRange('settings.timeoutMs', timeoutMs, { min: 0, minInclusive: false })
  const retry = resolveRetryPolicy(settings.retry)
  let client = settings.client
  if (!client) {
    const keySource = {
      apiKey: settings.apiKey,
      environmentVariableName: 'OPENAI_API_KEY',
      description: 'an OpenAI API key',
    }
    client = new OpenAI({
      apiKey: officialApi ? loadApiKey(keySource) : (loadOptionalApiKey(keySource) ?? 'none'),
      ...compact({
        baseURL,
        organization: settings.organization,
        project: settings.project,
        defaultHeaders: settings.headers,
        fetch: settings.fetch,
      }),
      maxRetries: 0,
      timeout: timeoutMs,
    })
  }
  const config = {
    provider: settings.provider ?? 'openai',
    client,
    compatibility,
    retry,
    timeoutMs,
    prices: { ...openaiPrices, ...settings.prices },
    concurrency,
  }
  return (modelId, options = {}) => {
    const api = options.api ?? defaultOpenAIApi(modelId)
    if (api === 'chat') return new OpenAIChatLanguageModel(modelId, config, options)
    if (api === 'completion') return new OpenAICompletionLanguageModel(modelId, config, options)
    throw new InvalidArgumentError({
      argument: 'options.api',
      expected: '"chat" or "completion"',
      received: api,
    })
  }
}
