// The `createAnthropic(settings)` factory: one SDK client, shared by the models it creates.

import Anthropic from '@anthropic-ai/sdk'
import { assertInteger, assertNumberInRange, compact } from '@metagen/core'
import { loadApiKey, type RetryPolicy, resolveRetryPolicy } from '@metagen/provider-utils'
import { AnthropicLanguageModel, type AnthropicModelOptions } from './anthropic-language-model.js'
import { type AnthropicModelPrice, anthropicPrices } from './anthropic-prices.js'

/** Settings of {@link createAnthropic}. */
export interface AnthropicSettings {
  /** API key. Default: the ANTHROPIC_API_KEY environment variable; required (an InvalidArgumentError naming `settings.apiKey` and ANTHROPIC_API_KEY when neither is set). The SDK sends it as `Authorization: Bearer`. */
  apiKey?: string
  /** Base URL, e.g. `http://127.0.0.1:8080` (the SDK appends `/v1/messages`). Default: ANTHROPIC_BASE_URL or https://api.anthropic.com. */
  baseURL?: string
  /** Extra headers sent with every request (e.g. `anthropic-beta`). */
  headers?: Record<string, string>
  /** A fetch implementation (for tests or proxies). */
  fetch?: typeof globalThis.fetch
  /** A ready SDK client; `apiKey`, `baseURL`, `headers` and `fetch` are then ignored. */
  client?: Anthropic
  /** Maximum requests in flight per model instance, an integer >= 1 (default 8). */
  concurrency?: number
  /** Retry policy of 429/408/409/5xx (529 overloaded included), timeouts and connection errors (SDK retries are disabled). */
  retry?: Partial<RetryPolicy>
  /** Timeout of one HTTP attempt, in milliseconds (default 600000). */
  timeoutMs?: number
  /** Prices (USD per 1M tokens) that extend or override the built-in table. */
  prices?: Record<string, AnthropicModelPrice>
  /** Provider name in results and traces (default `anthropic`). */
  provider?: string
}

/** Creates language models of one Anthropic endpoint. */
export type AnthropicProvider = (
  modelId: string,
  options?: AnthropicModelOptions,
) => AnthropicLanguageModel

/**
 * Creates a provider: `createAnthropic(settings)('claude-haiku-4-5', options)` is a metagen
 * LanguageModel. The API key is `settings.apiKey`, else the ANTHROPIC_API_KEY environment
 * variable (loadApiKey of @metagen/provider-utils); throws InvalidArgumentError (argument
 * `settings.apiKey`, naming ANTHROPIC_API_KEY) when neither gives one, unless a `client` is
 * injected.
 */
export function createAnthropic(settings: AnthropicSettings = {}): AnthropicProvider {
  const concurrency = settings.concurrency ?? 8
  assertInteger('settings.concurrency', concurrency, 1)
  const timeoutMs = settings.timeoutMs ?? 600_000
  assertNumberInRange('settings.timeoutMs', timeoutMs, { min: 0, minInclusive: false })
  const retry = resolveRetryPolicy(settings.retry)
  let client = settings.client
  if (!client) {
    const apiKey = loadApiKey({
      apiKey: settings.apiKey,
      environmentVariableName: 'ANTHROPIC_API_KEY',
      description: 'an Anthropic API key',
    })
    client = new Anthropic({
      apiKey,
      ...compact({
        baseURL: settings.baseURL ?? process.env.ANTHROPIC_BASE_URL,
        defaultHeaders: settings.headers,
        fetch: settings.fetch,
      }),
      maxRetries: 0,
      timeout: timeoutMs,
    })
  }
  const config = {
    provider: settings.provider ?? 'anthropic',
    client,
    retry,
    timeoutMs,
    prices: { ...anthropicPrices, ...settings.prices },
    concurrency,
  }
  return (modelId, options) => new AnthropicLanguageModel(modelId, config, options)
}
