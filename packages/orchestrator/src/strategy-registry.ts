// The strategy registry: collects the StrategyDefinitions of every package, validates specs
// against their options schemas (clear errors, defaults filled in) and builds generators.
import {
  type Generator,
  InvalidArgumentError,
  isNestedStrategySchema,
  optionsJsonSchema,
  parseOption,
  type StrategyDefinition,
  type StrategyEnvironment,
  type StrategySpec,
  type TextInput,
  type TextOutput,
} from '@metagen/core'

/** A set of strategies by name. */
export interface StrategyRegistry {
  /** Every definition, in registration order. */
  readonly definitions: readonly StrategyDefinition[]
  /** The definition named `name`, or undefined. */
  find(name: string): StrategyDefinition | undefined
  /** The definition named `name`; throws {@link InvalidArgumentError} listing the known names. */
  get(name: string): StrategyDefinition
  /**
   * Validates a spec (recursively through nested-strategy options) and returns a copy with
   * defaults filled in. A nested spec may be written as a bare strategy name (`"greedy"`).
   * Throws {@link InvalidArgumentError} naming the path of the option (e.g.
   * `strategy.base.n`), the strategy, and the allowed type or range.
   */
  validate(spec: unknown, path?: string): StrategySpec
  /** Validates `spec` and builds its generator with `environment`. */
  build(spec: unknown, environment: StrategyEnvironment): Promise<Generator<TextInput, TextOutput>>
  /** The JSON Schema of a spec of strategy `name` ({@link strategyJsonSchema}); throws like `get`. */
  jsonSchema(name: string): Record<string, unknown>
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
    jsonSchema(name) {
      return strategyJsonSchema(registry.get(name))
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
  const shape = definition.schema.shape
  for (const key of Object.keys(record)) {
    if (key === 'strategy') continue
    if (!Object.hasOwn(shape, key)) {
      const allowed = Object.keys(shape)
      throw new InvalidArgumentError({
        argument: `${path}.${key}`,
        expected: `an option of strategy ${definition.name} (${allowed.length > 0 ? allowed.join(', ') : 'it has no options'})`,
        received: record[key],
      })
    }
  }
  for (const [key, schema] of Object.entries(shape)) {
    // null counts as absent (the option's default applies), as in YAML `n: ~`.
    const value = parseOption(
      `${path}.${key}`,
      schema,
      record[key] ?? undefined,
      `option ${key} of strategy ${definition.name}`,
    )
    if (value === undefined) continue
    result[key] = isNestedStrategySchema(schema)
      ? validateSpec(registry, value, `${path}.${key}`)
      : value
  }
  return result
}

/**
 * The JSON Schema (draft 2020-12) of a spec of `definition`: an object with `strategy` set to
 * its name and its options as properties (defaults included, ranges as `minimum`,
 * `exclusiveMaximum`, `enum`, ...). Nested strategies are a strategy name or an object with a
 * `strategy` field.
 */
export function strategyJsonSchema(definition: StrategyDefinition): Record<string, unknown> {
  const options = optionsJsonSchema(definition.schema)
  const properties = (options.properties ?? {}) as Record<string, unknown>
  return {
    ...options,
    description: definition.description,
    properties: { strategy: { const: definition.name }, ...properties },
    required: ['strategy', ...((options.required as string[] | undefined) ?? [])],
    additionalProperties: false,
  }
}
