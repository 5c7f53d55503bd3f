// Command-line flags of a strategy: each option `beamWidth` is the flag `--beam-width`; flag
// values (strings) are converted to the option's type. Unknown flags are errors.
import {
  describeOptionSchema,
  InvalidArgumentError,
  type OptionInfo,
  type StrategyDefinition,
  type StrategySpec,
} from '@metagen/core'
import { parseStrategySpec } from './parse-strategy-spec.js'

/** Kind, range, default and description of each option of a strategy, by option name. */
export function describeStrategyOptions(
  definition: StrategyDefinition,
): Readonly<Record<string, OptionInfo>> {
  const described: Record<string, OptionInfo> = {}
  for (const [name, schema] of Object.entries(definition.schema.shape)) {
    described[name] = describeOptionSchema(schema)
  }
  return described
}

/** `beamWidth` -> `beam-width`. */
export function toKebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)
}

/** `beam-width` -> `beamWidth`. */
export function toCamelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase())
}

/** The `node:util` parseArgs configuration of a strategy's flags (booleans are switches). */
export function strategyFlagConfig(
  definition: StrategyDefinition,
): Record<string, { type: 'string' | 'boolean' }> {
  const config: Record<string, { type: 'string' | 'boolean' }> = {}
  for (const [name, option] of Object.entries(describeStrategyOptions(definition))) {
    config[toKebabCase(name)] = { type: option.kind === 'boolean' ? 'boolean' : 'string' }
  }
  return config
}

/**
 * Converts one flag value to the kind of `option` (numbers with `Number`, lists split at
 * commas, nested strategies as a name or JSON/YAML text); throws naming `--flag` when the text
 * is not of that kind. Ranges are checked later, by the registry's validation.
 */
export function convertFlagValue(
  flag: string,
  option: Pick<OptionInfo, 'kind'>,
  value: string | boolean,
): unknown {
  if (option.kind === 'boolean') {
    if (typeof value === 'boolean') return value
    if (value === 'true') return true
    if (value === 'false') return false
    throw new InvalidArgumentError({
      argument: `--${flag}`,
      expected: 'true or false',
      received: value,
    })
  }
  const text = String(value)
  switch (option.kind) {
    case 'number':
    case 'integer': {
      const number = text.trim() === '' ? Number.NaN : Number(text)
      if (Number.isNaN(number)) {
        throw new InvalidArgumentError({
          argument: `--${flag}`,
          expected: option.kind === 'integer' ? 'an integer' : 'a number',
          received: text,
        })
      }
      return number
    }
    case 'string':
      return text
    case 'string[]':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    case 'strategy':
      return text.trim().startsWith('{') ? parseStrategySpec(text, `--${flag}`) : text.trim()
  }
}

/**
 * Builds a spec from parsed flag values (keys kebab-case, as parseArgs returns them), on top of
 * `base` (e.g. a spec file). The result is not validated yet; pass it to the registry. Throws
 * {@link InvalidArgumentError} for a flag that is not an option of the strategy, listing the
 * flags it has.
 */
export function specFromFlags(
  definition: StrategyDefinition,
  values: Readonly<Record<string, string | boolean | undefined>>,
  base: StrategySpec = { strategy: definition.name },
): StrategySpec {
  const spec: StrategySpec = { ...base, strategy: definition.name }
  const options = describeStrategyOptions(definition)
  for (const [flag, value] of Object.entries(values)) {
    if (value === undefined) continue
    const name = toCamelCase(flag)
    const option = options[name]
    if (!option) {
      const flags = Object.keys(options).map((key) => `--${toKebabCase(key)}`)
      throw new InvalidArgumentError({
        argument: `--${flag}`,
        expected: `a flag of strategy ${definition.name} (${flags.length > 0 ? flags.join(', ') : 'it has no options'})`,
        received: value,
      })
    }
    spec[name] = convertFlagValue(flag, option, value)
  }
  return spec
}

/**
 * Reads the integer command-line flag `--name` from parsed flag values: undefined when absent,
 * else an integer in [minimum, maximum]; anything else is an InvalidArgumentError naming the flag.
 */
export function readIntegerFlag(
  flags: Readonly<Record<string, unknown>>,
  name: string,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const value = flags[name]
  if (value === undefined) return undefined
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
  if (!Number.isInteger(number) || number < minimum || number > maximum) {
    throw new InvalidArgumentError({
      argument: `--${name}`,
      expected:
        maximum === Number.MAX_SAFE_INTEGER
          ? `an integer >= ${minimum}`
          : `an integer in [${minimum}, ${maximum}]`,
      received: value,
    })
  }
  return number
}
