// @metagen/decoders: token-level generation algorithms (logits processors, sampling, beam
// search, diverse beam, contrastive search and decoding, logit arithmetic) over any TokenModel.

export type { DecoderCall, DecoderLanguageModelOptions } from './decoder-language-model.js'
export { createDecoderLanguageModel } from './decoder-language-model.js'
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
export type {
  DecodedSequence,
  DecodeResult,
  LogitsCombiner,
  SampleSequencesOptions,
  SequenceFinishReason,
} from './sample-sequences.js'
export { sampleSequences } from './sample-sequences.js'
export type { ProcessorContext, SamplingOptions } from './sampling-options.js'
export { applyPenalties, applyTruncation, validateSamplingOptions } from './sampling-options.js'
export type {
  ScoreTokenContinuationsOptions,
  ScoreTokenContinuationsResult,
} from './score-continuations.js'
export { scoreTokenContinuations } from './score-continuations.js'
export type { TokenLanguageModelOptions } from './token-language-model.js'
export { createTokenLanguageModel, resolveSamplingOptions } from './token-language-model.js'
export type { TokenChoice, TokenSampler } from './token-sampler.js'
export { createTokenSampler, sampleFromLogprobs } from './token-sampler.js'
