// The StrategyEnvironment of a run: resolves model ids (embedded tinymath models, local model
// folders, `openai:<id>`, `anthropic:<id>`), loads each model once, builds scorers by name and
// closes everything at the end.
import { existsSync, realpathSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  assertInteger,
  assertNonEmptyString,
  compact,
  type Generator,
  InvalidArgumentError,
  type LanguageModel,
  type Scorer,
  type TextInput,
  type TextOutput,
  type TokenModel,
  UnsupportedCapabilityError,
} from '@metagen/core'
import type { OnnxDtype } from '@metagen/onnx'
import {
  extractAnswer as extractTinymathAnswer,
  isTinymathModelId,
  tinymathModelIds,
  tinymathModelPaths,
} from '@metagen/tinymath'
import { loadBackend } from './load-backend.js'
import {
  defaultRemoteModelFactories,
  type RemoteModelFactory,
  type RemoteModelSettings,
} from './remote-models.js'
import {
  scorerFactories as defaultScorerFactories,
  type ScorerFactory,
} from './strategies/scorers.js'
import type { StrategyEnvironment, StrategySpec } from './strategy.js'
import type { StrategyRegistry } from './strategy-registry.js'

/** Options of {@link createStrategyEnvironment}. */
export interface StrategyEnvironmentOptions {
  /** The run model: a tinymath id, a local model folder, `openai:<id>` or `anthropic:<id>`. */
  modelId: string
  /** The registry nested specs are built with. */
  registry: StrategyRegistry
  /** Maximum tokens per generated output, an integer >= 1 (default 128 for local models, 512 for remote ones). */
  maxTokens?: number
  /** Base URL of the remote API (e.g. a local OpenAI-compatible server), for `openai:`/`anthropic:` ids. */
  baseUrl?: string
  /** API key for remote models (default: the provider's environment variable). */
  apiKey?: string
  /** onnxruntime threads per local model (default: the backend's). */
  threads?: number
  /**
   * Weight variant of every local model folder of the run (run model, drafts, proposers), with
   * transformers.js's file names: `q8` loads onnx/model_quantized.onnx (default `fp32`).
   */
  dtype?: OnnxDtype
  /** Answer extraction (default: tinymath's `The answer is N.`). */
  extractAnswer?: (text: string) => string | undefined
  /** Remote model factories by provider prefix (default: `openai` and `anthropic`). */
  remoteModelFactories?: Readonly<Record<string, RemoteModelFactory>>
  /** Scorer factories by name (default: those of @metagen/scorers). */
  scorerFactories?: Readonly<Record<string, ScorerFactory>>
}

/** A StrategyEnvironment that owns the models and scorers it loaded. */
export interface ManagedStrategyEnvironment extends StrategyEnvironment {
  /** Ids of the models loaded so far (local and remote), in load order. */
  readonly loadedModelIds: readonly string[]
  /** Builds a spec (validated against the registry) into a generator. */
  build(spec: StrategySpec | string): Promise<Generator<TextInput, TextOutput>>
  /**
   * The same environment with another run model: models and scorers stay shared (each loads
   * once), and `close()` of the original closes them. Throws like {@link resolveModelId}.
   */
  forModel(modelId: string): ManagedStrategyEnvironment
  /** Closes every loaded model and scorer (of every `forModel` view too). Idempotent. */
  close(): Promise<void>
}

/** Scorers that do not depend on the run model, shared by every `forModel` view. */
const modelIndependentScorers = new Set(['step-checker', 'verifier', 'exact-answer', 'tests'])

/** How a model id resolves. */
export type ResolvedModel =
  | { kind: 'local'; modelId: string; path: string }
  | { kind: 'remote'; modelId: string; provider: string; remoteId: string }

/** Describes the accepted model ids, for error messages and `--help`. */
export function describeModelIds(providers: readonly string[] = ['openai', 'anthropic']): string {
  return `one of ${tinymathModelIds.join(', ')}, a local model folder path, or ${providers.map((provider) => `${provider}:<model>`).join(', ')}`
}

