// Strategy definitions of @metagen/search: step-level beam search, DVTS, tree-of-thoughts BFS and
// DFS, MCTS and REBASE, buildable from specs and CLI flags.
import {
  type Generator,
  type TextInput,
  type TextOutput,
  UnsupportedCapabilityError,
} from '@metagen/core'
import {
  createLanguageModelStepProposer,
  createTokenModelStepProposer,
  diverseVerifierTreeSearch,
  monteCarloTreeSearch,
  rewardBalancedSearch,
  type SearchOptions,
  type StepProposer,
  type StepScoreAggregation,
  stepBeamSearch,
  stepScoreAggregations,
  treeOfThoughtsBfs,
  treeOfThoughtsDfs,
} from '@metagen/search'
import type {
  StrategyDefinition,
  StrategyEnvironment,
  StrategyOptionDefinition,
  StrategySpec,
} from '../strategy.js'

const packageName = '@metagen/search'

const commonOptions = {
  scorer: {
    type: 'string',
    description:
      'Process scorer by name (step-checker, verifier, ...): partial solutions are ranked by their step scores.',
    default: 'step-checker',
  },
  aggregate: {
    type: 'string',
    description: 'How step scores reduce to one score of a partial solution.',
    default: 'min',
    choices: stepScoreAggregations,
  },
  maxSteps: {
    type: 'integer',
    description: 'Maximum steps of a solution (an integer >= 1); deeper nodes are not expanded.',
    default: 16,
    minimum: 1,
  },
  budget: {
    type: 'integer',
    description:
      'Generated-token budget of the search (an integer >= 1); when it runs out the best complete solution so far is returned. Default: no limit beyond the run budget.',
    minimum: 1,
  },
  proposer: {
    type: 'string',
    description:
      'How steps are sampled: token (local token-level model, children fork the KV cache), language (any language model, prefix re-sent per call), auto (token when the model is local).',
    default: 'auto',
    choices: ['auto', 'token', 'language'],
  },
  temperature: {
    type: 'number',
    description: 'Sampling temperature of the steps (>= 0; 0 is greedy).',
    default: 1,
    minimum: 0,
  },
  delimiter: {
    type: 'string',
    description: "The string that ends a step ('.' closes each tinymath step).",
    default: '.',
  },
  maxStepTokens: {
    type: 'integer',
    description: 'Maximum tokens of one step (an integer >= 1); a longer step is cut and dropped.',
    default: 64,
    minimum: 1,
  },
  completeOnAnswer: {
    type: 'boolean',
    description:
      'Treat a solution as complete as soon as the final answer can be extracted (tinymath: `The answer is N.`); otherwise only end-of-text completes it.',
    default: true,
  },
} as const satisfies Record<string, StrategyOptionDefinition>

/** The width option of a search (beams, subtrees or states kept): an integer >= 1, default 4. */
const widthOption = (description: string) =>
  ({
    type: 'integer',
    description,
    default: 4,
    minimum: 1,
  }) as const satisfies StrategyOptionDefinition

const expansionsOption = (defaultExpansions: number) =>
  ({
    type: 'integer',
    description: 'Next steps sampled per expanded node (K, an integer >= 1).',
    default: defaultExpansions,
    minimum: 1,
  }) as const satisfies StrategyOptionDefinition

async function buildProposer(
  spec: StrategySpec,
  environment: StrategyEnvironment,
): Promise<StepProposer> {
  const settings = {
    delimiter: spec.delimiter as string,
    maxStepTokens: spec.maxStepTokens as number,
    maxTokens: environment.maxTokens,
    temperature: spec.temperature as number,
    ...(spec.completeOnAnswer
      ? { isComplete: (text: string) => environment.extractAnswer(text) !== undefined }
      : {}),
  }
  const kind = spec.proposer as 'auto' | 'token' | 'language'
  if (kind !== 'language') {
    try {
      return createTokenModelStepProposer({ ...settings, model: await environment.tokenModel() })
    } catch (error) {
      if (kind === 'token' || !(error instanceof UnsupportedCapabilityError)) throw error
    }
  }
  return createLanguageModelStepProposer({ ...settings, model: await environment.languageModel() })
}

async function buildCommon(
  spec: StrategySpec,
  environment: StrategyEnvironment,
): Promise<SearchOptions> {
  return {
    proposer: await buildProposer(spec, environment),
    scorer: await environment.scorer(spec.scorer as string),
    aggregate: spec.aggregate as StepScoreAggregation,
    maxSteps: spec.maxSteps as number,
    extractAnswer: (text: string) => environment.extractAnswer(text),
    ...(spec.budget !== undefined ? { budget: { outputTokens: spec.budget as number } } : {}),
  }
}

