// Strategy definitions of @metagen/decoders: greedy, sampling with the logits-processor chain,
// beam and diverse beam search, contrastive search, contrastive decoding and logit arithmetic.
import {
  type Generator,
  InvalidArgumentError,
  type TextInput,
  type TextOutput,
  type TokenModel,
  UnsupportedCapabilityError,
} from '@metagen/core'
import {
  createBeamSearchLanguageModel,
  createContrastiveDecodingLanguageModel,
  createContrastiveSearchLanguageModel,
  createDiverseBeamSearchLanguageModel,
  createLogitArithmeticLanguageModel,
  createTokenLanguageModel,
  type SamplingOptions,
} from '@metagen/decoders'
import type {
  StrategyDefinition,
  StrategyEnvironment,
  StrategyOptionDefinition,
  StrategySpec,
} from '../strategy.js'
import { createModelGenerator, type ModelGeneratorOptions } from './model-generator.js'

const packageName = '@metagen/decoders'

/** Token-level decoders return logprobs; the output's score is their sum. */
const logprobRequest: ModelGeneratorOptions = { request: { logprobs: true }, scoreByLogprob: true }

/** The run model as a token model, or undefined when it is remote. */
async function tryTokenModel(
  environment: StrategyEnvironment,
  id?: string,
): Promise<TokenModel | undefined> {
  try {
    return await environment.tokenModel(id)
  } catch (error) {
    if (error instanceof UnsupportedCapabilityError) return undefined
    throw error
  }
}

const processorOptions = {
  repetitionPenalty: {
    type: 'number',
    description: 'CTRL repetition penalty theta > 0 over prompt and generated tokens (1 = off).',
    minimum: 0,
    minimumInclusive: false,
  },
  frequencyPenalty: {
    type: 'number',
    description: 'OpenAI frequency penalty in [-2, 2]: minus count x penalty per generated token.',
    minimum: -2,
    maximum: 2,
  },
  presencePenalty: {
    type: 'number',
    description: 'OpenAI presence penalty in [-2, 2]: minus penalty once a token was generated.',
    minimum: -2,
    maximum: 2,
  },
  noRepeatNgramSize: {
    type: 'integer',
    description: 'Forbid repeating any n-gram of this size (an integer >= 1).',
    minimum: 1,
  },
  minNewTokens: {
    type: 'integer',
    description: 'End-of-text is forbidden until this many tokens were generated (integer >= 0).',
    minimum: 0,
  },
} as const satisfies Record<string, StrategyOptionDefinition>

const truncationOptions = {
  temperature: {
    type: 'number',
    description: 'Sampling temperature >= 0 (0 is greedy).',
    default: 1,
    minimum: 0,
  },
  topK: {
    type: 'integer',
    description: 'Keep the k most likely tokens (an integer >= 1).',
    minimum: 1,
  },
  topP: {
    type: 'number',
    description: 'Nucleus sampling: keep the smallest set with mass >= topP, in (0, 1].',
    minimum: 0,
    minimumInclusive: false,
    maximum: 1,
  },
  minP: {
    type: 'number',
    description: 'Min-p: keep tokens with p >= minP x max p, minP in [0, 1].',
    minimum: 0,
    maximum: 1,
  },
  typicalP: {
    type: 'number',
    description: 'Locally typical sampling mass in (0, 1].',
    minimum: 0,
    minimumInclusive: false,
    maximum: 1,
  },
  epsilon: {
    type: 'number',
    description: 'Epsilon sampling: drop tokens with p < epsilon, in [0, 1).',
    minimum: 0,
    maximum: 1,
  },
  eta: {
    type: 'number',
    description: 'Eta sampling: drop tokens with p < min(eta, sqrt(eta) exp(-entropy)), in [0, 1).',
    minimum: 0,
    maximum: 1,
  },
  mirostatTau: {
    type: 'number',
    description: 'Mirostat v2 target surprise in bits (> 0); enables mirostat.',
    minimum: 0,
    minimumInclusive: false,
  },
  mirostatEta: {
    type: 'number',
    description: 'Mirostat v2 learning rate in (0, 1] (used with mirostatTau).',
    default: 0.1,
    minimum: 0,
    minimumInclusive: false,
    maximum: 1,
  },
} as const satisfies Record<string, StrategyOptionDefinition>

const samplingFields = [
  'temperature',
  'topK',
  'topP',
  'minP',
  'typicalP',
  'epsilon',
  'eta',
  'repetitionPenalty',
  'frequencyPenalty',
  'presencePenalty',
  'noRepeatNgramSize',
  'minNewTokens',
] as const