/**
 * Resolves a model id without loading anything. Throws {@link InvalidArgumentError} (argument
 * `model`) for an empty id, an unknown provider prefix or a name that is neither an embedded
 * model nor an existing folder; the message lists the accepted ids.
 */
export function resolveModelId(
  id: string,
  providers: readonly string[] = ['openai', 'anthropic'],
): ResolvedModel {
  assertNonEmptyString('model', id)
  if (isTinymathModelId(id)) return { kind: 'local', modelId: id, path: tinymathModelPaths[id] }
  const prefix = /^([a-z][a-z0-9-]*):(.*)$/.exec(id)
  if (prefix && !/^[a-zA-Z]:[\\/]/.test(id)) {
    const provider = prefix[1] as string
    const remoteId = prefix[2] as string
    if (!providers.includes(provider) || remoteId.trim() === '') {
      throw new InvalidArgumentError({
        argument: 'model',
        expected: describeModelIds(providers),
        received: id,
      })
    }
    return { kind: 'remote', modelId: id, provider, remoteId }
  }
  const path = resolve(id)
  if (existsSync(path) && statSync(path).isDirectory()) return { kind: 'local', modelId: id, path }
  throw new InvalidArgumentError({
    argument: 'model',
    expected: describeModelIds(providers),
    received: id,
  })
}

/** The `failure` of a token model that reports one (the ONNX backend's, after its worker died). */
function modelFailure(model: TokenModel): Error | undefined {
  const failure = (model as { failure?: unknown }).failure
  return failure instanceof Error ? failure : undefined
}

/** The cache key of a resolved model: the real path of a local folder, the id of a remote model. */
function cacheKey(resolved: ResolvedModel): string {
  if (resolved.kind === 'remote') return resolved.modelId
  try {
    return `local:${realpathSync(resolved.path)}`
  } catch {
    return `local:${resolved.path}`
  }
}

/**
 * Creates the environment of a run. Models load lazily on first use, once per id (concurrent
 * requests share one load); `close()` ends them all.
 */
