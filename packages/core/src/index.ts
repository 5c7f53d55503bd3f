// @metagen/core: the specification every metagen package builds on.

export type {
  Budget,
  BudgetAmount,
  BudgetLimit,
  BudgetReservation,
  BudgetTracker,
  OutputTokenQuery,
  ReservedAmount,
  StopReason,
} from './budget.js'
export {
  budgetLimitSchema,
  createBudgetTracker,
  createRecordingBudgetTracker,
} from './budget.js'
export { concatBytes } from './bytes.js'
export type { Compact } from './compact.js'
export { compact } from './compact.js'
export type { ConcurrencyLimiter } from './concurrency.js'
export { createConcurrencyLimiter } from './concurrency.js'
export { assertCanContinue, continueInput } from './continue-input.js'
export {
  AbortedError,
  ApiCallError,
  BudgetExhaustedError,
  hasErrorMarker,
  InvalidArgumentError,
  MetagenError,
  ModelLoadError,
  throwIfAborted,
  UnsupportedCapabilityError,
} from './errors.js'
export type {
  Candidate,
  Generator,
  GeneratorResult,
  RunContext,
  TextInput,
  TextOutput,
} from './generator.js'
export type {
  ChatMessage,
  ContinuationSupport,
  FinishReason,
  GenerateOutput,
  GenerateRequest,
  GenerateResult,
  GenerateWarning,
  LanguageModel,
  LanguageModelCapabilities,
  ModelPrice,
  ResponseFormat,
  ScoreContinuationsRequest,
  ScoreContinuationsResult,
  TokenLogprob,
} from './language-model.js'
export type { LanguageModelGeneratorOptions } from './language-model-generator.js'
export { languageModelGenerator } from './language-model-generator.js'
export { argmax, logSoftmax, logSumExp, softmax } from './math.js'
export { noOutputError } from './no-output-error.js'
export { answersMatch, normaliseAnswer } from './normalise-answer.js'
export type {
  OptionInfo,
  OptionKind,
} from './option-schema.js'
export {
  describeOptionRange,
  describeOptionSchema,
  describeSchemaRange,
  isNestedStrategySchema,
  nestedStrategySchema,
  optionsJsonSchema,
  parseOption,
} from './option-schema.js'
export { validateGenerateRequest, validateResponseFormat } from './request.js'
export type { Rng } from './rng.js'
export { createRng, drawWeighted, mixSeed } from './rng.js'
export type { RunOptions, RunProgress, RunResult } from './run.js'
export { run } from './run.js'
export type { RunContextOptions } from './run-context.js'
export {
  callModel,
  callScoreContinuations,
  callScorer,
  createRunContext,
  runChild,
  stopReason,
} from './run-context.js'
export type {
  Score,
  ScoreOptions,
  ScoreRequest,
  ScoreResult,
  Scorer,
  ScorerKind,
  StepScore,
} from './scorer.js'
export type {
  ScalingKnob,
  StrategyDefinition,
  StrategyEnvironment,
  StrategyOptionsSchema,
  StrategySpec,
} from './strategy.js'
export { defineStrategy, scaleOption, scaleWidthTimesExpansions } from './strategy.js'
export type { RequestOptions } from './text-input.js'
export {
  assertTextInput,
  programRepairInput,
  questionText,
  requestForInput,
} from './text-input.js'
export type {
  ExtendRequest,
  ExtendResult,
  SampledTokens,
  SampleTokensRequest,
  SequenceState,
  SpeculativeTokens,
  SpeculativeTokensRequest,
  TokenModel,
  TokenModelStats,
} from './token-model.js'
export type { Tokenizer } from './tokenizer.js'
export type { CollectingTraceSink, TraceEvent, TraceEventKind, TraceSink } from './trace.js'
export { createCollectingTraceSink, noopTraceSink } from './trace.js'
export type { Usage } from './usage.js'
export { addUsage, emptyUsage, totalTokens } from './usage.js'
export {
  assertInteger,
  assertNonEmptyString,
  assertNumberInRange,
  assertTruncateLength,
} from './validate.js'
export type { PromptTokenOverhead } from './worst-case-usage.js'
export {
  assertPromptTokenOverhead,
  byteBoundInputTokens,
  defaultPromptTokenOverhead,
  maxInputCostUsd,
  maxInputTokensOf,
  maxScoringInputTokensOf,
  promptAsMessage,
} from './worst-case-usage.js'
