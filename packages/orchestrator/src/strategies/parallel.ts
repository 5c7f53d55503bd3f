// Strategy definitions of @metagen/parallel: best-of-N, votes, MBR, adaptive consistency,
// rejection sampling and universal self-consistency, buildable from specs and CLI flags.
import type { Generator, TextInput, TextOutput } from '@metagen/core'
import {
  adaptiveConsistency,
  bestOfN,
  betaStoppingRule,
  dirichletStoppingRule,
  majorityVote,
  minimumBayesRisk,
  rejectionSampling,
  type SampleSourceOptions,
  type UtilityFunction,
  universalSelfConsistency,
  weightedVote,
} from '@metagen/parallel'
import {
  bleuSimilarity,
  chrFSimilarity,
  createAnswerMatchSimilarity,
  editSimilarity,
  rougeLSimilarity,
} from '@metagen/scorers'
import type {
  StrategyDefinition,
  StrategyEnvironment,
  StrategyOptionDefinition,
  StrategySpec,
} from '../strategy.js'

const packageName = '@metagen/parallel'

const samplingOptions = {
  n: {
    type: 'integer',
    description: 'Number of samples (an integer >= 1).',
    default: 16,
    minimum: 1,
  },
  temperature: {
    type: 'number',
    description: 'Sampling temperature (>= 0) of the language model; ignored when `base` is given.',
    default: 1,
    minimum: 0,
  },
  base: {
    type: 'strategy',
    description:
      'Nested strategy that produces each sample (default: sample the run model at `temperature`).',
  },
} as const satisfies Record<string, StrategyOptionDefinition>

const scorerOption = {
  type: 'string',
  description: 'Scorer by name (e.g. step-checker, verifier, logprob); higher scores are better.',
  default: 'step-checker',
} as const satisfies StrategyOptionDefinition

/** The sample source and answer extraction shared by every parallel strategy. */
async function buildSource(
  spec: StrategySpec,
  environment: StrategyEnvironment,
): Promise<SampleSourceOptions> {
  const common = {
    maxTokens: environment.maxTokens,
    extractAnswer: (text: string) => environment.extractAnswer(text),
  }
  if (spec.base !== undefined) {
    return { ...common, base: await environment.build(spec.base as StrategySpec) }
  }
  return {
    ...common,
    model: await environment.languageModel(),
    temperature: spec.temperature as number,
  }
}

const utilities = ['chrf', 'rouge-l', 'bleu', 'edit', 'answer-match'] as const

function resolveUtility(name: string, environment: StrategyEnvironment): UtilityFunction {
  switch (name) {
    case 'chrf':
      return chrFSimilarity
    case 'rouge-l':
      return rougeLSimilarity
    case 'bleu':
      return bleuSimilarity
    case 'edit':
      return editSimilarity
    default:
      return createAnswerMatchSimilarity({
        extractAnswer: (text) => environment.extractAnswer(text),
      })
  }
}

const asTextGenerator = <TOutput extends TextOutput>(
  generator: Generator<TextInput, TOutput>,
): Generator<TextInput, TextOutput> => generator

function voteDefinition(name: string, description: string): StrategyDefinition {
  return {
    name,
    description,
    package: packageName,
    options: samplingOptions,
    async build(spec, environment) {
      return asTextGenerator(
        majorityVote({ ...(await buildSource(spec, environment)), n: spec.n as number }),
      )
    },
  }
}

