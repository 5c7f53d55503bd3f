// Every strategy the metagen algorithm packages contribute (each package's `strategies` subpath
// export), and the default registry built from them.
import { strategies as chainedStrategies } from '@metagen/chained/strategies'
import type { StrategyDefinition } from '@metagen/core'
import { strategies as decoderStrategies } from '@metagen/decoders/strategies'
import { strategies as parallelStrategies } from '@metagen/parallel/strategies'
import { strategies as searchStrategies } from '@metagen/search/strategies'
import { createStrategyRegistry, type StrategyRegistry } from './strategy-registry.js'

/**
 * The strategies of @metagen/decoders (incl. speculative and constrained), @metagen/parallel,
 * @metagen/chained and @metagen/search, in that order.
 */
export const builtinStrategies: readonly StrategyDefinition[] = [
  ...decoderStrategies,
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
