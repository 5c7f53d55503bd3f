// Parsing a command line with node:util parseArgs: the common flags, the command's own flags,
// and the flags of the chosen strategy (its options in kebab-case). Unknown flags are errors.
import { parseArgs } from 'node:util'
import { type Budget, describeOptionRange, InvalidArgumentError } from '@metagen/core'
import {
  describeStrategyOptions,
  loadStrategySpec,
  readIntegerFlag,
  type StrategyDefinition,
  type StrategyRegistry,
  type StrategySpec,
  specFromFlags,
  strategyFlagConfig,
  toKebabCase,
} from '@metagen/orchestrator'
import { CliUsageError } from './cli-error.js'

export { readIntegerFlag }

type FlagConfig = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>

/** Flags every command accepts. */
export const commonFlags = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const satisfies FlagConfig

/** Flags of commands that run a strategy (solve, eval, scale). */
export const runFlags = {
  model: { type: 'string' },
  strategy: { type: 'string' },
  'strategy-file': { type: 'string' },
  seed: { type: 'string' },
  'max-tokens': { type: 'string' },
  concurrency: { type: 'string' },
  'budget-tokens': { type: 'string' },
  'budget-calls': { type: 'string' },
  'budget-usd': { type: 'string' },
  'budget-seconds': { type: 'string' },
  'budget-input-tokens': { type: 'string' },
  'budget-flops': { type: 'string' },
  'base-url': { type: 'string' },
  threads: { type: 'string' },
  dtype: { type: 'string' },
} as const satisfies FlagConfig

/** Documentation of the common and run flags, for `--help`. */
export const flagHelp: ReadonlyArray<[string, string]> = [
  [
    '--model ID',
    'tinymath-generator (default), tinymath-draft, a model folder, openai:<id>, anthropic:<id>, vllm:<id> (a vLLM-compatible server at --base-url)',
  ],
  [
    '--strategy NAME',
    'strategy from the registry (default greedy); its options are flags, e.g. --n 16',
  ],
  ['--strategy-file FILE', 'a JSON or YAML strategy spec (flags override its top-level options)'],
  ['--seed S', 'base seed, an integer in [0, 2^32) (default 0)'],
  ['--max-tokens N', 'maximum generated tokens per output (default 128 local, 512 remote)'],
  [
    '--concurrency N',
    'eval/scale: problems in flight (default 4); solve: model calls in flight (default 8)',
  ],
  [
    '--budget-tokens N',
    'generated-token budget of each problem (the run stops early with its best answer)',
  ],
  ['--budget-calls N', 'model-call budget of each problem'],
  ['--budget-usd X', 'cost budget of each problem in US dollars (remote models)'],
  ['--budget-seconds X', 'wall-time budget of each problem'],
  ['--budget-input-tokens N', 'prompt-token budget of each problem'],
  [
    '--budget-flops X',
    'estimated-FLOPs budget of each problem (local models; checked before each call)',
  ],
  [
    '--base-url URL',
    'base URL of the remote API for openai:/anthropic: models (e.g. a local server)',
  ],
  ['--threads N', 'onnxruntime threads per local model'],
  [
    '--dtype D',
    'weights of local model folders: fp32 (default), fp16, q8, int8, uint8, q4, q4f16, bnb4',
  ],
  ['--json', 'print one JSON object instead of text'],
]

/** The parsed command line. */
export interface ParsedCommandLine {
  /** Common, run and command flags by kebab-case name. */
  flags: Record<string, string | boolean | undefined>
  /** Positional arguments after the command. */
  positionals: string[]
  /** The strategy spec (from --strategy-file, --strategy and strategy flags), not yet validated. */
  spec?: StrategySpec
}

function describeFlags(config: FlagConfig): string {
  return Object.keys(config)
    .map((name) => `--${name}`)
    .join(', ')
}

/**
 * Joins `--flag -1` into `--flag=-1` for flags that take a value, so that negative numbers
 * are values (parseArgs would otherwise read `-1` as an option).
 */
export function joinNegativeValues(args: readonly string[], options: FlagConfig): string[] {
  const joined: string[] = []
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string
    const next = args[index + 1]
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined
    if (
      name !== undefined &&
      options[name]?.type !== 'boolean' &&
      next !== undefined &&
      /^-(\d|\.\d)/.test(next)
    ) {
      joined.push(`${arg}=${next}`)
      index++
    } else {
      joined.push(arg)
    }
  }
  return joined
}

function parseStrict(args: readonly string[], options: FlagConfig, allowPositionals: boolean) {
  try {
    return parseArgs({
      args: joinNegativeValues(args, options),
      options,
      strict: true,
      allowPositionals,
    })
  } catch (error) {
    const code = (error as { code?: string }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw new CliUsageError(
        `${(error as Error).message.split('\n')[0]} Accepted flags: ${describeFlags(options)}.`,
      )
    }
    throw error
  }
}

/**
 * Parses `args` for a command. With `strategy: true`, the strategy named by --strategy (or in
 * --strategy-file; default `defaultStrategy`) adds its options as flags. A strategy option whose
 * flag name equals a common flag (e.g. `model`) can only be set in a strategy file.
 */