/** The processor settings named in a spec (absent options stay absent). */
function samplingFromSpec(
  spec: StrategySpec,
  fields: readonly string[] = samplingFields,
): SamplingOptions {
  const sampling: Record<string, unknown> = {}
  for (const field of fields) if (spec[field] !== undefined) sampling[field] = spec[field]
  if (fields.includes('temperature') && spec.mirostatTau !== undefined) {
    sampling.mirostat = { tau: spec.mirostatTau, eta: spec.mirostatEta ?? 0.1 }
  }
  return sampling as SamplingOptions
}

const penaltyFields = [
  'repetitionPenalty',
  'frequencyPenalty',
  'presencePenalty',
  'noRepeatNgramSize',
  'minNewTokens',
]

/** Builds a sampling generator: a token model when local, else the language model with the request fields it supports. */
async function buildSampler(
  name: string,
  spec: StrategySpec,
  environment: StrategyEnvironment,
): Promise<Generator<TextInput, TextOutput>> {
  const sampling = samplingFromSpec(spec)
  const tokenModel = await tryTokenModel(environment)
  if (tokenModel) {
    return createModelGenerator(
      name,
      createTokenLanguageModel(tokenModel, { sampling }),
      environment,
      logprobRequest,
    )
  }
  // Remote model: temperature/topP/topK go in the request; the other processors are passed in
  // providerOptions.metagen, which a remote backend reports as an unsupported setting.
  const { temperature, topP, topK, ...rest } = sampling
  return createModelGenerator(name, await environment.languageModel(), environment, {
    request: {
      ...(temperature !== undefined ? { temperature } : {}),
      ...(topP !== undefined ? { topP } : {}),
      ...(topK !== undefined ? { topK } : {}),
      ...(Object.keys(rest).length > 0
        ? { providerOptions: { metagen: rest as Record<string, unknown> } }
        : {}),
    },
    scoreByLogprob: true,
  })
}

const beamOptions = {
  beamWidth: {
    type: 'integer',
    description: 'Number of beams (an integer >= 1).',
    default: 4,
    minimum: 1,
  },
  lengthPenalty: {
    type: 'number',
    description:
      'Rank finished hypotheses by logprob / length^lengthPenalty (0 = total, 1 = mean).',
    default: 1,
  },
  earlyStopping: {
    type: 'boolean',
    description:
      'Stop as soon as beamWidth hypotheses finished (default: stop when none can be beaten).',
    default: false,
  },
  ...processorOptions,
} as const satisfies Record<string, StrategyOptionDefinition>

