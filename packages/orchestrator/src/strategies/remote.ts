// Remote language models for `--model openai:<id>` / `anthropic:<id>` (with `--base-url`):
// factories over @metagen/openai and @metagen/anthropic, keyed by the id prefix.

import type { LanguageModel } from '@metagen/core'
import { compact } from '@metagen/core'
import { loadBackend } from '../load-backend.js'

/** Connection settings of one remote model. */
export interface RemoteModelFactorySettings {
  /** Base URL of the API: `http://host:port/v1` for OpenAI-compatible servers, `http://host:port` for Anthropic (default: the provider's). */
  baseURL?: string
  /** Alias of `baseURL` (the spelling of the orchestrator's RemoteModelSettings). */
  baseUrl?: string
  /** API key (default: OPENAI_API_KEY / ANTHROPIC_API_KEY; OpenAI-compatible servers at another baseURL need none). */
  apiKey?: string
  /** Maximum requests in flight for this model, an integer >= 1 (default 8). */
  concurrency?: number
}

/**
 * Creates the remote language model `modelId` of one provider. The built-in factories import
 * their adapter package on first use (an optional peer dependency of the orchestrator).
 */
export type RemoteLanguageModelFactory = (
  modelId: string,
  settings?: RemoteModelFactorySettings,
) => LanguageModel | Promise<LanguageModel>

function connection(settings: RemoteModelFactorySettings) {
  const baseURL = settings.baseURL ?? settings.baseUrl
  return {
    ...compact({ baseURL, apiKey: settings.apiKey, concurrency: settings.concurrency }),
  }
}

/**
 * The remote factories by provider prefix: `openai` (OpenAI and OpenAI-compatible servers such
 * as vLLM, llama.cpp server, Ollama, SGLang), `vllm` (a vLLM-compatible server through its
 * completions API, with echo scoring and guided decoding) and `anthropic` (the Messages API). Missing keys
 * and bad settings reject with InvalidArgumentError naming the setting; a missing adapter
 * package (@metagen/openai, @metagen/anthropic) with ModelLoadError saying what to install.
 */
export const remoteModelFactories: Readonly<
  Record<'openai' | 'anthropic' | 'vllm', RemoteLanguageModelFactory>
> = {
  openai: async (modelId, settings = {}) => {
    const { createOpenAI } = await loadBackend('@metagen/openai', `openai:${modelId}`)
    return createOpenAI(connection(settings))(modelId)
  },
  // A vLLM-compatible server (vLLM, SGLang, `metagen serve`): the completions API, which scores
  // continuations by echo, and guided decoding for the constrained strategy.
  vllm: async (modelId, settings = {}) => {
    const { createOpenAI } = await loadBackend('@metagen/openai', `vllm:${modelId}`)
    return createOpenAI({ ...connection(settings), compatibility: 'vllm' })(modelId, {
      api: 'completion',
    })
  },
  anthropic: async (modelId, settings = {}) => {
    const { createAnthropic } = await loadBackend('@metagen/anthropic', `anthropic:${modelId}`)
    return createAnthropic(connection(settings))(modelId)
  },
}
