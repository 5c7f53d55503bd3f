// @metagen/orchestrator: the wiring around the algorithm packages: the strategy registry (the
// definitions each package exports from its `strategies` subpath), spec parsing and CLI flags,
// model resolution (backends loaded lazily), evaluate / scale / reports, and trace export.
// `run()` lives in @metagen/core and is re-exported here for compatibility.

export type { RunOptions, RunProgress, RunResult } from '@metagen/core'
export { describeOptionRange, run } from '@metagen/core'
export { builtinStrategies, createDefaultStrategyRegistry } from './builtin-strategies.js'
export type { EvaluationProblemSet } from './code-problem-set.js'
export { codeProblemExpectedAnswer, codeProblemSet } from './code-problem-set.js'
export type {
  ComputeReport,
  ComputeReportEntry,
  ComputeReportRow,
} from './compute-report.js'
export { createComputeReport, formatComputeReportMarkdown } from './compute-report.js'
export type {
  EvaluateOptions,
  EvaluationProblem,
  EvaluationProgress,
  EvaluationResult,
  ProblemResult,
} from './evaluate.js'
export { evaluate } from './evaluate.js'
export { loadStrategySpec, parseStrategySpec } from './parse-strategy-spec.js'
export type { RemoteModelFactory, RemoteModelSettings } from './remote-models.js'
export { defaultRemoteModelFactories } from './remote-models.js'
export type { ScalingPlotOptions } from './render-scaling-plot.js'
export { renderScalingPlotSvg } from './render-scaling-plot.js'
export type { MeasureScalingOptions } from './scale.js'
export { findScalingKnob, measureScaling } from './scale.js'
export type {
  RemoteLanguageModelFactory,
  RemoteModelFactorySettings,
} from './strategies/remote.js'
export { remoteModelFactories } from './strategies/remote.js'
export type { ClosableScorer, ScorerFactory, ScorerFactoryOptions } from './strategies/scorers.js'
export { scorerFactories } from './strategies/scorers.js'
export type {
  ScalingKnob,
  StrategyDefinition,
  StrategyEnvironment,
  StrategyOptionsSchema,
  StrategySpec,
} from './strategy.js'
export type {
  ManagedStrategyEnvironment,
  ResolvedModel,
  StrategyEnvironmentOptions,
} from './strategy-environment.js'
export {
  createStrategyEnvironment,
  describeModelIds,
  resolveModelId,
} from './strategy-environment.js'
export {
  convertFlagValue,
  describeStrategyOptions,
  readIntegerFlag,
  specFromFlags,
  strategyFlagConfig,
  toCamelCase,
  toKebabCase,
} from './strategy-flags.js'
export type { StrategyRegistry } from './strategy-registry.js'
export { createStrategyRegistry, strategyJsonSchema } from './strategy-registry.js'
export type { TraceTreeNode } from './trace-export.js'
export {
  buildTraceTree,
  createJsonLinesTraceSink,
  mergeRunTraces,
  parseTraceJsonLines,
  traceToJsonLines,
} from './trace-export.js'
