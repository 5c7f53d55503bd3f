// Strategy specs: a JSON/YAML form that names a tree of generators, and the registry that builds
// such a tree from the definitions each algorithm package contributes.
import type {
  Generator,
  LanguageModel,
  Scorer,
  TextInput,
  TextOutput,
  TokenModel,
} from '@metagen/core'

/**
 * A strategy spec: `strategy` names a registered definition; the other fields are its options.
 * An option of type `strategy` holds a nested spec (e.g. the sampler inside a vote), so a whole
 * generator tree is one JSON value:
 * `{ "strategy": "weighted-vote", "n": 16, "scorer": "verifier", "base": { "strategy": "speculative", "draft": "tinymath-draft" } }`.
 */
export interface StrategySpec {
  strategy: string
  [option: string]: unknown
}

/** Type of one strategy option, used to validate specs and to map CLI flags. */
export type StrategyOptionType =
  | 'number'
  | 'integer'
  | 'string'
  | 'boolean'
  | 'strategy'
  | 'string[]'

/** Documentation and validation rule of one option of a strategy. */
export interface StrategyOptionDefinition {
  type: StrategyOptionType
  /** One sentence: what the option does, with its unit and range. */
  description: string
  /** Value used when the spec omits the option. */
  default?: unknown
  /** Smallest allowed value for numbers. */
  minimum?: number
  /** Whether the minimum itself is allowed (default true). */
  minimumInclusive?: boolean
  /** Largest allowed value for numbers. */
  maximum?: number
  /** Allowed values for strings. */
  choices?: readonly string[]
}

/** What a strategy needs from its surroundings to build its generator. */
export interface StrategyEnvironment {
  /** The model id chosen for the run (`--model`), e.g. `tinymath-draft` or `openai:gpt-4o-mini`. */
  readonly modelId: string
  /** A language model by id; local ids are token-level models wrapped in the default decoder. */
  languageModel(id?: string): Promise<LanguageModel>
  /** A token-level model by id (local models only; remote ids throw UnsupportedCapabilityError). */
  tokenModel(id?: string): Promise<TokenModel>
  /** A scorer by name (`step-checker`, `verifier`, `logprob`, ...). */
  scorer(name: string): Promise<Scorer>
  /** Builds a nested spec (an option of type `strategy`). */
  build(spec: StrategySpec): Promise<Generator<TextInput, TextOutput>>
  /** Extracts the final answer from an output (tinymath: `The answer is N.`). */
  extractAnswer(text: string): string | undefined
  /** Maximum tokens per generated output. */
  readonly maxTokens: number
}

/** A named strategy that builds a generator from a spec. */
export interface StrategyDefinition {
  /** Name used in specs and on the CLI, kebab-case, e.g. `best-of-n`. */
  name: string
  /** One line for `--help` and the docs. */
  description: string
  /** The package that implements it, e.g. `@metagen/parallel`. */
  package: string
  /** Options accepted in the spec besides `strategy`. */
  options: Readonly<Record<string, StrategyOptionDefinition>>
  /**
   * Builds the generator. `spec` is already validated against `options` and has defaults
   * filled in.
   */
  build(
    spec: StrategySpec,
    environment: StrategyEnvironment,
  ): Promise<Generator<TextInput, TextOutput>>
}
