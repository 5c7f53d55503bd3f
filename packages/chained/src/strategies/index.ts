// @metagen/chained/strategies: the strategy definitions of the chained algorithms (refinement
// from a verifier's feedback, the calculator tool, self-refine, Self-Debug, chain-of-thought), each with its
// options schema and builder, for a strategy registry.
import {
  compact,
  defineStrategy,
  type Generator,
  nestedStrategySchema,
  parseOption,
  type StrategyDefinition,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { z } from 'zod'
import { calculatorTool } from '../calculator-tool.js'
import { chainOfThought } from '../chain-of-thought.js'
import { chainedOptionSchemas } from '../option-schemas.js'
import { arithmeticRecheckCritic } from '../recheck-critic.js'
import { refineWithVerifier } from '../refine-with-verifier.js'
import { continuationRevision } from '../revisions.js'
import { selfDebug } from '../self-debug.js'
import { selfRefine } from '../self-refine.js'
import { toolUse } from '../tool-use.js'

const packageName = '@metagen/chained'

const temperatureOption = z
  .number()
  .min(0)
  .default(0)
  .describe('Sampling temperature (>= 0) of the first attempt; 0 is greedy.')

const asTextGenerator = <TOutput extends TextOutput>(
  generator: Generator<TextInput, TOutput>,
): Generator<TextInput, TextOutput> => generator

/** Refinement from a verifier's feedback. */
export const refineWithVerifierStrategy: StrategyDefinition = defineStrategy({
  name: 'refine-with-verifier',
  description:
    'Generate, let a verifier name the first wrong step, continue from the correct steps before it (sampled), up to maxRounds times; returns the best-scored attempt.',
  package: packageName,
  schema: z.object({
    scorer: z
      .string()
      .default('step-checker')
      .describe('Verifier by name (a process scorer such as step-checker names wrong steps).'),
    maxRounds: chainedOptionSchemas.maxRounds.default(4),
    threshold: chainedOptionSchemas.criticThreshold.default(0.5),
    temperature: temperatureOption,
    reviseTemperature: z
      .number()
      .min(0)
      .default(1)
      .describe(
        'Sampling temperature (>= 0) of the continuations after the correct prefix (0 repeats the same mistake).',
      ),
    memory: chainedOptionSchemas.memory.default(0),
    base: nestedStrategySchema()
      .optional()
      .describe(
        'Nested strategy for the first attempt (default: the run model at `temperature`), e.g. calculator.',
      ),
  }),
  async build(options, environment) {
    const model = await environment.languageModel()
    const request = { temperature: options.temperature, maxTokens: environment.maxTokens }
    return asTextGenerator(
      refineWithVerifier({
        model,
        scorer: await environment.scorer(options.scorer),
        threshold: options.threshold,
        maxRounds: options.maxRounds,
        request,
        reviseRequest: { temperature: options.reviseTemperature },
        memory: options.memory,
        extractAnswer: (text) => environment.extractAnswer(text),
        ...(options.base !== undefined ? { generator: await environment.build(options.base) } : {}),
      }),
    )
  },
})

/** Tool use with the calculator. */
export const calculatorStrategy: StrategyDefinition = defineStrategy({
  name: 'calculator',
  description:
    'Tool use: generation stops at each `a op b=`, a calculator splices in the true value, and the model continues.',
  package: packageName,
  schema: z.object({
    temperature: temperatureOption,
    maxToolCalls: chainedOptionSchemas.maxToolCalls.default(32),
    division: chainedOptionSchemas.division.default('floor'),
  }),
  async build(options, environment) {
    return asTextGenerator(
      toolUse({
        model: await environment.languageModel(),
        tools: [calculatorTool({ division: options.division })],
        maxToolCalls: options.maxToolCalls,
        request: { temperature: options.temperature, maxTokens: environment.maxTokens },
        extractAnswer: (text) => environment.extractAnswer(text),
      }),
    )
  },
})

const feedbackOption = z
  .enum(['auto', 'model', 'recheck'])
  .default('auto')
  .describe(
    'How the model criticises itself: "model" (instruction prompt, reply DONE or the first mistake), "recheck" (recompute each a op b= step after the question and continue from the first disagreeing step), or "auto" (recheck for tinymath models, model otherwise).',
  )

/** Self-refine with model or recheck feedback. */
export const selfRefineStrategy: StrategyDefinition = defineStrategy({
  name: 'self-refine',
  description:
    'Self-refine: the model answers, gives itself feedback and revises until the feedback says done or maxRounds (feedback "recheck" for completion models such as tinymath).',
  package: packageName,
  schema: z.object({
    maxRounds: chainedOptionSchemas.maxRounds.default(3),
    temperature: temperatureOption,
    feedback: feedbackOption,
    scorer: z
      .string()
      .optional()
      .describe(
        'Optional outcome scorer by name; with patience the loop stops when its score stops improving.',
      ),
    patience: chainedOptionSchemas.patience.optional(),
  }),
  async build(options, environment) {
    const model = await environment.languageModel()
    // The feedback choice is this strategy's own: its schema is its validation.
    const requested = parseOption('feedback', feedbackOption, options.feedback)
    const feedback =
      requested === 'auto'
        ? environment.modelId.startsWith('tinymath')
          ? 'recheck'
          : 'model'
        : requested
    const scorer =
      options.scorer !== undefined ? await environment.scorer(options.scorer) : undefined
    return asTextGenerator(
      selfRefine({
        model,
        maxRounds: options.maxRounds,
        request: { temperature: options.temperature, maxTokens: environment.maxTokens },
        extractAnswer: (text) => environment.extractAnswer(text),
        ...(feedback === 'recheck'
          ? { critic: arithmeticRecheckCritic({ model }), revise: continuationRevision() }
          : {}),
        ...(scorer ? { scorer, select: 'best' as const } : {}),
        ...compact({ patience: options.patience }),
      }),
    )
  },
})

/** Self-Debug: repair a program from its execution feedback. */
export const selfDebugStrategy: StrategyDefinition = defineStrategy({
  name: 'self-debug',
  description:
    'Self-Debug (Chen et al. 2023): write a program, run it against the tests, give the model the failing tests and error messages, and let it fix the program until every test passes or maxRounds; returns the attempt that passed the most tests.',
  package: packageName,
  schema: z.object({
    scorer: z
      .string()
      .default('tests')
      .describe(
        'Execution scorer by name: its score is the fraction of tests passed and its feedback the errors (tests: the JavaScript test runner).',
      ),
    maxRounds: chainedOptionSchemas.maxRounds.default(3),
    threshold: chainedOptionSchemas.criticThreshold
      .default(1)
      .describe('An attempt is accepted when its score (fraction of tests passed) reaches this.'),
    temperature: temperatureOption,
    reviseTemperature: z
      .number()
      .min(0)
      .default(0)
      .describe('Sampling temperature (>= 0) of the fixes.'),
    explain: z
      .boolean()
      .default(false)
      .describe(
        'Self-Debug explanation feedback: the model explains its code line by line before the fix.',
      ),
  }),
  async build(options, environment) {
    return asTextGenerator(
      selfDebug({
        model: await environment.languageModel(),
        scorer: await environment.scorer(options.scorer),
        maxRounds: options.maxRounds,
        threshold: options.threshold,
        request: { temperature: options.temperature, maxTokens: environment.maxTokens },
        reviseRequest: { temperature: options.reviseTemperature },
        explain: options.explain,
      }),
    )
  },
})

/** Chain-of-thought with answer extraction. */
export const chainOfThoughtStrategy: StrategyDefinition = defineStrategy({
  name: 'chain-of-thought',
  description:
    'Chain-of-thought: generate the reasoning, extract the answer, and ask for it after the reasoning when it is missing.',
  package: packageName,
  schema: z.object({
    temperature: temperatureOption,
    reasoningPrefix: z
      .string()
      .default('')
      .describe(
        'Text after the prompt that starts the reasoning (e.g. " Let\'s think step by step.").',
      ),
    answerPrompt: z
      .string()
      .default(' The answer is')
      .describe('Text after the reasoning that asks for the final answer when none was found.'),
  }),
  async build(options, environment) {
    return asTextGenerator(
      chainOfThought({
        model: await environment.languageModel(),
        extractAnswer: (text) => environment.extractAnswer(text),
        reasoningPrefix: options.reasoningPrefix,
        answerPrompt: options.answerPrompt,
        request: { temperature: options.temperature, maxTokens: environment.maxTokens },
      }),
    )
  },
})

/** Every strategy of @metagen/chained, in registration order. */
export const strategies: readonly StrategyDefinition[] = [
  refineWithVerifierStrategy,
  calculatorStrategy,
  selfRefineStrategy,
  selfDebugStrategy,
  chainOfThoughtStrategy,
]
