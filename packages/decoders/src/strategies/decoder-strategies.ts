// Strategy definitions of @metagen/decoders: greedy, sampling with the logits-processor chain,
// beam and diverse beam search, contrastive search, contrastive decoding and logit arithmetic.
import {
  compact,
  defineStrategy,
  type Generator,
  InvalidArgumentError,
  type StrategyDefinition,
  type StrategyEnvironment,
  scaleOption,
  type TextInput,
  type TextOutput,
  UnsupportedCapabilityError,
} from '@metagen/core'
import { z } from 'zod'
import {
  createBeamSearchLanguageModel,
  createDiverseBeamSearchLanguageModel,
} from '../beam-search-language-model.js'
import {
  createContrastiveDecodingLanguageModel,
  createLogitArithmeticLanguageModel,
} from '../contrastive-decoding-language-model.js'
import { createContrastiveSearchLanguageModel } from '../contrastive-search-language-model.js'
import {
  beamSearchOptionSchemas,
  contrastiveDecodingOptionSchemas,
  contrastiveSearchOptionSchemas,
  mirostatOptionSchemas,
  rewardGuidedOptionSchemas,
  samplingOptionSchemas,
} from '../option-schemas.js'
import { createRewardGuidedLanguageModel } from '../reward-guided-language-model.js'
import type { SamplingOptions } from '../sampling-options.js'
import { createTokenLanguageModel } from '../token-language-model.js'
import { createModelGenerator, logprobRequest, tryTokenModel } from './model-generator.js'

const packageName = '@metagen/decoders'

/** The penalty steps of the processor chain (greedy and beam search apply them too). */
const penaltyShape = {
  repetitionPenalty: samplingOptionSchemas.repetitionPenalty.optional(),
  frequencyPenalty: samplingOptionSchemas.frequencyPenalty.optional(),
  presencePenalty: samplingOptionSchemas.presencePenalty.optional(),
  noRepeatNgramSize: samplingOptionSchemas.noRepeatNgramSize.optional(),
  minNewTokens: samplingOptionSchemas.minNewTokens.optional(),
}

/** Temperature and the truncation steps of the processor chain, with mirostat v2. */
const truncationShape = {
  temperature: samplingOptionSchemas.temperature.default(1),
  topK: samplingOptionSchemas.topK.optional(),
  topP: samplingOptionSchemas.topP.optional(),
  minP: samplingOptionSchemas.minP.optional(),
  typicalP: samplingOptionSchemas.typicalP.optional(),
  epsilon: samplingOptionSchemas.epsilon.optional(),
  eta: samplingOptionSchemas.eta.optional(),
  mirostatTau: mirostatOptionSchemas.tau.optional(),
  mirostatEta: mirostatOptionSchemas.eta
    .default(0.1)
    .describe('Mirostat v2 learning rate in (0, 1] (used with mirostatTau).'),
}

/** The token-healing switch of greedy and sampling (`--token-healing`). */
const tokenHealingShape = {
  tokenHealing: z
    .boolean()
    .optional()
    .describe(
      "Token healing: back up the prompt's last token and make the output start with its text (local models).",
    ),
}

type PenaltyOptions = z.output<z.ZodObject<typeof penaltyShape>>
type TruncationOptions = z.output<z.ZodObject<typeof truncationShape>>

const penaltyFields = Object.keys(penaltyShape) as Array<keyof PenaltyOptions>
const truncationFields = [
  'temperature',
  'topK',
  'topP',
  'minP',
  'typicalP',
  'epsilon',
  'eta',
] as const satisfies ReadonlyArray<keyof TruncationOptions>

/** The penalty settings named in the options (absent options stay absent). */
function penaltiesFrom(options: Partial<PenaltyOptions>): SamplingOptions {
  const sampling: SamplingOptions = {}
  for (const field of penaltyFields) {
    const value = options[field]
    if (value !== undefined) sampling[field] = value
  }
  return sampling
}

/** The processor settings named in the options: truncation, penalties and mirostat. */
function samplingFrom(
  options: Partial<PenaltyOptions> & Partial<TruncationOptions>,
): SamplingOptions {
  const sampling: SamplingOptions = {}
  for (const field of truncationFields) {
    const value = options[field]
    if (value !== undefined) sampling[field] = value
  }
  Object.assign(sampling, penaltiesFrom(options))
  if (options.mirostatTau !== undefined) {
    sampling.mirostat = { tau: options.mirostatTau, eta: options.mirostatEta ?? 0.1 }
  }
  return sampling
}