/** The strategies of @metagen/decoders, for the orchestrator's registry. */
export const decoderStrategies: StrategyDefinition[] = [
  {
    name: 'greedy',
    description: 'Greedy decoding: the most likely token at each step (temperature 0).',
    package: packageName,
    options: processorOptions,
    async build(spec, environment) {
      return buildSampler('greedy', { ...spec, temperature: 0 }, environment)
    },
  },
  {
    name: 'sample',
    description:
      'Ancestral sampling with the logits-processor chain (temperature, top-k, top-p, min-p, typical, epsilon, eta, mirostat, penalties).',
    package: packageName,
    options: { ...truncationOptions, ...processorOptions },
    async build(spec, environment) {
      return buildSampler('sample', spec, environment)
    },
  },
  {
    name: 'beam',
    description: 'Beam search with a length penalty; beams share the prompt KV cache by forking.',
    package: packageName,
    options: beamOptions,
    async build(spec, environment) {
      const tokenModel = await environment.tokenModel()
      const model = createBeamSearchLanguageModel(tokenModel, {
        beamWidth: spec.beamWidth as number,
        lengthPenalty: spec.lengthPenalty as number,
        earlyStopping: spec.earlyStopping as boolean,
        processors: samplingFromSpec(spec, penaltyFields),
      })
      return createModelGenerator('beam', model, environment, logprobRequest)
    },
  },
  {
    name: 'diverse-beam',
    description:
      'Diverse beam search (Vijayakumar et al.): beams in groups, each group penalised for tokens earlier groups chose at the same step.',
    package: packageName,
    options: {
      ...beamOptions,
      groups: {
        type: 'integer',
        description:
          'Number of groups; must divide beamWidth (default: beamWidth, one beam per group).',
        minimum: 1,
      },
      diversityPenalty: {
        type: 'number',
        description: 'Hamming diversity strength lambda >= 0.',
        default: 0.5,
        minimum: 0,
      },
    },
    async build(spec, environment) {
      const tokenModel = await environment.tokenModel()
      const model = createDiverseBeamSearchLanguageModel(tokenModel, {
        beamWidth: spec.beamWidth as number,
        lengthPenalty: spec.lengthPenalty as number,
        earlyStopping: spec.earlyStopping as boolean,
        diversityPenalty: spec.diversityPenalty as number,
        ...(spec.groups !== undefined ? { groups: spec.groups as number } : {}),
        processors: samplingFromSpec(spec, penaltyFields),
      })
      return createModelGenerator('diverse-beam', model, environment, logprobRequest)
    },
  },
  {
    name: 'contrastive-search',
    description:
      'Contrastive search (Su et al.): top-k candidates scored by (1 - alpha) p - alpha x max similarity to earlier positions (logits-row similarity; see @metagen/decoders README).',
    package: packageName,
    options: {
      topK: {
        type: 'integer',
        description: 'Candidates per step (an integer >= 1).',
        default: 4,
        minimum: 1,
      },
      alpha: {
        type: 'number',
        description: 'Degeneration-penalty weight in [0, 1].',
        default: 0.6,
        minimum: 0,
        maximum: 1,
      },
      ...processorOptions,
    },
    async build(spec, environment) {
      const tokenModel = await environment.tokenModel()
      const model = createContrastiveSearchLanguageModel(tokenModel, {
        topK: spec.topK as number,
        alpha: spec.alpha as number,
        processors: samplingFromSpec(spec, penaltyFields),
      })
      return createModelGenerator('contrastive-search', model, environment, logprobRequest)
    },
  },
  {
    name: 'contrastive-decoding',
    description:
      'Contrastive decoding (Li et al.): the run model is the expert; tokens maximise log p_expert - log p_amateur over the plausible head.',
    package: packageName,
    options: {
      amateur: {
        type: 'string',
        description: 'Model id of the amateur (same tokenizer as the run model).',
        default: 'tinymath-draft',
      },
      alpha: {
        type: 'number',
        description:
          'Plausibility cutoff in (0, 1]: keep tokens with p_expert >= alpha x max p_expert.',
        default: 0.1,
        minimum: 0,
        minimumInclusive: false,
        maximum: 1,
      },
      amateurTemperature: {
        type: 'number',
        description: "Temperature (> 0) of the amateur's distribution.",
        default: 1,
        minimum: 0,
        minimumInclusive: false,
      },
      temperature: {
        type: 'number',
        description: 'Temperature over the contrastive scores (0 = greedy, as in the paper).',
        default: 0,
        minimum: 0,
      },
    },
    async build(spec, environment) {
      const [expert, amateur] = await Promise.all([
        environment.tokenModel(),
        environment.tokenModel(spec.amateur as string),
      ])
      if (expert === amateur || expert.modelId === amateur.modelId) {
        throw new InvalidArgumentError({
          argument: 'amateur',
          expected: `a model other than the expert (the run model ${expert.modelId})`,
          received: spec.amateur,
        })
      }
      const model = createContrastiveDecodingLanguageModel({
        expert,
        amateur,
        alpha: spec.alpha as number,
        amateurTemperature: spec.amateurTemperature as number,
        sampling: { temperature: spec.temperature as number },
      })
      return createModelGenerator('contrastive-decoding', model, environment, logprobRequest)
    },
  },
  {
    name: 'logit-arithmetic',
    description:
      'DExperts-style logit arithmetic: run model logits + alpha x (expert - antiExpert), then sampling.',
    package: packageName,
    options: {
      expert: {
        type: 'string',
        description: 'Model id of the expert.',
        default: 'tinymath-generator',
      },
      antiExpert: { type: 'string', description: 'Model id of the anti-expert (optional).' },
      alpha: { type: 'number', description: 'Steering strength (a finite number).', default: 1 },
      ...truncationOptions,
      temperature: { ...truncationOptions.temperature, default: 0 },
    },
    async build(spec, environment) {
      const [base, expert, antiExpert] = await Promise.all([
        environment.tokenModel(),
        environment.tokenModel(spec.expert as string),
        spec.antiExpert !== undefined
          ? environment.tokenModel(spec.antiExpert as string)
          : undefined,
      ])
      const model = createLogitArithmeticLanguageModel({
        base,
        expert,
        ...(antiExpert ? { antiExpert } : {}),
        alpha: spec.alpha as number,
        sampling: samplingFromSpec(spec),
      })
      return createModelGenerator('logit-arithmetic', model, environment, logprobRequest)
    },
  },
]
