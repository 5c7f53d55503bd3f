// Prompt chains: a typed sequence of steps (template -> generator -> parser) in which every
// step sees the chain's input and the parsed outputs of the steps before it.
import {
  addUsage,
  assertNonEmptyString,
  compact,
  emptyUsage,
  type Generator,
  hasErrorMarker,
  InvalidArgumentError,
  MetagenError,
  runChild,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'

/** What a step's template and parser see: the chain's input and the earlier steps' values. */
export interface ChainStepContext<TInput, TSteps> {
  /** The input the chain was run with. */
  readonly input: TInput
  /** Parsed value of each earlier step, by step name. */
  readonly steps: Readonly<TSteps>
}

/** One step of a prompt chain. */
export interface ChainStep<TInput, TSteps, TValue> {
  /** Builds the step's model input from the chain input and the earlier steps. */
  template: (context: ChainStepContext<TInput, TSteps>) => TextInput
  /** Generates the step's output (a model, a vote, a refinement: any text generator). */
  generator: Generator<TextInput, TextOutput>
  /**
   * Turns the generator's output into the step's value. Throwing fails the chain with an error
   * naming the step. Default: the TextOutput itself.
   */
  parse?: (output: TextOutput, context: ChainStepContext<TInput, TSteps>) => TValue
}

const chainStepErrorMarker = Symbol.for('metagen.error.ChainStepError')

/** Error thrown when a step of a prompt chain fails; `step` names it, `cause` holds the reason. */
export class ChainStepError extends MetagenError {
  override readonly name = 'ChainStepError'
  /** Marker of this class, shared by every copy of @metagen/chained (see `isInstance`). */
  readonly [chainStepErrorMarker] = true
  /** Name of the failed step. */
  readonly step: string
  constructor(step: string, cause: unknown) {
    super(
      `Prompt chain step "${step}" failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    )
    this.step = step
  }

  /** True when `value` is a ChainStepError of any copy of @metagen/chained (`instanceof` is not). */
  static override isInstance(value: unknown): value is ChainStepError {
    return hasErrorMarker(value, chainStepErrorMarker)
  }
}

interface AnyStep {
  name: string
  step: ChainStep<unknown, Record<string, unknown>, unknown>
}

/**
 * Builds a prompt chain step by step; each `step` call returns a builder whose step-value
 * type includes the new step, so templates and parsers are type-checked against earlier steps.
 */
export class PromptChainBuilder<TInput, TSteps extends Record<string, unknown>> {
  readonly #name: string
  readonly #steps: readonly AnyStep[]

  /** Use {@link promptChain} to start a chain. */
  constructor(name: string, steps: readonly AnyStep[]) {
    this.#name = name
    this.#steps = steps
  }

  /**
   * Adds a step named `name` (unique within the chain). Its parsed value is available to later
   * steps as `steps[name]`.
   */
  step<TName extends string, TValue = TextOutput>(
    name: TName,
    step: ChainStep<TInput, TSteps, TValue>,
  ): PromptChainBuilder<TInput, TSteps & { [K in TName]: TValue }> {
    assertNonEmptyString('name', name)
    if (this.#steps.some((existing) => existing.name === name)) {
      throw new InvalidArgumentError({
        argument: 'name',
        expected: 'a step name not used earlier in the chain',
        received: name,
      })
    }
    if (typeof step?.template !== 'function' || typeof step.generator?.run !== 'function') {
      throw new InvalidArgumentError({
        argument: `step ${name}`,
        expected: 'an object with a template function and a generator',
        received: step,
      })
    }
    return new PromptChainBuilder(this.#name, [
      ...this.#steps,
      { name, step: step as unknown as AnyStep['step'] },
    ])
  }

  /**
   * Finishes the chain: `finish` maps the input and every step's value to the chain's output.
   * The result is a generator; with a TextOutput it composes with votes, best-of-N, etc.
   */
  output<TOutput>(
    finish: (context: ChainStepContext<TInput, TSteps>) => TOutput,
  ): Generator<TInput, TOutput> {
    if (this.#steps.length === 0) {
      throw new InvalidArgumentError({
        argument: 'steps',
        expected: 'at least one step before output()',
        received: 0,
      })
    }
    const steps = this.#steps
    return {
      name: this.#name,
      async run(input, context) {
        const values: Record<string, unknown> = {}
        let usage: Usage = emptyUsage()
        let stoppedBy: 'budget' | undefined
        for (const [index, { name, step }] of steps.entries()) {
          const stepContext = { input, steps: { ...values } }
          let stepInput: TextInput
          try {
            stepInput = step.template(stepContext)
          } catch (error) {
            throw new ChainStepError(name, error)
          }
          // runChild traces a span per step whose span-end carries the step's usage.
          const result = await runChild(context, step.generator, stepInput, {
            label: name,
            data: { step: name, index },
          })
          usage = addUsage(usage, result.usage)
          try {
            values[name] = step.parse ? step.parse(result.output, stepContext) : result.output
          } catch (error) {
            throw new ChainStepError(name, error)
          }
          if (result.stoppedBy === 'budget') stoppedBy = 'budget'
        }
        const output = finish({ input, steps: values as TSteps })
        return { output, usage, ...compact({ stoppedBy }) }
      },
    }
  }
}

/** Starts a prompt chain named `name` (trace span name, default `prompt-chain`). */
export function promptChain<TInput = TextInput>(
  options: { name?: string } = {},
): PromptChainBuilder<TInput, Record<never, never>> {
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  return new PromptChainBuilder(options.name ?? 'prompt-chain', [])
}
