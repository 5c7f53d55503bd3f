// @metagen/orchestrator: runs generators (budget, concurrency, cancellation, tracing, progress),
// builds them from strategy specs, evaluates and measures them, and exports traces and reports.

export { builtinStrategies, createDefaultStrategyRegistry } from './builtin-strategies.js'
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
export type { RunOptions, RunProgress, RunResult } from './run.js'
export { run } from './run.js'
export type { MeasureScalingOptions, ScalingKnob } from './scale.js'
export { findScalingKnob, measureScaling, scalingKnobs } from './scale.js'
export { chainedStrategies } from './strategies/chained.js'
export { decoderStrategies } from './strategies/decoders.js'
export { parallelStrategies } from './strategies/parallel.js'
export type {
  RemoteLanguageModelFactory,
  RemoteModelFactorySettings,
} from './strategies/remote.js'
export { remoteModelFactories } from './strategies/remote.js'
export type { ClosableScorer, ScorerFactory, ScorerFactoryOptions } from './strategies/scorers.js'
export { scorerFactories } from './strategies/scorers.js'
export { searchStrategies } from './strategies/search.js'
export { speculativeStrategies, tinymathSolutionPattern } from './strategies/speculative.js'
export type {
  StrategyDefinition,
  StrategyEnvironment,
  StrategyOptionDefinition,
  StrategyOptionType,
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
  specFromFlags,
  strategyFlagConfig,
  toCamelCase,
  toKebabCase,
} from './strategy-flags.js'
export type { StrategyRegistry } from './strategy-registry.js'
export { createStrategyRegistry, describeOptionRange } from './strategy-registry.js'
export type { TraceTreeNode } from './trace-export.js'
export {
  buildTraceTree,
  createJsonLinesTraceSink,
  mergeRunTraces,
  parseTraceJsonLines,
  traceToJsonLines,
} from './trace-export.js'
