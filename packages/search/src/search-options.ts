// Options shared by every search algorithm, and their validation.
import { type Budget, InvalidArgumentError, parseOption, type Scorer } from '@metagen/core'
import { type StepScoreAggregation, stepScoreAggregations } from './aggregate-step-scores.js'
import { searchOptionSchemas } from './option-schemas.js'
import type { StepProposer } from './step-proposer.js'

/** Options common to every search. */
export interface SearchOptions {
  /** Samples next steps (over a language model or a token-level model). */
  proposer: StepProposer
  /**
   * Scores partial solutions (`partial: true`) and complete ones: a process scorer (its
   * `Score.steps`, reduced by `aggregate`) or an outcome scorer (its `Score.value`).
   */
  scorer: Scorer
  /**
   * How step scores are reduced to the score of a partial solution (default `last`, as in
   * search-and-learn and REBASE: a PRM's step score already judges the whole prefix).
   */
  aggregate?: StepScoreAggregation
  /**
   * Merge identical next steps sampled for one parent into one node (default true): the same
   * text is the same state, so it is scored and expanded once; the node's `multiplicity` keeps
   * how many samples it stands for, and the expansions the duplicates would have taken go to
   * other branches.
   */
  mergeIdenticalSteps?: boolean
  /** Maximum number of steps of a solution, an integer >= 1 (default 16); deeper nodes are not expanded. */
  maxSteps?: number
  /**
   * A budget of this search alone (e.g. `{ outputTokens: 2000 }`), on top of the run's: the
   * search stops at whichever is reached first and returns the best complete solution found.
   */
  budget?: Budget
  /** Extracts the final answer of a solution, for `TextOutput.answer`. */
  extractAnswer?: (text: string) => string | undefined
}

/** {@link SearchOptions} with defaults filled in. */
export interface ResolvedSearchOptions {
  proposer: StepProposer
  scorer: Scorer
  aggregate: StepScoreAggregation
  mergeIdenticalSteps: boolean
  maxSteps: number
  budget: Budget | undefined
  extractAnswer: ((text: string) => string | undefined) | undefined
}

/** Validates the common options; throws {@link InvalidArgumentError} naming the bad field. */
export function resolveSearchOptions(options: SearchOptions): ResolvedSearchOptions {
  if (!options || typeof options !== 'object') {
    throw new InvalidArgumentError({
      argument: 'options',
      expected: 'an options object',
      received: options,
    })
  }
  const proposer = options.proposer
  if (!proposer || typeof proposer.propose !== 'function' || typeof proposer.start !== 'function') {
    throw new InvalidArgumentError({
      argument: 'proposer',
      expected: 'a StepProposer',
      received: proposer,
    })
  }
  const scorer = options.scorer
  if (!scorer || typeof scorer.score !== 'function') {
    throw new InvalidArgumentError({ argument: 'scorer', expected: 'a Scorer', received: scorer })
  }
  const aggregate = options.aggregate ?? 'last'
  if (!stepScoreAggregations.includes(aggregate)) {
    throw new InvalidArgumentError({
      argument: 'aggregate',
      expected: `one of ${stepScoreAggregations.join(', ')}`,
      received: aggregate,
    })
  }
  const mergeIdenticalSteps = options.mergeIdenticalSteps ?? true
  if (typeof mergeIdenticalSteps !== 'boolean') {
    throw new InvalidArgumentError({
      argument: 'mergeIdenticalSteps',
      expected: 'a boolean',
      received: mergeIdenticalSteps,
    })
  }
  const maxSteps = options.maxSteps ?? 16
  parseOption('maxSteps', searchOptionSchemas.maxSteps, maxSteps)
  if (options.extractAnswer !== undefined && typeof options.extractAnswer !== 'function') {
    throw new InvalidArgumentError({
      argument: 'extractAnswer',
      expected: 'a function (text) => string | undefined',
      received: options.extractAnswer,
    })
  }
  return {
    proposer,
    scorer,
    aggregate,
    mergeIdenticalSteps,
    maxSteps,
    budget: options.budget,
    extractAnswer: options.extractAnswer,
  }
}
