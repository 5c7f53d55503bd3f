// @metagen/search/strategies: the strategy definitions of the step-level searches (step beam,
// DVTS, tree-of-thoughts BFS/DFS, MCTS, REBASE) and of Treefinement, each with its options schema, builder and
// scaling knob, for a strategy registry. The search algorithms (and the decoders they sample
// with) load when a generator is built, not when this entry is imported.
import {
  budgetLimitSchema,
  compact,
  defineStrategy,
  parseOption,
  type StrategyDefinition,
  type StrategyEnvironment,
  scaleOption,
  scaleWidthTimesExpansions,
  UnsupportedCapabilityError,
} from '@metagen/core'
import { z } from 'zod'
import { stepScoreAggregations } from '../aggregate-step-scores.js'
import { searchOptionSchemas } from '../option-schemas.js'
import type { SearchOptions } from '../search-options.js'
import type { StepProposer } from '../step-proposer.js'

const packageName = '@metagen/search'

type SearchModule = typeof import('../index.js')

const commonShape = {
  scorer: z
    .string()
    .default('step-checker')
    .describe(
      'Process scorer by name (step-checker, verifier, ...): partial solutions are ranked by their step scores.',
    ),
  aggregate: z
    .enum(stepScoreAggregations)
    .default('last')
    .describe(
      'How step scores reduce to one score of a partial solution (last: the last step, as search-and-learn and REBASE).',
    ),
  mergeIdenticalSteps: z
    .boolean()
    .default(true)
    .describe(
      'Merge identical next steps sampled for one parent into one node (scored and expanded once; the saved expansions go to other branches).',
    ),
  maxSteps: searchOptionSchemas.maxSteps.default(16),
  budget: budgetLimitSchema
    .optional()
    .describe(
      'Generated-token budget of the search (> 0); when it runs out the best complete solution so far is returned. Default: no limit beyond the run budget.',
    ),
  proposer: z
    .enum(['auto', 'token', 'language'])
    .default('auto')
    .describe(
      'How steps are sampled: token (local token-level model, children fork the KV cache), language (any language model, prefix re-sent per call), auto (token when the model is local).',
    ),
  temperature: searchOptionSchemas.temperature.default(1),
  delimiter: searchOptionSchemas.delimiter.default('.'),
  maxStepTokens: searchOptionSchemas.maxStepTokens.default(64),
  completeOnAnswer: z
    .boolean()
    .default(true)
    .describe(
      'Treat a solution as complete as soon as the final answer can be extracted (tinymath: `The answer is N.`); otherwise only end-of-text completes it.',
    ),
}

type CommonOptions = z.output<z.ZodObject<typeof commonShape>>

async function buildProposer(
  search: SearchModule,
  options: CommonOptions,
  environment: StrategyEnvironment,
): Promise<StepProposer> {
  const settings = {
    delimiter: options.delimiter,
    maxStepTokens: options.maxStepTokens,
    maxTokens: environment.maxTokens,
    temperature: options.temperature,
    ...(options.completeOnAnswer
      ? { isComplete: (text: string) => environment.extractAnswer(text) !== undefined }
      : {}),
  }
  // The proposer choice is this strategy's own: its schema is its validation.
  const proposer = parseOption('proposer', commonShape.proposer, options.proposer)
  if (proposer !== 'language') {
    try {
      return search.createTokenModelStepProposer({
        ...settings,
        model: await environment.tokenModel(),
      })
    } catch (error) {
      if (proposer === 'token' || !UnsupportedCapabilityError.isInstance(error)) {
        throw error
      }
    }
  }
  return search.createLanguageModelStepProposer({
    ...settings,
    model: await environment.languageModel(),
  })
}