export async function parseCommandLine(options: {
  args: readonly string[]
  commandFlags?: FlagConfig
  strategy?: boolean
  registry?: StrategyRegistry
  defaultStrategy?: string
  allowPositionals?: boolean
}): Promise<ParsedCommandLine> {
  const base: FlagConfig = {
    ...commonFlags,
    ...(options.strategy ? runFlags : {}),
    ...options.commandFlags,
  }
  const allowPositionals = options.allowPositionals ?? true
  if (!options.strategy || !options.registry) {
    const parsed = parseStrict(options.args, base, allowPositionals)
    return { flags: parsed.values as ParsedCommandLine['flags'], positionals: parsed.positionals }
  }
  // First pass: find the strategy (unknown flags tolerated), then parse strictly with its flags.
  const loose = parseArgs({
    args: [...options.args],
    options: base,
    strict: false,
    allowPositionals: true,
  })
  const strategyFile = loose.values['strategy-file']
  const strategyName = loose.values.strategy
  let fileSpec: StrategySpec | undefined
  if (typeof strategyFile === 'string') fileSpec = await loadStrategySpec(strategyFile)
  const name =
    typeof strategyName === 'string'
      ? strategyName
      : (fileSpec?.strategy ?? options.defaultStrategy ?? 'greedy')
  if (typeof name !== 'string') {
    throw new InvalidArgumentError({
      argument: '--strategy-file',
      expected: 'a spec with a "strategy" name',
      received: fileSpec,
    })
  }
  const definition: StrategyDefinition = options.registry.get(name)
  const strategyConfig = strategyFlagConfig(definition)
  for (const flag of Object.keys(base)) delete strategyConfig[flag]
  const parsed = parseStrict(options.args, { ...base, ...strategyConfig }, allowPositionals)
  const values = parsed.values as Record<string, string | boolean | undefined>
  const flags: ParsedCommandLine['flags'] = {}
  const strategyValues: Record<string, string | boolean | undefined> = {}
  for (const [key, value] of Object.entries(values)) {
    if (key in strategyConfig) strategyValues[key] = value
    else flags[key] = value
  }
  const fromFile = fileSpec && fileSpec.strategy === name ? fileSpec : undefined
  const spec = specFromFlags(definition, strategyValues, fromFile ?? { strategy: name })
  return { flags, positionals: parsed.positionals, spec }
}

/** Reads a number flag (> minimum when exclusive) or returns undefined when absent. */
export function readNumberFlag(
  flags: ParsedCommandLine['flags'],
  name: string,
  minimum: number,
  exclusive = true,
): number | undefined {
  const value = flags[name]
  if (value === undefined) return undefined
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
  if (!Number.isFinite(number) || (exclusive ? number <= minimum : number < minimum)) {
    throw new InvalidArgumentError({
      argument: `--${name}`,
      expected: `a number ${exclusive ? '>' : '>='} ${minimum}`,
      received: value,
    })
  }
  return number
}

/** Reads a string flag or returns undefined. */
export function readStringFlag(
  flags: ParsedCommandLine['flags'],
  name: string,
): string | undefined {
  const value = flags[name]
  return typeof value === 'string' ? value : undefined
}

/** The per-problem budget named by the --budget-* flags, or undefined without any. */
export function readBudget(flags: ParsedCommandLine['flags']): Budget | undefined {
  const budget: Budget = {}
  const tokens = readIntegerFlag(flags, 'budget-tokens', 1)
  const calls = readIntegerFlag(flags, 'budget-calls', 1)
  const costUsd = readNumberFlag(flags, 'budget-usd', 0)
  const seconds = readNumberFlag(flags, 'budget-seconds', 0)
  const inputTokens = readIntegerFlag(flags, 'budget-input-tokens', 1)
  const flops = readNumberFlag(flags, 'budget-flops', 0)
  if (tokens !== undefined) budget.outputTokens = tokens
  if (inputTokens !== undefined) budget.inputTokens = inputTokens
  if (flops !== undefined) budget.flops = flops
  if (calls !== undefined) budget.calls = calls
  if (costUsd !== undefined) budget.costUsd = costUsd
  if (seconds !== undefined) budget.wallTimeMs = seconds * 1000
  return Object.keys(budget).length > 0 ? budget : undefined
}

/**
 * Formats a strategy's options for `--help`: flag, kind, description, accepted range and default,
 * all read from the option's schema (the same one the validation and the JSON Schema use).
 */
export function formatStrategyFlags(definition: StrategyDefinition): string[] {
  return Object.entries(describeStrategyOptions(definition)).map(([name, option]) => {
    const flag = `--${toKebabCase(name)}${option.kind === 'boolean' ? '' : ` <${option.kind}>`}`
    const bounded =
      option.minimum !== undefined ||
      option.exclusiveMinimum !== undefined ||
      option.maximum !== undefined ||
      option.exclusiveMaximum !== undefined ||
      option.choices !== undefined
    const notes = [
      ...(bounded ? [describeOptionRange(option)] : []),
      ...(option.default !== undefined ? [`default ${JSON.stringify(option.default)}`] : []),
    ]
    const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : ''
    return `    ${flag.padEnd(30)} ${option.description ?? ''}${suffix}`
  })
}
