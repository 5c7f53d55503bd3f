// @metagen/decoders: token-level generation algorithms (logits processors, sampling, beam
// search, diverse beam, contrastive search and decoding, logit arithmetic) over any TokenModel.

export type {
  BasisAwareTruncation,
  BasisAwareTruncationOptions,
  BasisAwareTruncationStats,
  Unembedding,
} from './basis-aware-truncation.js'
export { createBasisAwareTruncation } from './basis-aware-truncation.js'
export type {
  BeamHypothesis,
  BeamSearchOptions,
  BeamSearchResult,
  DiverseBeamSearchOptions,
} from './beam-search.js'
export { beamSearch, diverseBeamSearch } from './beam-search.js'
export type { BeamSearchLanguageModelOptions } from './beam-search-language-model.js'
export {
  createBeamSearchLanguageModel,
  createDiverseBeamSearchLanguageModel,
} from './beam-search-language-model.js'
export * from './constrained/index.js'
export type {
  ContrastiveDecodingOptions,
  ContrastiveScoreOptions,
} from './contrastive-decoding.js'
export { contrastiveDecoding, createContrastiveCombiner } from './contrastive-decoding.js'
export type {
  ContrastiveDecodingLanguageModelOptions,
  LogitArithmeticLanguageModelOptions,
  MultiModelLanguageModelOptions,
} from './contrastive-decoding-language-model.js'
export {
  createContrastiveDecodingLanguageModel,
  createLogitArithmeticLanguageModel,
} from './contrastive-decoding-language-model.js'
export type { ContrastiveSearchOptions } from './contrastive-search.js'
export { contrastiveSearch, logitsRepresentation } from './contrastive-search.js'
export type { ContrastiveSearchLanguageModelOptions } from './contrastive-search-language-model.js'
export { createContrastiveSearchLanguageModel } from './contrastive-search-language-model.js'
export type { DecoderCall, DecoderLanguageModelOptions } from './decoder-language-model.js'
export { createDecoderLanguageModel } from './decoder-language-model.js'
export type { LogitArithmeticOptions } from './logit-arithmetic.js'
export { createWeightedLogitsCombiner, logitArithmetic } from './logit-arithmetic.js'
export type { DecodeStats } from './prefill.js'
export { applyEpsilon, applyEta } from './processors/epsilon-eta.js'
export { applyMinP } from './processors/min-p.js'
export type { MirostatOptions } from './processors/mirostat.js'
export { applyMirostatV2, updateMirostatMu } from './processors/mirostat.js'
export { applyFrequencyPresencePenalty, applyRepetitionPenalty } from './processors/penalties.js'
export { applyTemperature } from './processors/temperature.js'
export {
  applyAllowedTokens,
  applyBannedTokens,
  applyLogitBias,
  applyMinNewTokens,
  applyNoRepeatNgram,
} from './processors/token-masks.js'
export { applyTopK } from './processors/top-k.js'
export { applyTopP } from './processors/top-p.js'
export { applyTypicalP } from './processors/typical.js'
export type { ProxyTuneOptions } from './proxy-tune.js'
export { proxyTune } from './proxy-tune.js'
export type {
  RewardGuidanceStats,
  RewardGuidedDecodeOptions,
  RewardGuidedDecodeResult,
  RewardScale,
} from './reward-guided-decode.js'
export { rewardGuidedDecode } from './reward-guided-decode.js'
export type { RewardGuidedLanguageModelOptions } from './reward-guided-language-model.js'
export { createRewardGuidedLanguageModel } from './reward-guided-language-model.js'
export type {
  DecodedSequence,
  DecodeResult,
  LogitsCombiner,
  SampleSequencesOptions,
  SequenceFinishReason,
} from './sample-sequences.js'
export { sampleSequences } from './sample-sequences.js'
export type { LogitsProcessor, ProcessorContext, SamplingOptions } from './sampling-options.js'
export { applyPenalties, applyTruncation, validateSamplingOptions } from './sampling-options.js'
export type {
  ScoreTokenContinuationsOptions,
  ScoreTokenContinuationsResult,
} from './score-continuations.js'
export { scoreTokenContinuations } from './score-continuations.js'
export * from './speculative/index.js'
export type { HealedPrompt, TokenHealingOptions } from './token-healing.js'
export { createTokenHealingProcessor, healedText, healPrompt } from './token-healing.js'
export type { TokenLanguageModelOptions } from './token-language-model.js'
export { createTokenLanguageModel, resolveSamplingOptions } from './token-language-model.js'
export type { TokenChoice, TokenSampler } from './token-sampler.js'
export { createTokenSampler, sampleFromLogprobs } from './token-sampler.js'
