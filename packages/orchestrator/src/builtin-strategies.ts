// Every strategy the metagen packages contribute, and the default registry built from them.
import { chainedStrategies } from './strategies/chained.js'
import { decoderStrategies } from './strategies/decoders.js'
import { parallelStrategies } from './strategies/parallel.js'
import { searchStrategies } from './strategies/search.js'
import { speculativeStrategies } from './strategies/speculative.js'
import type { StrategyDefinition } from './strategy.js'
import { createStrategyRegistry, type StrategyRegistry } from './strategy-registry.js'

/** The strategies of @metagen/decoders (incl. speculative and constrained), parallel, chained and search. */
export const builtinStrategies: readonly StrategyDefinition[] = [
  ...decoderStrategies,
  ...speculativeStrategies,
  ...parallelStrategies,
  ...chainedStrategies,
  ...searchStrategies,
]

/** A registry of {@link builtinStrategies} plus `extra` definitions (names must not clash). */
export function createDefaultStrategyRegistry(
  extra: readonly StrategyDefinition[] = [],
): StrategyRegistry {
  return createStrategyRegistry([...builtinStrategies, ...extra])
}