type Build = (spec: StrategySpec, common: SearchOptions) => Generator<TextInput, TextOutput>

function searchDefinition(
  name: string,
  description: string,
  options: Record<string, StrategyOptionDefinition>,
  build: Build,
): StrategyDefinition {
  return {
    name,
    description,
    package: packageName,
    options: { ...commonOptions, ...options },
    async build(spec, environment) {
      return build(spec, await buildCommon(spec, environment))
    },
  }
}

/** The strategies of @metagen/search, for the orchestrator's registry. */
export const searchStrategies: StrategyDefinition[] = [
  searchDefinition(
    'step-beam',
    'Step-level beam search with a process scorer: keep the best beamWidth partial solutions, expand each with K sampled next steps.',
    {
      beamWidth: widthOption('Partial solutions kept after each step (B, an integer >= 1).'),
      expansions: expansionsOption(4),
    },
    (spec, common) =>
      stepBeamSearch({
        ...common,
        beamWidth: spec.beamWidth as number,
        expansions: spec.expansions as number,
      }),
  ),
  searchDefinition(
    'dvts',
    'Diverse verifier tree search: independent subtrees, each keeping the best of K sampled next steps.',
    {
      subtrees: widthOption('Independent subtrees (M, an integer >= 1).'),
      expansions: expansionsOption(4),
    },
    (spec, common) =>
      diverseVerifierTreeSearch({
        ...common,
        subtrees: spec.subtrees as number,
        expansions: spec.expansions as number,
      }),
  ),
  searchDefinition(
    'tot-bfs',
    'Tree-of-thoughts breadth-first search: expand the frontier, keep the best `breadth` states valued >= threshold.',
    {
      breadth: widthOption('States kept per depth (b, an integer >= 1).'),
      expansions: expansionsOption(4),
      threshold: {
        type: 'number',
        description: 'States valued below this are pruned (default: no threshold).',
      },
    },
    (spec, common) =>
      treeOfThoughtsBfs({
        ...common,
        breadth: spec.breadth as number,
        expansions: spec.expansions as number,
        ...(spec.threshold !== undefined ? { threshold: spec.threshold as number } : {}),
      }),
  ),
  searchDefinition(
    'tot-dfs',
    'Tree-of-thoughts depth-first search: best child first, prune below threshold, backtrack, stop at the first good solution.',
    {
      expansions: expansionsOption(3),
      threshold: {
        type: 'number',
        description:
          'Children valued below this are pruned; a complete solution valued at least this ends the search.',
        default: 0.5,
      },
      maxExpansions: {
        type: 'integer',
        description: 'Maximum states expanded (an integer >= 1).',
        default: 32,
        minimum: 1,
      },
    },
    (spec, common) =>
      treeOfThoughtsDfs({
        ...common,
        expansions: spec.expansions as number,
        threshold: spec.threshold as number,
        maxExpansions: spec.maxExpansions as number,
      }),
  ),
  searchDefinition(
    'mcts',
    'Monte Carlo tree search over steps: UCT selection, expansion by K sampled steps, value or rollout evaluation, backpropagation.',
    {
      simulations: {
        type: 'integer',
        description: 'Simulations (an integer >= 1).',
        default: 16,
        minimum: 1,
      },
      expansions: expansionsOption(3),
      exploration: {
        type: 'number',
        description: 'UCT exploration constant c (>= 0).',
        default: 1,
        minimum: 0,
      },
      evaluation: {
        type: 'string',
        description: "'value': a new node's score; 'rollout': the score of a sampled completion.",
        default: 'value',
        choices: ['value', 'rollout'],
      },
    },
    (spec, common) =>
      monteCarloTreeSearch({
        ...common,
        simulations: spec.simulations as number,
        expansions: spec.expansions as number,
        exploration: spec.exploration as number,
        evaluation: spec.evaluation as 'value' | 'rollout',
      }),
  ),
  searchDefinition(
    'rebase',
    'REBASE: each round, split the expansion width across the frontier by softmax(score / balanceTemperature).',
    {
      width: {
        type: 'integer',
        description:
          'Expansions per round and the number of complete solutions that ends the search (N, an integer >= 1).',
        default: 16,
        minimum: 1,
      },
      balanceTemperature: {
        type: 'number',
        description:
          'Softmax temperature of the allocation (> 0); small values favour the best nodes.',
        default: 0.1,
        minimum: 0,
        minimumInclusive: false,
      },
    },
    (spec, common) =>
      rewardBalancedSearch({
        ...common,
        width: spec.width as number,
        balanceTemperature: spec.balanceTemperature as number,
      }),
  ),
]
