// Strategy definitions of speculative decoding (draft model or prompt lookup) and constrained
// decoding (regular expression, JSON schema or choices) from @metagen/decoders.
import { InvalidArgumentError, type LanguageModel, UnsupportedCapabilityError } from '@metagen/core'
import {
  type Constraint,
  createChoiceConstraint,
  createConstrainedLanguageModel,
  createJsonSchemaConstraint,
  createRegexConstraint,
  createSpeculativeLanguageModel,
} from '@metagen/decoders'
import type { StrategyDefinition, StrategyEnvironment } from '../strategy.js'
import { createModelGenerator } from './model-generator.js'

const packageName = '@metagen/decoders'

/** The tinymath solution format: steps `a op b=c.` then `The answer is N.` */
export const tinymathSolutionPattern = String.raw`( \d+[+\-*/]\d+=\d+\.)+ The answer is \d+\.`

/** The strategies of speculative and constrained decoding, for the orchestrator's registry. */
export const speculativeStrategies: StrategyDefinition[] = [
  {
    name: 'speculative',
    description:
      'Speculative decoding: a draft proposes k tokens, the run model verifies them in one pass; greedy output equals the run model’s greedy output, sampling keeps its distribution.',
    package: packageName,
    options: {
      draft: {
        type: 'string',
        description:
          'Draft model id with the run model’s tokenizer (e.g. tinymath-draft), or "prompt-lookup" for n-gram drafting without a model.',
        default: 'tinymath-draft',
      },
      k: {
        type: 'integer',
        description: 'Draft tokens per verification round (an integer >= 1).',
        default: 4,
        minimum: 1,
      },
      adaptive: {
        type: 'boolean',
        description: 'Adapt k per sample: +2 after a fully accepted round, -1 otherwise (k <= 16).',
        default: false,
      },
      temperature: {
        type: 'number',
        description: 'Sampling temperature (>= 0); 0 is greedy.',
        default: 0,
        minimum: 0,
      },
    },
    async build(spec, environment) {
      const target = await environment.tokenModel()
      const draftId = spec.draft as string
      const draft =
        draftId === 'prompt-lookup' ? 'prompt-lookup' : await environment.tokenModel(draftId)
      const model = createSpeculativeLanguageModel({
        target,
        draft,
        k: spec.k as number,
        adaptive: spec.adaptive as boolean,
      })
      return createModelGenerator('speculative', model, environment, {
        request: { temperature: spec.temperature as number },
      })
    },
  },
  {
    name: 'constrained',
    description:
      'Constrained decoding: every output matches a regular expression (default: the tinymath solution format), a JSON schema or one of fixed choices.',
    package: packageName,
    options: {
      pattern: {
        type: 'string',
        description:
          'Regular expression the whole output must match (default: the tinymath format " a op b=c." steps then " The answer is N.").',
      },
      jsonSchema: {
        type: 'string',
        description:
          'A JSON schema (as JSON text) the output must validate against, instead of pattern.',
      },
      choices: {
        type: 'string[]',
        description: 'The output must be exactly one of these strings, instead of pattern.',
      },
      temperature: {
        type: 'number',
        description: 'Sampling temperature (>= 0); 0 is greedy.',
        default: 0,
        minimum: 0,
      },
      beamWidth: {
        type: 'integer',
        description: 'Use beam search with this many beams (>= 1) instead of sampling.',
        minimum: 1,
      },
    },
    async build(spec, environment) {
      const given = ['pattern', 'jsonSchema', 'choices'].filter((key) => spec[key] !== undefined)
      if (given.length > 1) {
        throw new InvalidArgumentError({
          argument: 'strategy.constrained',
          expected: 'at most one of pattern, jsonSchema and choices',
          received: given,
        })
      }
      let constraint: Constraint
      if (spec.jsonSchema !== undefined) {
        let schema: unknown
        try {
          schema = JSON.parse(spec.jsonSchema as string)
        } catch (error) {
          throw new InvalidArgumentError({
            argument: 'strategy.constrained.jsonSchema',
            expected: 'a JSON schema as JSON text',
            received: spec.jsonSchema,
            cause: error,
          })
        }
        constraint = createJsonSchemaConstraint(
          schema as Parameters<typeof createJsonSchemaConstraint>[0],
        )
      } else if (spec.choices !== undefined) {
        constraint = createChoiceConstraint(spec.choices as string[])
      } else {
        constraint = createRegexConstraint(
          (spec.pattern as string | undefined) ?? tinymathSolutionPattern,
        )
      }
      const remote = await guidedRemoteModel(environment)
      if (remote) {
        // A vLLM-compatible server constrains the output itself (guided decoding).
        if (spec.beamWidth !== undefined) {
          throw new InvalidArgumentError({
            argument: 'strategy.constrained.beamWidth',
            expected: 'absent on a remote model (guided decoding samples)',
            received: spec.beamWidth,
          })
        }
        const guide =
          spec.jsonSchema !== undefined
            ? { guidedJson: spec.jsonSchema as string }
            : spec.choices !== undefined
              ? { guidedChoice: spec.choices as string[] }
              : { guidedRegex: (spec.pattern as string | undefined) ?? tinymathSolutionPattern }
        return createModelGenerator('constrained', remote, environment, {
          request: { temperature: spec.temperature as number, providerOptions: { openai: guide } },
        })
      }
      const model = createConstrainedLanguageModel(await environment.tokenModel(), {
        constraint,
        ...(spec.beamWidth !== undefined ? { beamWidth: spec.beamWidth as number } : {}),
      })
      return createModelGenerator('constrained', model, environment, {
        request: { temperature: spec.temperature as number },
      })
    },
  },
]

/**
 * The run model when it is a remote model of a vLLM-compatible server (an OpenAI model with
 * `compatibility: 'vllm'`, e.g. `vllm:<id>`), which takes guided decoding; otherwise undefined
 * (a local model is constrained by the token-level decoder).
 */
async function guidedRemoteModel(
  environment: StrategyEnvironment,
): Promise<LanguageModel | undefined> {
  try {
    await environment.tokenModel()
    return undefined
  } catch (error) {
    if (!(error instanceof UnsupportedCapabilityError)) throw error
  }
  const model = await environment.languageModel()
  return (model as { compatibility?: unknown }).compatibility === 'vllm' ? model : undefined
}
