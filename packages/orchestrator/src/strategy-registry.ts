// The strategy registry: collects the StrategyDefinitions of every package, validates specs
// against their option definitions (clear errors, defaults filled in) and builds generators.
import {
  type Generator,
  InvalidArgumentError,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import type {
  StrategyDefinition,
  StrategyEnvironment,
  StrategyOptionDefinition,
  StrategySpec,
} from './strategy.js'

/** A set of strategies by name. */
export interface StrategyRegistry {
  /** Every definition, in registration order. */
  readonly definitions: readonly StrategyDefinition[]
  /** The definition named `name`, or undefined. */
  find(name: string): StrategyDefinition | undefined
  /** The definition named `name`; throws {@link InvalidArgumentError} listing the known names. */
  get(name: string): StrategyDefinition
  /**
   * Validates a spec (recursively through options of type `strategy`) and returns a copy with
   * defaults filled in. A nested spec may be written as a bare strategy name (`"greedy"`).
   * Throws {@link InvalidArgumentError} naming the path of the option (e.g.
   * `strategy.base.n`), the strategy, and the allowed type or range.
   */
  validate(spec: unknown, path?: string): StrategySpec
  /** Validates `spec` and builds its generator with `environment`. */
  build(spec: unknown, environment: StrategyEnvironment): Promise<Generator<TextInput, TextOutput>>
}

/**
 * Creates a registry from definitions. Throws {@link InvalidArgumentError} when two
 * definitions share a name or a name is not kebab-case.
 */
export function createStrategyRegistry(
  definitions: readonly StrategyDefinition[],
): StrategyRegistry {
  const byName = new Map<string, StrategyDefinition>()
  for (const definition of definitions) {
    if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) {
      throw new InvalidArgumentError({
        argument: 'definitions[].name',
        expected: 'a kebab-case strategy name',
        received: definition.name,
      })
    }
    if (byName.has(definition.name)) {
      throw new InvalidArgumentError({
        argument: 'definitions[].name',
        expected: `unique strategy names (${definition.name} is defined by ${byName.get(definition.name)?.package} and ${definition.package})`,
        received: definition.name,
      })
    }
    byName.set(definition.name, definition)
  }

  const registry: StrategyRegistry = {
    definitions: [...definitions],
    find: (name) => byName.get(name),
    get(name) {
      const definition = byName.get(name)
      if (!definition) {
        throw new InvalidArgumentError({
          argument: 'strategy',
          expected: `one of ${[...byName.keys()].join(', ')}`,
          received: name,
        })
      }
      return definition
    },
    validate(spec, path = 'strategy') {
      return validateSpec(registry, spec, path)
    },
    async build(spec, environment) {
      const validated = registry.validate(spec)
      return registry.get(validated.strategy).build(validated, environment)
    },
  }
  return registry
}

function validateSpec(registry: StrategyRegistry, spec: unknown, path: string): StrategySpec {
  if (typeof spec === 'string') return validateSpec(registry, { strategy: spec }, path)
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new InvalidArgumentError({
      argument: path,
      expected: 'a strategy spec: an object with a "strategy" field, or a strategy name',
      received: spec,
    })
  }
  const record = spec as Record<string, unknown>
  if (typeof record.strategy !== 'string') {
    throw new InvalidArgumentError({
      argument: `${path}.strategy`,
      expected: 'a strategy name (string)',
      received: record.strategy,
    })
  }
  let definition: StrategyDefinition
  try {
    definition = registry.get(record.strategy)
  } catch (error) {
    throw new InvalidArgumentError({
      argument: `${path}.strategy`,
      expected: `one of ${registry.definitions.map((entry) => entry.name).join(', ')}`,
      received: record.strategy,
      cause: error,
    })
  }
  const result: StrategySpec = { strategy: definition.name }
  for (const key of Object.keys(record)) {
    if (key === 'strategy') continue
    if (!Object.hasOwn(definition.options, key)) {
      const allowed = Object.keys(definition.options)
      throw new InvalidArgumentError({
        argument: `${path}.${key}`,
        expected: `an option of strategy ${definition.name} (${allowed.length > 0 ? allowed.join(', ') : 'it has no options'})`,
        received: record[key],
      })
    }
  }
  for (const [key, option] of Object.entries(definition.options)) {
    const value = record[key] ?? option.default
    if (value === undefined) continue
    result[key] = validateOption(registry, definition, key, option, value, `${path}.${key}`)
  }
  return result
}

/** Describes the values an option accepts, e.g. `an integer >= 1` or `one of a, b`. */
export function describeOptionRange(option: StrategyOptionDefinition): string {
  switch (option.type) {
    case 'integer':
    case 'number': {
      const noun = option.type === 'integer' ? 'an integer' : 'a number'
      const parts: string[] = []
      if (option.minimum !== undefined) {
        parts.push(`${option.minimumInclusive === false ? '>' : '>='} ${option.minimum}`)
      }
      if (option.maximum !== undefined) parts.push(`<= ${option.maximum}`)
      return parts.length > 0 ? `${noun} ${parts.join(' and ')}` : noun
    }
    case 'string':
      return option.choices ? `one of ${option.choices.join(', ')}` : 'a string'
    case 'boolean':
      return 'true or false'
    case 'strategy':
      return 'a nested strategy spec or a strategy name'
    case 'string[]':
      return option.choices
        ? `a list of strings from ${option.choices.join(', ')}`
        : 'a list of strings'
  }
}

function validateOption(
  registry: StrategyRegistry,
  definition: StrategyDefinition,
  key: string,
  option: StrategyOptionDefinition,
  value: unknown,
  path: string,
): unknown {
  const fail = (): never => {
    throw new InvalidArgumentError({
      argument: path,
      expected: `${describeOptionRange(option)} (option ${key} of strategy ${definition.name})`,
      received: value,
    })
  }
  switch (option.type) {
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || Number.isNaN(value)) return fail()
      if (option.type === 'integer' && !Number.isInteger(value)) return fail()
      if (option.type === 'number' && !Number.isFinite(value)) return fail()
      if (option.minimum !== undefined) {
        const ok =
          option.minimumInclusive === false ? value > option.minimum : value >= option.minimum
        if (!ok) return fail()
      }
      if (option.maximum !== undefined && value > option.maximum) return fail()
      return value
    }
    case 'string':
      if (typeof value !== 'string') return fail()
      if (option.choices && !option.choices.includes(value)) return fail()
      return value
    case 'boolean':
      if (typeof value !== 'boolean') return fail()
      return value
    case 'string[]': {
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) return fail()
      const items = value as string[]
      if (option.choices && items.some((item) => !option.choices?.includes(item))) return fail()
      return [...items]
    }
    case 'strategy':
      return validateSpec(registry, value, path)
  }
}
