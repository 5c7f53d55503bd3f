// Speculative decoding: drafters (a small model, or prompt lookup) and the verification loop,
// as a function and as a LanguageModel.

export type {
  DraftChoice,
  Drafter,
  DraftProposal,
  DraftRequest,
  DraftSession,
} from './drafter.js'
export { createModelDrafter } from './model-drafter.js'
export type { PromptLookupDrafterOptions } from './prompt-lookup-drafter.js'
export { createPromptLookupDrafter, findContinuation } from './prompt-lookup-drafter.js'
export type {
  SpeculativeDecodeOptions,
  SpeculativeDecodeResult,
  SpeculativeStats,
} from './speculative-decode.js'
export { speculativeDecode } from './speculative-decode.js'
export type { SpeculativeLanguageModelOptions } from './speculative-language-model.js'
export { createSpeculativeLanguageModel } from './speculative-language-model.js'