export function createStrategyEnvironment(
  options: StrategyEnvironmentOptions,
): ManagedStrategyEnvironment {
  const remoteFactories = options.remoteModelFactories ?? defaultRemoteModelFactories
  const providers = Object.keys(remoteFactories)
  if (options.maxTokens !== undefined) assertInteger('maxTokens', options.maxTokens, 1)
  if (options.threads !== undefined) assertInteger('threads', options.threads, 1)
  const scorers = options.scorerFactories ?? defaultScorerFactories
  const extract = options.extractAnswer ?? extractTinymathAnswer
  const remoteSettings: RemoteModelSettings = {
    ...compact({ baseUrl: options.baseUrl, apiKey: options.apiKey }),
  }

  const tokenModels = new Map<string, Promise<TokenModel>>()
  const languageModels = new Map<string, Promise<LanguageModel>>()
  const localLanguageModels = new WeakMap<TokenModel, LanguageModel>()
  const scorerCache = new Map<string, Promise<Scorer>>()
  const loaded: string[] = []
  let closed = false

  const assertOpen = () => {
    if (closed) {
      throw new InvalidArgumentError({
        argument: 'environment',
        expected: 'an open environment (close() was already called)',
        received: 'closed',
      })
    }
  }

  const loadTokenModel = (id: string): Promise<TokenModel> => {
    const resolved = resolveModelId(id, providers)
    if (resolved.kind === 'remote') {
      return Promise.reject(
        new UnsupportedCapabilityError({
          capability: 'token-level',
          message: `Model ${id} is a remote API model: it offers no token-level access (logits, KV cache). Use a local model (${tinymathModelIds.join(', ')} or a model folder) for this strategy.`,
        }),
      )
    }
    // Keyed by the real path: two spellings of one folder (./m, m/, a symlink) load it once.
    const key = cacheKey(resolved)
    const cached = tokenModels.get(key)
    if (cached) {
      // A model whose worker died fails fast on every call: drop it and load it again.
      return cached.then((model) => {
        if (modelFailure(model) === undefined || closed) return model
        if (tokenModels.get(key) === cached) {
          tokenModels.delete(key)
          model.close().catch(() => {})
        }
        return loadTokenModel(id)
      })
    }
    // The local backend (onnxruntime-node) is loaded with the first local model.
    const loading = loadBackend('@metagen/onnx', resolved.modelId).then(({ loadOnnxTokenModel }) =>
      loadOnnxTokenModel(resolved.path, {
        modelId: resolved.modelId,
        ...compact({ threads: options.threads, dtype: options.dtype }),
      }),
    )
    tokenModels.set(key, loading)
    loading.then(
      () => {
        if (!loaded.includes(resolved.modelId)) loaded.push(resolved.modelId)
      },
      () => {
        // A failed load is not cached: the next call tries again.
        if (tokenModels.get(key) === loading) tokenModels.delete(key)
      },
    )
    return loading
  }

  const close = async () => {
    if (closed) return
    closed = true
    const closing: Array<Promise<unknown>> = []
    for (const promise of tokenModels.values()) {
      closing.push(promise.then((model) => model.close()).catch(() => {}))
    }
    for (const promise of scorerCache.values()) {
      closing.push(
        promise
          .then((scorer) => {
            const closable = scorer as Scorer & { close?: () => Promise<void> }
            return typeof closable.close === 'function' ? closable.close() : undefined
          })
          .catch(() => {}),
      )
    }
    await Promise.all(closing)
  }

  const makeEnvironment = (modelId: string): ManagedStrategyEnvironment => {
    const runModel = resolveModelId(modelId, providers)
    const maxTokens = options.maxTokens ?? (runModel.kind === 'local' ? 128 : 512)
    const environment: ManagedStrategyEnvironment = {
      modelId,
      maxTokens,
      get loadedModelIds() {
        return [...loaded]
      },
      async tokenModel(id = modelId) {
        assertOpen()
        return loadTokenModel(id)
      },
      async languageModel(id = modelId) {
        assertOpen()
        const resolved = resolveModelId(id, providers)
        const key = cacheKey(resolved)
        let promise = languageModels.get(key)
        if (resolved.kind === 'local') {
          // Not cached by id: the wrapper follows the token model, which is reloaded after a crash.
          return loadTokenModel(id).then(async (model) => {
            let wrapper = localLanguageModels.get(model)
            if (!wrapper) {
              const { createTokenLanguageModel } = await loadBackend('@metagen/decoders', id)
              wrapper = createTokenLanguageModel(model)
              localLanguageModels.set(model, wrapper)
            }
            return wrapper
          })
        }
        if (!promise) {
          const factory = remoteFactories[resolved.provider] as RemoteModelFactory
          promise = Promise.resolve().then(() => {
            const model = factory(resolved.remoteId, remoteSettings)
            loaded.push(resolved.modelId)
            return model
          })
          const settled = promise
          languageModels.set(key, settled)
          settled.catch(() => {
            if (languageModels.get(key) === settled) languageModels.delete(key)
          })
        }
        return promise
      },
      async scorer(name) {
        assertOpen()
        assertNonEmptyString('scorer', name)
        // Scorers that use the run model (logprob, judge) are kept per run model.
        const key = modelIndependentScorers.has(name) ? name : `${name}@${modelId}`
        let promise = scorerCache.get(key)
        if (!promise) {
          const factory = scorers[name]
          if (!factory) {
            throw new InvalidArgumentError({
              argument: 'scorer',
              expected: `one of ${Object.keys(scorers).join(', ')}`,
              received: name,
            })
          }
          promise = factory(environment, {})
          scorerCache.set(key, promise)
        }
        return promise
      },
      async build(spec) {
        assertOpen()
        return options.registry.build(spec, environment)
      },
      extractAnswer: (text) => extract(text),
      forModel: (other) => makeEnvironment(other),
      close,
    }
    return environment
  }
  return makeEnvironment(options.modelId)
}
