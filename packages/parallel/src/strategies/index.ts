// @metagen/parallel/strategies: the strategy definitions of the parallel algorithms (best-of-N,
// votes, MBR, adaptive consistency, rejection sampling, universal self-consistency, tournament), each with
// its options schema, builder and scaling knob, for a strategy registry.
import {
  defineStrategy,
  type Generator,
  InvalidArgumentError,
  nestedStrategySchema,
  parseOption,
  type StrategyDefinition,
  type StrategyEnvironment,
  scaleOption,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import {
  bleuSimilarity,
  chrFSimilarity,
  createAnswerMatchSimilarity,
  createLikelihoodPairwiseJudge,
  createPairwiseJudge,
  editSimilarity,
  rougeLSimilarity,
} from '@metagen/scorers'
import { z } from 'zod'
import { adaptiveConsistency } from '../adaptive-consistency.js'
import { bestOfN } from '../best-of-n.js'
import { majorityVote } from '../majority-vote.js'
import { minimumBayesRisk } from '../minimum-bayes-risk.js'
import type { UtilityFunction } from '../minimum-bayes-risk-selection.js'
import { parallelOptionSchemas, tournamentOptionSchemas } from '../option-schemas.js'
import { rejectionSampling } from '../rejection-sampling.js'
import type { SampleSourceOptions } from '../sample-source.js'
import { betaStoppingRule, dirichletStoppingRule } from '../stopping-rules.js'
import { tournament } from '../tournament.js'
import { universalSelfConsistency } from '../universal-self-consistency.js'
import { weightedVote } from '../weighted-vote.js'

const packageName = '@metagen/parallel'

const samplingShape = {
  n: parallelOptionSchemas.n.default(16),
  temperature: parallelOptionSchemas.temperature.default(1),
  base: nestedStrategySchema()
    .optional()
    .describe(
      'Nested strategy that produces each sample (default: sample the run model at `temperature`).',
    ),
}

const scorerOption = z
  .string()
  .default('step-checker')
  .describe('Scorer by name (e.g. step-checker, verifier, logprob); higher scores are better.')

/** Every parallel strategy spends N samples: `metagen scale` sets `n`. */
const scaleSamples = scaleOption('n')

/** The sample source and answer extraction shared by every parallel strategy. */
async function buildSource(
  options: { temperature: number; base?: { strategy: string } | undefined },
  environment: StrategyEnvironment,
): Promise<SampleSourceOptions> {
  const common = {
    maxTokens: environment.maxTokens,
    extractAnswer: (text: string) => environment.extractAnswer(text),
  }
  if (options.base !== undefined) {
    return { ...common, base: await environment.build(options.base) }
  }
  return {
    ...common,
    model: await environment.languageModel(),
    temperature: options.temperature,
  }
}

const utilities = ['chrf', 'rouge-l', 'bleu', 'edit', 'answer-match'] as const

function resolveUtility(
  name: (typeof utilities)[number],
  environment: StrategyEnvironment,
): UtilityFunction {
  switch (name) {
    case 'chrf':
      return chrFSimilarity
    case 'rouge-l':
      return rougeLSimilarity
    case 'bleu':
      return bleuSimilarity
    case 'edit':
      return editSimilarity
    case 'answer-match':
      return createAnswerMatchSimilarity({
        extractAnswer: (text) => environment.extractAnswer(text),
      })
  }
}

const asTextGenerator = <TOutput extends TextOutput>(
  generator: Generator<TextInput, TOutput>,
): Generator<TextInput, TextOutput> => generator

function voteStrategy(name: string, description: string): StrategyDefinition {
  return defineStrategy({
    name,
    description,
    package: packageName,
    schema: z.object(samplingShape),
    scaling: scaleSamples,
    async build(options, environment) {
      return asTextGenerator(
        majorityVote({ ...(await buildSource(options, environment)), n: options.n }),
      )
    },
  })
}

/** Self-consistency: majority vote over extracted answers. */
export const selfConsistencyStrategy = voteStrategy(
  'self-consistency',
  'Majority vote over the extracted answers of n samples (Wang et al.); ties: answer seen first.',
)

/** Alias of self-consistency. */
export const majorityVoteStrategy = voteStrategy('majority-vote', 'Alias of self-consistency.')

/** Best-of-N with a scorer. */
export const bestOfNStrategy: StrategyDefinition = defineStrategy({
  name: 'best-of-n',
  description: 'Scores n samples with a scorer and returns the best; ties: earliest sample.',
  package: packageName,
  schema: z.object({ ...samplingShape, scorer: scorerOption }),
  scaling: scaleSamples,
  async build(options, environment) {
    return bestOfN({
      ...(await buildSource(options, environment)),
      n: options.n,
      scorer: await environment.scorer(options.scorer),
    })
  },
})

/** Weighted majority vote. */
export const weightedVoteStrategy: StrategyDefinition = defineStrategy({
  name: 'weighted-vote',
  description: 'Majority vote where each sample votes with its score; ties: answer seen first.',
  package: packageName,
  schema: z.object({ ...samplingShape, scorer: scorerOption }),
  scaling: scaleSamples,
  async build(options, environment) {
    return asTextGenerator(
      weightedVote({
        ...(await buildSource(options, environment)),
        n: options.n,
        scorer: await environment.scorer(options.scorer),
      }),
    )
  },
})

/** Minimum Bayes risk decoding. */
export const mbrStrategy: StrategyDefinition = defineStrategy({
  name: 'mbr',
  description:
    'Minimum Bayes risk: the sample with the highest expected utility against the others (or a pseudo-reference set).',
  package: packageName,
  schema: z.object({
    ...samplingShape,
    utility: z
      .enum(utilities)
      .default('chrf')
      .describe('Utility between two outputs (from @metagen/scorers).'),
    compare: z
      .enum(['text', 'answer'])
      .default('text')
      .describe('Apply the utility to whole texts or to the extracted answers.'),
    references: z
      .int()
      .min(0)
      .default(0)
      .describe(
        'Size of a separate pseudo-reference set drawn like the samples; 0 uses the samples themselves.',
      ),
  }),
  scaling: scaleSamples,
  async build(options, environment) {
    const source = await buildSource(options, environment)
    return asTextGenerator(
      minimumBayesRisk({
        ...source,
        n: options.n,
        utility: resolveUtility(options.utility, environment),
        compare: options.compare,
        symmetric: options.utility === 'answer-match' || options.utility === 'edit',
        ...(options.references !== 0 ? { references: { ...source, n: options.references } } : {}),
      }),
    )
  },
})

const stoppingRuleOption = z.enum(['beta', 'dirichlet']).default('beta').describe('Stopping rule.')

/** Adaptive consistency with a Beta or Dirichlet stopping rule. */
export const adaptiveConsistencyStrategy: StrategyDefinition = defineStrategy({
  name: 'adaptive-consistency',
  description:
    'Majority vote that samples in rounds and stops once a Beta/Dirichlet rule is confident (Aggarwal et al.); n is the maximum.',
  package: packageName,
  schema: z.object({
    ...samplingShape,
    roundSize: parallelOptionSchemas.roundSize.default(1),
    rule: stoppingRuleOption,
    threshold: parallelOptionSchemas.stoppingThreshold.default(0.95),
  }),
  scaling: scaleSamples,
  async build(options, environment) {
    const threshold = options.threshold
    // The rule choice is this strategy's own: its schema is its validation.
    const rule = parseOption('rule', stoppingRuleOption, options.rule)
    return asTextGenerator(
      adaptiveConsistency({
        ...(await buildSource(options, environment)),
        n: options.n,
        roundSize: options.roundSize,
        stoppingRule:
          rule === 'dirichlet'
            ? dirichletStoppingRule({ threshold })
            : betaStoppingRule({ threshold }),
      }),
    )
  },
})

/** Rejection sampling until a sample scores >= threshold. */
export const rejectionSamplingStrategy: StrategyDefinition = defineStrategy({
  name: 'rejection-sampling',
  description:
    'Samples in rounds until a sample scores >= threshold (or n samples / the budget are used).',
  package: packageName,
  schema: z.object({
    ...samplingShape,
    scorer: scorerOption,
    threshold: parallelOptionSchemas.acceptanceThreshold.default(0.5),
    roundSize: parallelOptionSchemas.roundSize
      .default(4)
      .describe('Samples per round (one batched call and one scorer call).'),
  }),
  scaling: scaleSamples,
  async build(options, environment) {
    return asTextGenerator(
      rejectionSampling({
        ...(await buildSource(options, environment)),
        n: options.n,
        scorer: await environment.scorer(options.scorer),
        threshold: options.threshold,
        roundSize: options.roundSize,
      }),
    )
  },
})

/** Universal self-consistency: the model picks the most consistent sample. */
export const universalSelfConsistencyStrategy: StrategyDefinition = defineStrategy({
  name: 'universal-self-consistency',
  description:
    'The model reads n samples and names the most consistent one (Chen et al.); falls back to majority vote.',
  package: packageName,
  schema: z.object({
    ...samplingShape,
    n: parallelOptionSchemas.n.default(8),
    judge: z.string().optional().describe('Model id of the judge (default: the run model).'),
  }),
  scaling: scaleSamples,
  async build(options, environment) {
    const judge = await environment.languageModel(options.judge)
    return asTextGenerator(
      universalSelfConsistency({
        ...(await buildSource(options, environment)),
        n: options.n,
        judge,
      }),
    )
  },
})

const tournamentModeOption = tournamentOptionSchemas.mode.default('knockout')

const judgeByOption = z.enum(['prompt', 'likelihood'])

/** Tournament selection with a pairwise LLM judge. */
export const tournamentStrategy: StrategyDefinition = defineStrategy({
  name: 'tournament',
  description:
    'A pairwise judge compares n samples in a knockout bracket (byes first) or a round-robin (most wins; ties: earliest sample).',
  package: packageName,
  schema: z.object({
    ...samplingShape,
    n: tournamentOptionSchemas.n.default(8),
    mode: tournamentModeOption,
    judge: z
      .string()
      .optional()
      .describe('Model id of the pairwise judge (default: the run model).'),
    swap: z
      .boolean()
      .default(false)
      .describe('Judge every match in both orders to cancel position bias (two calls per match).'),
    judgeBy: judgeByOption
      .default('prompt')
      .describe(
        'prompt: ask the judge which output is better ([[A]]/[[B]]); likelihood: the output with the higher mean token log-probability under the judge wins (for models that cannot follow a judging instruction, e.g. tinymath).',
      ),
  }),
  scaling: scaleSamples,
  async build(options, environment) {
    const judgeBy = parseOption('strategy.judgeBy', judgeByOption, options.judgeBy)
    if (judgeBy === 'likelihood' && options.swap) {
      throw new InvalidArgumentError({
        argument: 'strategy.swap',
        expected:
          'false with judgeBy likelihood (a likelihood verdict does not depend on the order)',
        received: true,
      })
    }
    const model = await environment.languageModel(options.judge)
    const judge =
      judgeBy === 'likelihood'
        ? createLikelihoodPairwiseJudge({ model })
        : createPairwiseJudge({ model, swap: options.swap })
    return asTextGenerator(
      tournament({
        ...(await buildSource(options, environment)),
        n: options.n,
        mode: options.mode,
        judge,
      }),
    )
  },
})

/** Every strategy of @metagen/parallel, in registration order. */
export const strategies: readonly StrategyDefinition[] = [
  selfConsistencyStrategy,
  majorityVoteStrategy,
  bestOfNStrategy,
  weightedVoteStrategy,
  mbrStrategy,
  adaptiveConsistencyStrategy,
  rejectionSamplingStrategy,
  universalSelfConsistencyStrategy,
  tournamentStrategy,
]
