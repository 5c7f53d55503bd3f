// The strategy environment a request runs in: the run model and every model a strategy option
// names (`draft`, `amateur`, `expert`, `judge`, ...) must be served models; a reference that is
// not served is a 400 before anything loads. Models stay shared by all requests.
import type { Generator, LanguageModel, TextInput, TextOutput, TokenModel } from '@metagen/core'
import type {
  ManagedStrategyEnvironment,
  StrategyEnvironment,
  StrategyRegistry,
  StrategySpec,
} from '@metagen/orchestrator'
import type { ModelCatalog, ServedModel } from './model-catalog.js'
import type { ServerMetrics } from './server-metrics.js'

/** Options of {@link createServedEnvironment}. */
export interface ServedEnvironmentOptions {
  /** The shared environment that loads and caches the models. */
  shared: ManagedStrategyEnvironment
  /** The served models. */
  catalog: ModelCatalog
  /** The registry nested specs are built with. */
  registry: StrategyRegistry
  /** The request's run model. */
  model: ServedModel
  /** Where load states are reported. */
  metrics: ServerMetrics
  /** Maximum tokens per output for this request. */
  maxTokens: number
}

/**
 * A StrategyEnvironment whose model ids are served ids: `languageModel(id)` and `tokenModel(id)`
 * map `id` through the catalog (throwing InvalidArgumentError `metagen.strategy` for a model
 * that is not served), nested specs are built in this same environment, scorers come from the
 * shared environment of the run model.
 */
export function createServedEnvironment(options: ServedEnvironmentOptions): StrategyEnvironment {
  const { catalog, metrics } = options
  const run = options.shared.forModel(options.model.reference)
  const lookUp = (id: string | undefined): ServedModel =>
    id === undefined || id === options.model.id || id === options.model.reference
      ? options.model
      : catalog.resolve(id, 'metagen.strategy')
  const track = <T>(model: ServedModel, load: () => Promise<T>): Promise<T> => {
    const before = metrics.modelState(model.id)
    if (before !== 'loaded') metrics.setModelState(model.id, 'loading')
    const promise = load()
    promise.then(
      () => metrics.setModelState(model.id, 'loaded'),
      () => metrics.setModelState(model.id, 'failed'),
    )
    return promise
  }
  const environment: StrategyEnvironment = {
    modelId: options.model.id,
    maxTokens: options.maxTokens,
    languageModel(id?: string): Promise<LanguageModel> {
      const model = lookUp(id)
      return track(model, () => run.languageModel(model.reference))
    },
    tokenModel(id?: string): Promise<TokenModel> {
      const model = lookUp(id)
      return track(model, () => run.tokenModel(model.reference))
    },
    scorer: (name) => run.scorer(name),
    build: (spec: StrategySpec): Promise<Generator<TextInput, TextOutput>> =>
      options.registry.build(spec, environment),
    extractAnswer: (text) => run.extractAnswer(text),
  }
  return environment
}