/** Builds a sampling generator: a token model when local, else the language model with the request fields it supports. */
async function buildSampler(
  name: string,
  sampling: SamplingOptions,
  environment: StrategyEnvironment,
  tokenHealing = false,
): Promise<Generator<TextInput, TextOutput>> {
  const tokenModel = await tryTokenModel(environment)
  if (tokenModel) {
    return createModelGenerator(
      name,
      createTokenLanguageModel(tokenModel, { sampling, tokenHealing }),
      environment,
      logprobRequest,
    )
  }
  if (tokenHealing) {
    throw new UnsupportedCapabilityError({
      capability: 'tokenHealing',
      message: `Token healing needs a local token-level model (it changes the prompt's tokens and masks the first generated tokens); ${environment.modelId} is remote.`,
    })
  }
  // Remote model: temperature/topP/topK go in the request; the other processors are passed in
  // providerOptions.metagen, which a remote backend reports as an unsupported setting.
  const { temperature, topP, topK, ...rest } = sampling
  return createModelGenerator(name, await environment.languageModel(), environment, {
    request: {
      ...compact({ temperature, topP, topK }),
      ...(Object.keys(rest).length > 0
        ? { providerOptions: { metagen: rest as Record<string, unknown> } }
        : {}),
    },
    scoreByLogprob: true,
  })
}

const beamShape = {
  beamWidth: beamSearchOptionSchemas.beamWidth.default(4),
  lengthPenalty: beamSearchOptionSchemas.lengthPenalty.default(1),
  earlyStopping: z
    .boolean()
    .default(false)
    .describe(
      'Stop as soon as beamWidth hypotheses finished (default: stop when none can be beaten).',
    ),
  ...penaltyShape,
}

/** Greedy decoding (temperature 0) with the penalty steps. */
export const greedyStrategy: StrategyDefinition = defineStrategy({
  name: 'greedy',
  description: 'Greedy decoding: the most likely token at each step (temperature 0).',
  package: packageName,
  schema: z.object({ ...penaltyShape, ...tokenHealingShape }),
  async build(options, environment) {
    return buildSampler(
      'greedy',
      { ...penaltiesFrom(options), temperature: 0 },
      environment,
      options.tokenHealing ?? false,
    )
  },
})

/** Ancestral sampling with the whole processor chain. */
export const sampleStrategy: StrategyDefinition = defineStrategy({
  name: 'sample',
  description:
    'Ancestral sampling with the logits-processor chain (temperature, top-k, top-p, min-p, typical, epsilon, eta, mirostat, penalties).',
  package: packageName,
  schema: z.object({ ...truncationShape, ...penaltyShape, ...tokenHealingShape }),
  async build(options, environment) {
    return buildSampler('sample', samplingFrom(options), environment, options.tokenHealing ?? false)
  },
})

/** Beam search (token model only). */
export const beamStrategy: StrategyDefinition = defineStrategy({
  name: 'beam',
  description: 'Beam search with a length penalty; beams share the prompt KV cache by forking.',
  package: packageName,
  schema: z.object(beamShape),
  scaling: scaleOption('beamWidth'),
  async build(options, environment) {
    const model = createBeamSearchLanguageModel(await environment.tokenModel(), {
      beamWidth: options.beamWidth,
      lengthPenalty: options.lengthPenalty,
      earlyStopping: options.earlyStopping,
      processors: penaltiesFrom(options),
    })
    return createModelGenerator('beam', model, environment, logprobRequest)
  },
})

/** Diverse beam search (token model only). */
export const diverseBeamStrategy: StrategyDefinition = defineStrategy({
  name: 'diverse-beam',
  description:
    'Diverse beam search (Vijayakumar et al.): beams in groups, each group penalised for tokens earlier groups chose at the same step.',
  package: packageName,
  schema: z.object({
    ...beamShape,
    groups: beamSearchOptionSchemas.groups.optional(),
    diversityPenalty: beamSearchOptionSchemas.diversityPenalty.default(0.5),
  }),
  scaling: scaleOption('beamWidth'),
  async build(options, environment) {
    const model = createDiverseBeamSearchLanguageModel(await environment.tokenModel(), {
      beamWidth: options.beamWidth,
      lengthPenalty: options.lengthPenalty,
      earlyStopping: options.earlyStopping,
      diversityPenalty: options.diversityPenalty,
      ...compact({ groups: options.groups }),
      processors: penaltiesFrom(options),
    })
    return createModelGenerator('diverse-beam', model, environment, logprobRequest)
  },
})

/** Contrastive search (token model only). */
export const contrastiveSearchStrategy: StrategyDefinition = defineStrategy({
  name: 'contrastive-search',
  description:
    'Contrastive search (Su et al.): top-k candidates scored by (1 - alpha) p - alpha x max similarity to earlier positions (logits-row similarity; see @metagen/decoders README).',
  package: packageName,
  schema: z.object({
    topK: contrastiveSearchOptionSchemas.topK.default(4),
    alpha: contrastiveSearchOptionSchemas.alpha.default(0.6),
    ...penaltyShape,
  }),
  async build(options, environment) {
    const model = createContrastiveSearchLanguageModel(await environment.tokenModel(), {
      topK: options.topK,
      alpha: options.alpha,
      processors: penaltiesFrom(options),
    })
    return createModelGenerator('contrastive-search', model, environment, logprobRequest)
  },
})

