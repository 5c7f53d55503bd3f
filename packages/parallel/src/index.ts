// @metagen/parallel: best-of-N, rejection sampling, majority and weighted votes, minimum Bayes
// risk, adaptive consistency, universal self-consistency and pairwise tournaments, as composable
// generators.

export type {
  AdaptiveConsistencyOptions,
  AdaptiveConsistencyOutput,
} from './adaptive-consistency.js'
export { adaptiveConsistency } from './adaptive-consistency.js'
export type { BestOfNOptions } from './best-of-n.js'
export { bestOfN } from './best-of-n.js'
export type { CandidateSampler, SampledCandidate } from './candidate-sampler.js'
export { createCandidateSampler } from './candidate-sampler.js'
export { extractFinalAnswer } from './extract-final-answer.js'
export type { MajorityVoteOptions, VoteOutput } from './majority-vote.js'
export { majorityVote } from './majority-vote.js'
export type { MinimumBayesRiskOptions, MinimumBayesRiskOutput } from './minimum-bayes-risk.js'
export { minimumBayesRisk } from './minimum-bayes-risk.js'
export type {
  MinimumBayesRiskSelection,
  MinimumBayesRiskSelectionOptions,
  UtilityFunction,
  UtilityMatrix,
} from './minimum-bayes-risk-selection.js'
export { computeUtilityMatrix, selectMinimumBayesRisk } from './minimum-bayes-risk-selection.js'
export { parallelOptionSchemas, tournamentOptionSchemas } from './option-schemas.js'
export { parseSelectedResponse } from './parse-selected-response.js'
export type { RejectionSamplingOptions, RejectionSamplingOutput } from './rejection-sampling.js'
export { rejectionSampling } from './rejection-sampling.js'
export type { SampleSourceOptions } from './sample-source.js'
export {
  describeSampleSource,
  isLanguageModel,
  validateSampleSourceOptions,
} from './sample-source.js'
export { selectBest } from './select-best.js'
export { publicCandidates, scoreCandidates } from './selection-output.js'
export type { StoppingDecision, StoppingRule } from './stopping-rules.js'
export {
  betaProbabilityAboveHalf,
  betaStoppingRule,
  dirichletStoppingRule,
} from './stopping-rules.js'
export type {
  AnswerTally,
  TallyVotesOptions,
  VoteResult,
  VotingCandidate,
} from './tally-votes.js'
export { selectMajority, selectWeightedVote, tallyVotes } from './tally-votes.js'
export type {
  TournamentMatch,
  TournamentMode,
  TournamentOptions,
  TournamentOutput,
} from './tournament.js'
export { pairKnockoutRound, tournament } from './tournament.js'
export type {
  UniversalSelfConsistencyOptions,
  UniversalSelfConsistencyOutput,
} from './universal-self-consistency.js'
export {
  formatConsistencyPrompt,
  universalSelfConsistency,
} from './universal-self-consistency.js'
export type { WeightedVoteOptions } from './weighted-vote.js'
export { weightedVote } from './weighted-vote.js'
