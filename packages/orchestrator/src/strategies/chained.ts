// Strategy definitions of @metagen/chained: refinement from a verifier's feedback, the
// calculator tool, self-refine and chain-of-thought, buildable from specs and CLI flags.
import {
  arithmeticRecheckCritic,
  calculatorTool,
  chainOfThought,
  continuationRevision,
  refineWithVerifier,
  selfRefine,
  toolUse,
} from '@metagen/chained'
import type { Generator, TextInput, TextOutput } from '@metagen/core'
import type { StrategyDefinition, StrategyOptionDefinition, StrategySpec } from '../strategy.js'

const packageName = '@metagen/chained'

const temperatureOption = {
  type: 'number',
  description: 'Sampling temperature (>= 0) of the first attempt; 0 is greedy.',
  default: 0,
  minimum: 0,
} as const satisfies StrategyOptionDefinition

const maxRoundsOption = (defaultRounds: number) =>
  ({
    type: 'integer',
    description: 'Maximum number of revisions (an integer >= 0); the loop always stops after it.',
    default: defaultRounds,
    minimum: 0,
  }) as const satisfies StrategyOptionDefinition

const asTextGenerator = <TOutput extends TextOutput>(
  generator: Generator<TextInput, TOutput>,
): Generator<TextInput, TextOutput> => generator

/** The strategies of @metagen/chained, for the orchestrator's registry. */
export const chainedStrategies: StrategyDefinition[] = [
  {
    name: 'refine-with-verifier',
    description:
      'Generate, let a verifier name the first wrong step, continue from the correct steps before it (sampled), up to maxRounds times; returns the best-scored attempt.',
    package: packageName,
    options: {
      scorer: {
        type: 'string',
        description: 'Verifier by name (a process scorer such as step-checker names wrong steps).',
        default: 'step-checker',
      },
      maxRounds: maxRoundsOption(4),
      threshold: {
        type: 'number',
        description: 'Step or outcome scores below this value in [0, 1] count as wrong.',
        default: 0.5,
        minimum: 0,
        maximum: 1,
      },
      temperature: temperatureOption,
      reviseTemperature: {
        type: 'number',
        description:
          'Sampling temperature (>= 0) of the continuations after the correct prefix (0 repeats the same mistake).',
        default: 1,
        minimum: 0,
      },
      memory: {
        type: 'integer',
        description:
          'Reflexion-style memory: number of earlier failed attempts (with feedback) put before the prompt (>= 0).',
        default: 0,
        minimum: 0,
      },
      base: {
        type: 'strategy',
        description:
          'Nested strategy for the first attempt (default: the run model at `temperature`), e.g. calculator.',
      },
    },
    async build(spec, environment) {
      const model = await environment.languageModel()
      const request = { temperature: spec.temperature as number, maxTokens: environment.maxTokens }
      return asTextGenerator(
        refineWithVerifier({
          model,
          scorer: await environment.scorer(spec.scorer as string),
          threshold: spec.threshold as number,
          maxRounds: spec.maxRounds as number,
          request,
          reviseRequest: { temperature: spec.reviseTemperature as number },
          memory: spec.memory as number,
          extractAnswer: (text) => environment.extractAnswer(text),
          ...(spec.base !== undefined
            ? { generator: await environment.build(spec.base as StrategySpec) }
            : {}),
        }),
      )
    },
  },
  {
    name: 'calculator',
    description:
      'Tool use: generation stops at each `a op b=`, a calculator splices in the true value, and the model continues.',
    package: packageName,
    options: {
      temperature: temperatureOption,
      maxToolCalls: {
        type: 'integer',
        description: 'Most calculator calls per output (an integer >= 0).',
        default: 32,
        minimum: 0,
      },
      division: {
        type: 'string',
        description: 'Rounding of integer division: floor (as the tinymath data) or trunc.',
        default: 'floor',
        choices: ['floor', 'trunc'],
      },
    },
    async build(spec, environment) {
      return asTextGenerator(
        toolUse({
          model: await environment.languageModel(),
          tools: [calculatorTool({ division: spec.division as 'floor' | 'trunc' })],
          maxToolCalls: spec.maxToolCalls as number,
          request: { temperature: spec.temperature as number, maxTokens: environment.maxTokens },
          extractAnswer: (text) => environment.extractAnswer(text),
        }),
      )
    },
  },
  {
    name: 'self-refine',
    description:
      'Self-refine: the model answers, gives itself feedback and revises until the feedback says done or maxRounds (feedback "recheck" for completion models such as tinymath).',
    package: packageName,
    options: {
      maxRounds: maxRoundsOption(3),
      temperature: temperatureOption,
      feedback: {
        type: 'string',
        description:
          'How the model criticises itself: "model" (instruction prompt, reply DONE or the first mistake), "recheck" (recompute each a op b= step after the question and continue from the first disagreeing step), or "auto" (recheck for tinymath models, model otherwise).',
        default: 'auto',
        choices: ['auto', 'model', 'recheck'],
      },
      scorer: {
        type: 'string',
        description:
          'Optional outcome scorer by name; with patience the loop stops when its score stops improving.',
      },
      patience: {
        type: 'integer',
        description: 'Stop after this many revisions without a better score (needs scorer).',
        minimum: 1,
      },
    },
    async build(spec, environment) {
      const model = await environment.languageModel()
      const feedback =
        spec.feedback === 'auto'
          ? environment.modelId.startsWith('tinymath')
            ? 'recheck'
            : 'model'
          : spec.feedback
      const scorer =
        spec.scorer !== undefined ? await environment.scorer(spec.scorer as string) : undefined
      return asTextGenerator(
        selfRefine({
          model,
          maxRounds: spec.maxRounds as number,
          request: { temperature: spec.temperature as number, maxTokens: environment.maxTokens },
          extractAnswer: (text) => environment.extractAnswer(text),
          ...(feedback === 'recheck'
            ? { critic: arithmeticRecheckCritic({ model }), revise: continuationRevision() }
            : {}),
          ...(scorer ? { scorer, select: 'best' as const } : {}),
          ...(spec.patience !== undefined ? { patience: spec.patience as number } : {}),
        }),
      )
    },
  },
  {
    name: 'chain-of-thought',
    description:
      'Chain-of-thought: generate the reasoning, extract the answer, and ask for it after the reasoning when it is missing.',
    package: packageName,
    options: {
      temperature: temperatureOption,
      reasoningPrefix: {
        type: 'string',
        description:
          'Text after the prompt that starts the reasoning (e.g. " Let\'s think step by step.").',
        default: '',
      },
      answerPrompt: {
        type: 'string',
        description: 'Text after the reasoning that asks for the final answer when none was found.',
        default: ' The answer is',
      },
    },
    async build(spec, environment) {
      return asTextGenerator(
        chainOfThought({
          model: await environment.languageModel(),
          extractAnswer: (text) => environment.extractAnswer(text),
          reasoningPrefix: spec.reasoningPrefix as string,
          answerPrompt: spec.answerPrompt as string,
          request: { temperature: spec.temperature as number, maxTokens: environment.maxTokens },
        }),
      )
    },
  },
]
