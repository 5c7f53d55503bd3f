// @metagen/chained: chained meta-generators: prompt chains, chain-of-thought, self-refine,
// refinement with external feedback, and tool calls inside generation.

export type { CalculatorToolOptions } from './calculator-tool.js'
export { calculatorTool, evaluateArithmetic } from './calculator-tool.js'
export type { ChainOfThoughtOptions, ChainOfThoughtOutput } from './chain-of-thought.js'
export { chainOfThought } from './chain-of-thought.js'
export type {
  Attempt,
  Critic,
  Critique,
  CritiqueInput,
  RevisionPlan,
  RevisionState,
} from './critique.js'
export type { ModelCriticOptions } from './model-critic.js'
export { defaultFeedbackTemplate, defaultIsDone, modelCritic } from './model-critic.js'
export type { ChainStep, ChainStepContext } from './prompt-chain.js'
export { ChainStepError, PromptChainBuilder, promptChain } from './prompt-chain.js'
export type { ArithmeticRecheckCriticOptions } from './recheck-critic.js'
export { arithmeticRecheckCritic } from './recheck-critic.js'
export type { RefineOptions, RefineOutput, RefineStopReason } from './refine.js'
export { refine } from './refine.js'
export type { RefineWithVerifierOptions } from './refine-with-verifier.js'
export { refineWithVerifier } from './refine-with-verifier.js'
export type { ContinuationRevisionOptions } from './revisions.js'
export { continuationRevision, formatMemory, instructionRevision } from './revisions.js'
export type { ScorerCriticOptions } from './scorer-critic.js'
export { scorerCritic } from './scorer-critic.js'
export type { ScorerFeedbackCriticOptions } from './scorer-feedback-critic.js'
export { scorerFeedbackCritic } from './scorer-feedback-critic.js'
export type { SelfDebugOptions, SelfDebugRevisionOptions } from './self-debug.js'
export { selfDebug, selfDebugRevision } from './self-debug.js'
export type { SelfRefineOptions } from './self-refine.js'
export { selfRefine } from './self-refine.js'
export { appendToInput } from './text-input.js'
export type { Tool, ToolCall, ToolMatch } from './tool.js'
export type { ToolUseOptions, ToolUseOutput } from './tool-use.js'
export { toolUse } from './tool-use.js'