/** The strategies of @metagen/parallel, for the orchestrator's registry. */
export const parallelStrategies: StrategyDefinition[] = [
  voteDefinition(
    'self-consistency',
    'Majority vote over the extracted answers of n samples (Wang et al.); ties: answer seen first.',
  ),
  voteDefinition('majority-vote', 'Alias of self-consistency.'),
  {
    name: 'best-of-n',
    description: 'Scores n samples with a scorer and returns the best; ties: earliest sample.',
    package: packageName,
    options: { ...samplingOptions, scorer: scorerOption },
    async build(spec, environment) {
      return bestOfN({
        ...(await buildSource(spec, environment)),
        n: spec.n as number,
        scorer: await environment.scorer(spec.scorer as string),
      })
    },
  },
  {
    name: 'weighted-vote',
    description: 'Majority vote where each sample votes with its score; ties: answer seen first.',
    package: packageName,
    options: { ...samplingOptions, scorer: scorerOption },
    async build(spec, environment) {
      return asTextGenerator(
        weightedVote({
          ...(await buildSource(spec, environment)),
          n: spec.n as number,
          scorer: await environment.scorer(spec.scorer as string),
        }),
      )
    },
  },
  {
    name: 'mbr',
    description:
      'Minimum Bayes risk: the sample with the highest expected utility against the others (or a pseudo-reference set).',
    package: packageName,
    options: {
      ...samplingOptions,
      utility: {
        type: 'string',
        description: 'Utility between two outputs (from @metagen/scorers).',
        default: 'chrf',
        choices: utilities,
      },
      compare: {
        type: 'string',
        description: 'Apply the utility to whole texts or to the extracted answers.',
        default: 'text',
        choices: ['text', 'answer'],
      },
      references: {
        type: 'integer',
        description:
          'Size of a separate pseudo-reference set drawn like the samples; 0 uses the samples themselves.',
        default: 0,
        minimum: 0,
      },
    },
    async build(spec, environment) {
      const source = await buildSource(spec, environment)
      const references = spec.references as number
      return asTextGenerator(
        minimumBayesRisk({
          ...source,
          n: spec.n as number,
          utility: resolveUtility(spec.utility as string, environment),
          compare: spec.compare as 'text' | 'answer',
          symmetric: spec.utility === 'answer-match' || spec.utility === 'edit',
          ...(references > 0 ? { references: { ...source, n: references } } : {}),
        }),
      )
    },
  },
  {
    name: 'adaptive-consistency',
    description:
      'Majority vote that samples in rounds and stops once a Beta/Dirichlet rule is confident (Aggarwal et al.); n is the maximum.',
    package: packageName,
    options: {
      ...samplingOptions,
      roundSize: {
        type: 'integer',
        description: 'Samples per round (one batched call).',
        default: 1,
        minimum: 1,
      },
      rule: {
        type: 'string',
        description: 'Stopping rule.',
        default: 'beta',
        choices: ['beta', 'dirichlet'],
      },
      threshold: {
        type: 'number',
        description: 'Stop when the rule is more confident than this, in [0, 1).',
        default: 0.95,
        minimum: 0,
        maximum: 1,
      },
    },
    async build(spec, environment) {
      const threshold = spec.threshold as number
      return asTextGenerator(
        adaptiveConsistency({
          ...(await buildSource(spec, environment)),
          n: spec.n as number,
          roundSize: spec.roundSize as number,
          stoppingRule:
            spec.rule === 'dirichlet'
              ? dirichletStoppingRule({ threshold })
              : betaStoppingRule({ threshold }),
        }),
      )
    },
  },
  {
    name: 'rejection-sampling',
    description:
      'Samples in rounds until a sample scores >= threshold (or n samples / the budget are used).',
    package: packageName,
    options: {
      ...samplingOptions,
      scorer: scorerOption,
      threshold: {
        type: 'number',
        description: 'Acceptance threshold on the outcome score.',
        default: 0.5,
      },
      roundSize: {
        type: 'integer',
        description: 'Samples per round (one batched call and one scorer call).',
        default: 4,
        minimum: 1,
      },
    },
    async build(spec, environment) {
      return asTextGenerator(
        rejectionSampling({
          ...(await buildSource(spec, environment)),
          n: spec.n as number,
          scorer: await environment.scorer(spec.scorer as string),
          threshold: spec.threshold as number,
          roundSize: spec.roundSize as number,
        }),
      )
    },
  },
  {
    name: 'universal-self-consistency',
    description:
      'The model reads n samples and names the most consistent one (Chen et al.); falls back to majority vote.',
    package: packageName,
    options: {
      ...samplingOptions,
      n: { ...samplingOptions.n, default: 8 },
      judge: {
        type: 'string',
        description: 'Model id of the judge (default: the run model).',
      },
    },
    async build(spec, environment) {
      const judge = await environment.languageModel(spec.judge as string | undefined)
      return asTextGenerator(
        universalSelfConsistency({
          ...(await buildSource(spec, environment)),
          n: spec.n as number,
          judge,
        }),
      )
    },
  },
]
