// @metagen/search: step-level and tree search over a step proposer and a process scorer.

export type { StepScoreAggregation } from './aggregate-step-scores.js'
export { aggregateStepScores, stepScoreAggregations } from './aggregate-step-scores.js'
export { allocateBySoftmax } from './allocate-by-softmax.js'
export { allocateRebaseWidth } from './allocate-rebase-width.js'
export type { DiverseVerifierTreeSearchOptions } from './diverse-verifier-tree-search.js'
export { diverseVerifierTreeSearch } from './diverse-verifier-tree-search.js'
export type { LanguageModelStepProposerOptions } from './language-model-step-proposer.js'
export { createLanguageModelStepProposer } from './language-model-step-proposer.js'
export type { MctsEvaluation, MonteCarloTreeSearchOptions } from './monte-carlo-tree-search.js'
export { monteCarloTreeSearch } from './monte-carlo-tree-search.js'
export type { RewardBalancedSearchOptions } from './reward-balanced-search.js'
export { rewardBalancedSearch } from './reward-balanced-search.js'
export type { SearchOutput } from './run-search.js'
export { sampleToken } from './sample-token.js'
export type { SearchOptions } from './search-options.js'
export type { ExpandRequest, SearchNode } from './search-session.js'
export { SearchSession } from './search-session.js'
export type { StepBeamSearchOptions } from './step-beam-search.js'
export { stepBeamSearch } from './step-beam-search.js'
export type {
  ProposedStep,
  ProposeRequest,
  ProposeResponse,
  ProposeResult,
  StartResponse,
  StepProposer,
  StepState,
} from './step-proposer.js'
export type { StepProposerOptions } from './step-proposer-options.js'
export type { TokenModelStepProposerOptions } from './token-model-step-proposer.js'
export { createTokenModelStepProposer } from './token-model-step-proposer.js'
export type { TreeOfThoughtsBfsOptions } from './tree-of-thoughts-bfs.js'
export { treeOfThoughtsBfs } from './tree-of-thoughts-bfs.js'
export type { TreeOfThoughtsDfsOptions } from './tree-of-thoughts-dfs.js'
export { treeOfThoughtsDfs } from './tree-of-thoughts-dfs.js'
export type {
  TreefinementNode,
  TreefinementOptions,
  TreefinementOutput,
  TreefinementRevisionState,
} from './treefinement.js'
export { treefinement, treefinementRevision } from './treefinement.js'
export { createNestedBudgetTracker, withBudget } from './with-budget.js'
