// Strategy definitions of speculative decoding (draft model or prompt lookup) and constrained
// decoding (regular expression, JSON schema or choices) from @metagen/decoders.
import {
  compact,
  defineStrategy,
  InvalidArgumentError,
  type LanguageModel,
  type StrategyDefinition,
  type StrategyEnvironment,
  UnsupportedCapabilityError,
} from '@metagen/core'
import { z } from 'zod'
import {
  beamSearchOptionSchemas,
  samplingOptionSchemas,
  speculativeOptionSchemas,
} from '../option-schemas.js'
import { createSpeculativeLanguageModel } from '../speculative/speculative-language-model.js'
import { createModelGenerator } from './model-generator.js'

const packageName = '@metagen/decoders'

/** The tinymath solution format: steps `a op b=c.` then `The answer is N.` */
export const tinymathSolutionPattern = String.raw`( \d+[+\-*/]\d+=\d+\.)+ The answer is \d+\.`

const greedyByDefault = samplingOptionSchemas.temperature
  .default(0)
  .describe('Sampling temperature (>= 0); 0 is greedy.')

/** Speculative decoding with a draft model or prompt lookup. */
export const speculativeStrategy: StrategyDefinition = defineStrategy({
  name: 'speculative',
  description:
    'Speculative decoding: a draft proposes k tokens, the run model verifies them in one pass; greedy output equals the run model’s greedy output, sampling keeps its distribution.',
  package: packageName,
  schema: z.object({
    draft: z
      .string()
      .default('tinymath-draft')
      .describe(
        'Draft model id with the run model’s tokenizer (e.g. tinymath-draft), or "prompt-lookup" for n-gram drafting without a model.',
      ),
    k: speculativeOptionSchemas.k.default(4),
    adaptive: z
      .boolean()
      .default(false)
      .describe('Adapt k per sample: +2 after a fully accepted round, -1 otherwise (k <= 16).'),
    temperature: greedyByDefault,
  }),
  async build(options, environment) {
    const target = await environment.tokenModel()
    const draft =
      options.draft === 'prompt-lookup'
        ? 'prompt-lookup'
        : await environment.tokenModel(options.draft)
    const model = createSpeculativeLanguageModel({
      target,
      draft,
      k: options.k,
      adaptive: options.adaptive,
    })
    return createModelGenerator('speculative', model, environment, {
      request: { temperature: options.temperature },
    })
  },
})

/** The grammar syntaxes of the constrained strategy (one list for the schema and the build). */
const grammarSyntaxes = ['gbnf', 'ebnf', 'lark'] as const