async function buildCommon(
  search: SearchModule,
  options: CommonOptions,
  environment: StrategyEnvironment,
): Promise<SearchOptions> {
  return {
    proposer: await buildProposer(search, options, environment),
    scorer: await environment.scorer(options.scorer),
    aggregate: options.aggregate,
    mergeIdenticalSteps: options.mergeIdenticalSteps,
    maxSteps: options.maxSteps,
    extractAnswer: (text: string) => environment.extractAnswer(text),
    ...(options.budget !== undefined ? { budget: { outputTokens: options.budget } } : {}),
  }
}

/** Loads the search algorithms and builds the options every search shares. */
async function prepareSearch(options: CommonOptions, environment: StrategyEnvironment) {
  const search = await import('../index.js')
  return { search, common: await buildCommon(search, options, environment) }
}

/** Step-level beam search with a process scorer. */
export const stepBeamStrategy: StrategyDefinition = defineStrategy({
  package: packageName,
  name: 'step-beam',
  description:
    'Step-level beam search with a process scorer (search-and-learn): N active beams sample one step each, the N/M best unfinished ones are continued M times each; finished solutions leave and are replaced.',
  schema: z.object({
    ...commonShape,
    beams: searchOptionSchemas.beams.default(16),
    beamWidth: searchOptionSchemas.beamWidth.default(4),
    deduplicate: z
      .boolean()
      .default(false)
      .describe(
        "search-and-learn's filter_duplicates: identical beams share one of the N/M slots; off (as there) a step sampled k times is k beams.",
      ),
  }),
  scaling: scaleOption('beams'),
  async build(options, environment) {
    const { search, common } = await prepareSearch(options, environment)
    return search.stepBeamSearch({
      ...common,
      beams: options.beams,
      beamWidth: options.beamWidth,
      deduplicate: options.deduplicate,
    })
  },
})

/** Diverse verifier tree search. */
export const dvtsStrategy: StrategyDefinition = defineStrategy({
  package: packageName,
  name: 'dvts',
  description:
    'Diverse verifier tree search (search-and-learn): N/M independent subtrees, each keeping the best of M sampled next steps (the first step included).',
  schema: z.object({
    ...commonShape,
    beams: searchOptionSchemas.beams.default(16),
    beamWidth: searchOptionSchemas.beamWidth.default(4),
  }),
  scaling: scaleOption('beams'),
  async build(options, environment) {
    const { search, common } = await prepareSearch(options, environment)
    return search.diverseVerifierTreeSearch({
      ...common,
      beams: options.beams,
      beamWidth: options.beamWidth,
    })
  },
})

/** Tree-of-thoughts breadth-first search. */
export const totBfsStrategy: StrategyDefinition = defineStrategy({
  package: packageName,
  name: 'tot-bfs',
  description:
    'Tree-of-thoughts breadth-first search: expand the frontier, keep the best `breadth` states valued >= threshold.',
  schema: z.object({
    ...commonShape,
    breadth: searchOptionSchemas.breadth.default(4),
    expansions: searchOptionSchemas.expansions.default(4),
    threshold: searchOptionSchemas.threshold
      .optional()
      .describe('States valued below this are pruned (default: no threshold).'),
  }),
  scaling: scaleWidthTimesExpansions('breadth'),
  async build(options, environment) {
    const { search, common } = await prepareSearch(options, environment)
    return search.treeOfThoughtsBfs({
      ...common,
      breadth: options.breadth,
      expansions: options.expansions,
      ...compact({ threshold: options.threshold }),
    })
  },
})

/** Tree-of-thoughts depth-first search. */
export const totDfsStrategy: StrategyDefinition = defineStrategy({
  package: packageName,
  name: 'tot-dfs',
  description:
    'Tree-of-thoughts depth-first search: best child first, prune below threshold, backtrack, stop at the first good solution.',
  schema: z.object({
    ...commonShape,
    expansions: searchOptionSchemas.expansions.default(3),
    threshold: searchOptionSchemas.threshold
      .default(0.5)
      .describe(
        'Children valued below this are pruned; a complete solution valued at least this ends the search.',
      ),
    maxExpansions: searchOptionSchemas.maxExpansions.default(32),
  }),
  async build(options, environment) {
    const { search, common } = await prepareSearch(options, environment)
    return search.treeOfThoughtsDfs({
      ...common,
      expansions: options.expansions,
      threshold: options.threshold,
      maxExpansions: options.maxExpansions,
    })
  },
})