/** Contrastive decoding between the run model (expert) and an amateur. */
export const contrastiveDecodingStrategy: StrategyDefinition = defineStrategy({
  name: 'contrastive-decoding',
  description:
    'Contrastive decoding (Li et al.): the run model is the expert; tokens maximise log p_expert - log p_amateur over the plausible head.',
  package: packageName,
  schema: z.object({
    amateur: z
      .string()
      .default('tinymath-draft')
      .describe('Model id of the amateur (same tokenizer as the run model).'),
    alpha: contrastiveDecodingOptionSchemas.alpha.default(0.1),
    amateurTemperature: contrastiveDecodingOptionSchemas.amateurTemperature.default(1),
    temperature: samplingOptionSchemas.temperature
      .default(0)
      .describe('Temperature over the contrastive scores (0 = greedy, as in the paper).'),
  }),
  async build(options, environment) {
    const [expert, amateur] = await Promise.all([
      environment.tokenModel(),
      environment.tokenModel(options.amateur),
    ])
    if (expert === amateur || expert.modelId === amateur.modelId) {
      throw new InvalidArgumentError({
        argument: 'amateur',
        expected: `a model other than the expert (the run model ${expert.modelId})`,
        received: options.amateur,
      })
    }
    const model = createContrastiveDecodingLanguageModel({
      expert,
      amateur,
      alpha: options.alpha,
      amateurTemperature: options.amateurTemperature,
      sampling: { temperature: options.temperature },
    })
    return createModelGenerator('contrastive-decoding', model, environment, logprobRequest)
  },
})

/** DExperts-style logit arithmetic. */
export const logitArithmeticStrategy: StrategyDefinition = defineStrategy({
  name: 'logit-arithmetic',
  description:
    'DExperts-style logit arithmetic: run model logits + alpha x (expert - antiExpert), then sampling.',
  package: packageName,
  schema: z.object({
    expert: z.string().default('tinymath-generator').describe('Model id of the expert.'),
    antiExpert: z.string().optional().describe('Model id of the anti-expert (optional).'),
    alpha: z.number().default(1).describe('Steering strength (a finite number).'),
    ...truncationShape,
    temperature: samplingOptionSchemas.temperature.default(0),
  }),
  async build(options, environment) {
    const [base, expert, antiExpert] = await Promise.all([
      environment.tokenModel(),
      environment.tokenModel(options.expert),
      options.antiExpert !== undefined ? environment.tokenModel(options.antiExpert) : undefined,
    ])
    const model = createLogitArithmeticLanguageModel({
      base,
      expert,
      ...compact({ antiExpert }),
      alpha: options.alpha,
      sampling: samplingFrom(options),
    })
    return createModelGenerator('logit-arithmetic', model, environment, logprobRequest)
  },
})

/** Reward-guided decoding (token model only). */
export const rewardGuidedStrategy: StrategyDefinition = defineStrategy({
  name: 'reward-guided',
  description:
    'Reward-guided decoding (FUDGE, Yang & Klein): the top-K next tokens are scored by a scorer in one batch and drawn from q ∝ p x score^alpha.',
  package: packageName,
  schema: z.object({
    scorer: z
      .string()
      .default('step-checker')
      .describe(
        'Scorer by name used as the discriminator (e.g. step-checker, verifier); scores partial outputs.',
      ),
    topK: rewardGuidedOptionSchemas.topK.default(8),
    alpha: rewardGuidedOptionSchemas.alpha.default(1),
    interval: rewardGuidedOptionSchemas.interval.default(1),
    rewardScale: rewardGuidedOptionSchemas.rewardScale.default('probability'),
    temperature: samplingOptionSchemas.temperature
      .default(0)
      .describe('Temperature over q (0 = the argmax of q, the default).'),
    ...penaltyShape,
  }),
  async build(options, environment) {
    const [model, scorer] = await Promise.all([
      environment.tokenModel(),
      environment.scorer(options.scorer),
    ])
    const languageModel = createRewardGuidedLanguageModel({
      model,
      scorer,
      topK: options.topK,
      alpha: options.alpha,
      interval: options.interval,
      rewardScale: options.rewardScale,
      sampling: { ...penaltiesFrom(options), temperature: options.temperature },
    })
    return createModelGenerator('reward-guided', languageModel, environment, logprobRequest)
  },
})

/** The token-level decoding strategies (greedy, sampling, beams, contrastive, logit arithmetic). */
export const decoderStrategies: readonly StrategyDefinition[] = [
  greedyStrategy,
  sampleStrategy,
  beamStrategy,
  diverseBeamStrategy,
  contrastiveSearchStrategy,
  contrastiveDecodingStrategy,
  logitArithmeticStrategy,
  rewardGuidedStrategy,
]
