// @metagen/scorers: reward-model, log-probability, judge and programmatic scorers, combinators,
// step splitting, and MBR similarity utilities.

export { createAnswerMatchSimilarity } from './answer-match-similarity.js'
export type { CachedScorer, CachedScorerOptions, ScoreCacheStats } from './cached-scorer.js'
export { createCachedScorer } from './cached-scorer.js'
export type { ChrFOptions } from './chrf.js'
export { chrF, chrFSimilarity } from './chrf.js'
export type {
  CorruptedTinymathSolution,
  CorruptTinymathSolutionOptions,
} from './corrupt-tinymath-solution.js'
export { corruptTinymathSolution } from './corrupt-tinymath-solution.js'
export type { EmbeddingSimilarity, EmbedTexts } from './cosine-similarity.js'
export { cosineSimilarity, createEmbeddingSimilarity } from './cosine-similarity.js'
export { editSimilarity, levenshteinDistance } from './edit-similarity.js'
export type { ExactAnswerScorerOptions, ReferenceAnswers } from './exact-answer-scorer.js'
export { createExactAnswerScorer } from './exact-answer-scorer.js'
export type { FunctionScoreResult, FunctionScorerOptions } from './function-scorer.js'
export { createFunctionScorer } from './function-scorer.js'
export type { JudgeScale, JudgeScorerOptions, JudgeTemplate } from './judge-scorer.js'
export { createJudgeScorer, defaultJudgeTemplate } from './judge-scorer.js'
export type { LikelihoodPairwiseJudgeOptions } from './likelihood-pairwise-judge.js'
export { createLikelihoodPairwiseJudge } from './likelihood-pairwise-judge.js'
export type { LogprobReduction, LogprobScorerOptions } from './logprob-scorer.js'
export { createLogprobScorer } from './logprob-scorer.js'
export type {
  PairwiseComparison,
  PairwiseJudge,
  PairwiseJudgeOptions,
  PairwiseJudgeResult,
  PairwiseJudgment,
  PairwiseTemplate,
} from './pairwise-judge.js'
export { createPairwiseJudge, defaultPairwiseTemplate } from './pairwise-judge.js'
export type { PairwisePreference, ParsedJudgeReply } from './parse-judge-reply.js'
export { parseJudgeScore, parsePairwisePreference } from './parse-judge-reply.js'
export type { ProductScorerOptions } from './product-scorer.js'
export { createProductScorer } from './product-scorer.js'
export type { RegexScorerOptions } from './regex-scorer.js'
export { createRegexScorer } from './regex-scorer.js'
export type {
  RewardModelScorerOptions,
  ScoreLink,
  SequenceScoringModel,
} from './reward-model-scorer.js'
export { createRewardModelScorer } from './reward-model-scorer.js'
export type { RougeScore } from './rouge-l.js'
export { rougeL, rougeLSimilarity, tokenizeRouge } from './rouge-l.js'
export { validateScoreRequests } from './score-requests.js'
export type { BleuSmoothing, SentenceBleuOptions } from './sentence-bleu.js'
export { bleuSimilarity, sentenceBleu, tokenize13a } from './sentence-bleu.js'
export type { StepSpan, StepSplitter, StepSplitterOptions } from './step-splitter.js'
export { createStepSplitter, tinymathStepSplitter } from './step-splitter.js'
export type { TextSimilarity } from './text-similarity.js'
export { similarityMatrix } from './text-similarity.js'
export type { ThresholdScorerOptions } from './threshold-scorer.js'
export { createThresholdScorer } from './threshold-scorer.js'
export type {
  TinymathSolutionCheck,
  TinymathStepCheckerOptions,
  TinymathStepVerdict,
} from './tinymath-step-checker.js'
export {
  applyTinymathOperation,
  checkTinymathSolution,
  createTinymathStepChecker,
  extractQuestionNumbers,
  extractTinymathQuestion,
} from './tinymath-step-checker.js'
export type { WeightedSumScorerOptions } from './weighted-sum-scorer.js'
export { createWeightedSumScorer } from './weighted-sum-scorer.js'
