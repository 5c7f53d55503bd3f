// Strategies: a named, declarative way to build a generator from a spec (JSON, YAML or CLI
// flags). Each algorithm package defines its strategies beside its algorithms (a `strategies`
// subpath export); the orchestrator only registers them and supplies the environment.
import type { z } from 'zod'
import type { Generator, TextInput, TextOutput } from './generator.js'
import type { LanguageModel } from './language-model.js'
import type { Scorer } from './scorer.js'
import type { TokenModel } from './token-model.js'

/**
 * A strategy spec: `strategy` names a registered definition; the other fields are its options.
 * A nested-strategy option holds a nested spec (e.g. the sampler inside a vote), so a whole
 * generator tree is one JSON value:
 * `{ "strategy": "weighted-vote", "n": 16, "scorer": "verifier", "base": { "strategy": "speculative", "draft": "tinymath-draft" } }`.
 */
export interface StrategySpec {
  strategy: string
  [option: string]: unknown
}

/**
 * What a strategy needs from its surroundings to build its generator: models and scorers by
 * name, and the building of nested specs. The orchestrator implements it (model resolution,
 * backends loaded lazily); tests can implement it over fakes.
 */
export interface StrategyEnvironment {
  /** The model id chosen for the run (`--model`), e.g. `tinymath-draft` or `openai:gpt-4o-mini`. */
  readonly modelId: string
  /** A language model by id (default: the run model); local ids are token-level models wrapped in the default decoder. */
  languageModel(id?: string): Promise<LanguageModel>
  /** A token-level model by id (default: the run model); remote ids reject with UnsupportedCapabilityError. */
  tokenModel(id?: string): Promise<TokenModel>
  /** A scorer by name (`step-checker`, `verifier`, `logprob`, ...). */
  scorer(name: string): Promise<Scorer>
  /** Validates and builds a nested spec (an option declared with `nestedStrategySchema`). */
  build(spec: StrategySpec): Promise<Generator<TextInput, TextOutput>>
  /** Extracts the final answer from an output (tinymath: `The answer is N.`). */
  extractAnswer(text: string): string | undefined
  /** Maximum tokens per generated output. */
  readonly maxTokens: number
}

/**
 * The compute knob of a strategy for scaling runs: sets a validated spec's knob to `budget`
 * (samples, beams, simulations, ...) and returns the new spec with a label of the setting.
 */
export type ScalingKnob = (
  spec: StrategySpec,
  budget: number,
) => { spec: StrategySpec; label: string }

/** The options schema of a strategy: a zod object whose fields are the options. */
export type StrategyOptionsSchema = z.ZodObject<z.ZodRawShape>

/** A named strategy that builds a generator from its validated options. */
export interface StrategyDefinition<TSchema extends StrategyOptionsSchema = StrategyOptionsSchema> {
  /** Name used in specs and on the CLI, kebab-case, e.g. `best-of-n`. */
  readonly name: string
  /** The package that implements it, e.g. `@metagen/parallel`. */
  readonly package: string
  /** One line for `--help` and the docs. */
  readonly description: string
  /**
   * The options besides `strategy`, one zod schema each with its description, default and
   * range: the single definition of the option's type, validation, CLI flag and JSON Schema.
   */
  readonly schema: TSchema
  /** The compute knob for `metagen scale` (absent: the strategy is measured once). */
  readonly scaling?: ScalingKnob
  /**
   * Builds the generator from options already validated against `schema` (defaults filled in,
   * nested strategy specs in object form).
   */
  build(
    options: z.output<TSchema>,
    environment: StrategyEnvironment,
  ): Promise<Generator<TextInput, TextOutput>>
}

/**
 * Declares a strategy: returns `definition` unchanged, typed so that `build` receives the
 * options inferred from `schema`.
 */
export function defineStrategy<TSchema extends StrategyOptionsSchema>(
  definition: StrategyDefinition<TSchema>,
): StrategyDefinition {
  return definition
}

/** A scaling knob that sets the single option `option` to the budget (label `option=N`). */
export function scaleOption(option: string): ScalingKnob {
  return (spec, budget) => ({ spec: { ...spec, [option]: budget }, label: `${option}=${budget}` })
}

/**
 * A scaling knob for step-level searches that spend N sampled steps per depth: N candidates
 * per step become `ceil(N / K)` kept nodes (`widthOption`) x `min(K, N)` expansions, where K is
 * the spec's `expansions` (default 4).
 */
export function scaleWidthTimesExpansions(widthOption: string): ScalingKnob {
  return (spec, budget) => {
    const given = spec.expansions
    const expansions = Math.min(typeof given === 'number' ? given : 4, budget)
    const width = Math.ceil(budget / expansions)
    return {
      spec: { ...spec, [widthOption]: width, expansions },
      label: `N=${budget} (${widthOption} ${width} x ${expansions})`,
    }
  }
}