/** Monte Carlo tree search over steps. */
export const mctsStrategy: StrategyDefinition = defineStrategy({
  package: packageName,
  name: 'mcts',
  description:
    'Monte Carlo tree search over steps: UCT selection, expansion by K sampled steps, value or rollout evaluation, backpropagation.',
  schema: z.object({
    ...commonShape,
    simulations: searchOptionSchemas.simulations.default(16),
    expansions: searchOptionSchemas.expansions.default(3),
    exploration: searchOptionSchemas.exploration.default(1),
    evaluation: searchOptionSchemas.evaluation.default('value'),
  }),
  scaling: scaleOption('simulations'),
  async build(options, environment) {
    const { search, common } = await prepareSearch(options, environment)
    return search.monteCarloTreeSearch({
      ...common,
      simulations: options.simulations,
      expansions: options.expansions,
      exploration: options.exploration,
      evaluation: options.evaluation,
    })
  },
})

/** REBASE: reward-balanced expansion. */
export const rebaseStrategy: StrategyDefinition = defineStrategy({
  package: packageName,
  name: 'rebase',
  description:
    'REBASE: each round, split the expansion width across the frontier by softmax(score / balanceTemperature).',
  schema: z.object({
    ...commonShape,
    width: searchOptionSchemas.width.default(16),
    balanceTemperature: searchOptionSchemas.balanceTemperature.default(0.1),
  }),
  scaling: scaleOption('width'),
  async build(options, environment) {
    const { search, common } = await prepareSearch(options, environment)
    return search.rewardBalancedSearch({
      ...common,
      width: options.width,
      balanceTemperature: options.balanceTemperature,
    })
  },
})

/** Treefinement: REBASE over refinement edges, valued by tests passed. */
export const treefinementStrategy: StrategyDefinition = defineStrategy({
  package: packageName,
  name: 'treefinement',
  description:
    'Treefinement (AlphaVerus): sample width programs, then each round split width repairs (the model fixes a program given its test errors) across the last layer by softmax(fraction of tests passed / balanceTemperature); stops at the first program that passes.',
  schema: z.object({
    scorer: z
      .string()
      .default('tests')
      .describe(
        'Execution scorer by name: its value (fraction of tests passed) weights the allocation and its feedback (the errors) drives each repair.',
      ),
    width: searchOptionSchemas.width
      .default(4)
      .describe('Initial samples, and repairs per round (N, an integer >= 1).'),
    refinementRounds: searchOptionSchemas.refinementRounds.default(3),
    balanceTemperature: searchOptionSchemas.balanceTemperature.default(0.1),
    acceptScore: searchOptionSchemas.acceptScore.default(1),
    temperature: z
      .number()
      .min(0)
      .default(1)
      .describe('Sampling temperature of the programs and repairs (>= 0).'),
  }),
  scaling: scaleOption('width'),
  async build(options, environment) {
    const { treefinement } = await import('../index.js')
    return treefinement({
      model: await environment.languageModel(),
      scorer: await environment.scorer(options.scorer),
      width: options.width,
      refinementRounds: options.refinementRounds,
      balanceTemperature: options.balanceTemperature,
      acceptScore: options.acceptScore,
      request: { temperature: options.temperature, maxTokens: environment.maxTokens },
    })
  },
})

/** Every strategy of @metagen/search, in registration order. */
export const strategies: readonly StrategyDefinition[] = [
  stepBeamStrategy,
  dvtsStrategy,
  totBfsStrategy,
  totDfsStrategy,
  mctsStrategy,
  rebaseStrategy,
  treefinementStrategy,
]
