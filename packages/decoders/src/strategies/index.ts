// @metagen/decoders/strategies: the decoders' strategy definitions (options schema, builder and
// scaling knob) for a strategy registry such as @metagen/orchestrator's. Importing this entry
// loads no constraint compiler: constrained decoding loads it when a generator is built.
import type { StrategyDefinition } from '@metagen/core'
import { decoderStrategies } from './decoder-strategies.js'
import { speculativeStrategies } from './speculative-strategies.js'

export {
  beamStrategy,
  contrastiveDecodingStrategy,
  contrastiveSearchStrategy,
  decoderStrategies,
  diverseBeamStrategy,
  greedyStrategy,
  logitArithmeticStrategy,
  rewardGuidedStrategy,
  sampleStrategy,
} from './decoder-strategies.js'
export type { ModelGeneratorOptions } from './model-generator.js'
export { createModelGenerator, logprobRequest, tryTokenModel } from './model-generator.js'
export {
  constrainedStrategy,
  speculativeStrategies,
  speculativeStrategy,
  tinymathSolutionPattern,
} from './speculative-strategies.js'

/** Every strategy of @metagen/decoders, in registration order. */
export const strategies: readonly StrategyDefinition[] = [
  ...decoderStrategies,
  ...speculativeStrategies,
]