/** Constrained decoding: a regular expression, a JSON schema or fixed choices. */
export const constrainedStrategy: StrategyDefinition = defineStrategy({
  name: 'constrained',
  description:
    'Constrained decoding: every output matches a regular expression (default: the tinymath solution format), a JSON schema, a context-free grammar or one of fixed choices.',
  package: packageName,
  schema: z.object({
    pattern: z
      .string()
      .optional()
      .describe(
        'Regular expression the whole output must match (default: the tinymath format " a op b=c." steps then " The answer is N.").',
      ),
    jsonSchema: z
      .string()
      .optional()
      .describe(
        'A JSON schema (as JSON text) the output must validate against, instead of pattern.',
      ),
    choices: z
      .array(z.string())
      .optional()
      .describe('The output must be exactly one of these strings, instead of pattern.'),
    grammar: z
      .string()
      .optional()
      .describe(
        'A context-free grammar (text, or a file path ending in .gbnf, .ebnf or .lark) the output must derive from, instead of pattern.',
      ),
    grammarSyntax: z
      .enum(grammarSyntaxes)
      .optional()
      .describe('Syntax of grammar (default: from the file extension, else gbnf).'),
    temperature: greedyByDefault,
    beamWidth: beamSearchOptionSchemas.beamWidth
      .optional()
      .describe('Use beam search with this many beams (>= 1) instead of sampling.'),
  }),
  async build(options, environment) {
    const given = (['pattern', 'jsonSchema', 'choices', 'grammar'] as const).filter(
      (key) => options[key] !== undefined,
    )
    if (given.length > 1) {
      throw new InvalidArgumentError({
        argument: 'strategy.constrained',
        expected: 'at most one of pattern, jsonSchema, choices and grammar',
        received: given,
      })
    }
    if (
      options.grammarSyntax !== undefined &&
      !(grammarSyntaxes as readonly string[]).includes(options.grammarSyntax)
    ) {
      throw new InvalidArgumentError({
        argument: 'strategy.constrained.grammarSyntax',
        expected: `one of ${grammarSyntaxes.join(', ')}`,
        received: options.grammarSyntax,
      })
    }
    // The constraint compilers (and their regular-expression library) load only when used.
    const {
      createChoiceConstraint,
      createConstrainedLanguageModel,
      createGrammarConstraint,
      createJsonSchemaConstraint,
      createRegexConstraint,
    } = await import('../constrained/index.js')
    // --json-schema and --grammar take text or a file path.
    const readIfFile = async (value: string | undefined): Promise<string | undefined> => {
      if (value === undefined || /^\s*[{[]/.test(value) || value.includes('\n')) return value
      const { readFile } = await import('node:fs/promises')
      try {
        return await readFile(value, 'utf8')
      } catch {
        return value
      }
    }
    const jsonSchemaText = await readIfFile(options.jsonSchema)
    const grammarText = await readIfFile(options.grammar)
    let constraint: ReturnType<typeof createRegexConstraint>
    if (options.jsonSchema !== undefined) {
      let schema: unknown
      try {
        schema = JSON.parse(jsonSchemaText as string)
      } catch (error) {
        throw new InvalidArgumentError({
          argument: 'strategy.constrained.jsonSchema',
          expected: 'a JSON schema as JSON text or the path of a JSON file',
          received: options.jsonSchema,
          cause: error,
        })
      }
      constraint = createJsonSchemaConstraint(
        schema as Parameters<typeof createJsonSchemaConstraint>[0],
      )
    } else if (grammarText !== undefined) {
      const syntax =
        options.grammarSyntax ??
        (options.grammar?.endsWith('.lark')
          ? 'lark'
          : options.grammar?.endsWith('.ebnf')
            ? 'ebnf'
            : 'gbnf')
      constraint = createGrammarConstraint(grammarText, { syntax })
    } else if (options.choices !== undefined) {
      constraint = createChoiceConstraint(options.choices)
    } else {
      constraint = createRegexConstraint(options.pattern ?? tinymathSolutionPattern)
    }
    const remote = await guidedRemoteModel(environment)
    if (remote) {
      // A vLLM-compatible server constrains the output itself (guided decoding).
      if (options.grammar !== undefined) {
        throw new InvalidArgumentError({
          argument: 'strategy.constrained.grammar',
          expected: 'a local model (grammar constraints are enforced by the token-level decoder)',
          received: options.grammar,
        })
      }
      if (options.beamWidth !== undefined) {
        throw new InvalidArgumentError({
          argument: 'strategy.constrained.beamWidth',
          expected: 'absent on a remote model (guided decoding samples)',
          received: options.beamWidth,
        })
      }
      const guide =
        options.jsonSchema !== undefined
          ? { guidedJson: jsonSchemaText }
          : options.choices !== undefined
            ? { guidedChoice: options.choices }
            : { guidedRegex: options.pattern ?? tinymathSolutionPattern }
      return createModelGenerator('constrained', remote, environment, {
        request: { temperature: options.temperature, providerOptions: { openai: guide } },
      })
    }
    const model = createConstrainedLanguageModel(await environment.tokenModel(), {
      constraint,
      ...compact({ beamWidth: options.beamWidth }),
    })
    return createModelGenerator('constrained', model, environment, {
      request: { temperature: options.temperature },
    })
  },
})

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
    if (!UnsupportedCapabilityError.isInstance(error)) throw error
  }
  const model = await environment.languageModel()
  return (model as { compatibility?: unknown }).compatibility === 'vllm' ? model : undefined
}

/** Speculative and constrained decoding. */
export const speculativeStrategies: readonly StrategyDefinition[] = [
  speculativeStrategy,
  constrainedStrategy,
]
