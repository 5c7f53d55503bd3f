// Strategy specs and definitions. The types live in @metagen/core (each algorithm package
// defines its strategies against them); they are re-exported here for compatibility.
export type {
  ScalingKnob,
  StrategyDefinition,
  StrategyEnvironment,
  StrategyOptionsSchema,
  StrategySpec,
} from '@metagen/core'
