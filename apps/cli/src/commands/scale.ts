// `metagen scale`: measures several strategies at several budgets over a data set and writes
// the accuracy-vs-compute table (table.md, table.json) and plot (plot.svg) into --out.
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { compact, InvalidArgumentError } from '@metagen/core'
import {
  convertFlagValue,
  createComputeReport,
  describeStrategyOptions,
  formatComputeReportMarkdown,
  measureScaling,
  renderScalingPlotSvg,
  type StrategyRegistry,
  type StrategySpec,
  toCamelCase,
} from '@metagen/orchestrator'
import { CliUsageError } from '../cli-error.js'
import {
  parseCommandLine,
  readBudget,
  readIntegerFlag,
  readStringFlag,
  runFlags,
} from '../command-line.js'
import { type CliIo, writeLine } from '../output.js'
import { createProgressBar, type ProgressBar } from '../progress-bar.js'
import { openEnvironment } from '../strategy-session.js'
import { loadDataFlag } from './eval.js'

const { strategy: _strategy, 'strategy-file': _strategyFile, ...scaleRunFlags } = runFlags

/** Flags of `scale`. */
export const scaleFlags = {
  ...scaleRunFlags,
  data: { type: 'string' },
  limit: { type: 'string' },
  out: { type: 'string' },
  strategies: { type: 'string' },
  budgets: { type: 'string' },
} as const

/** The default strategies of `scale`: the survey's central picture on tinymath. */
export const defaultScaleStrategies = 'greedy,self-consistency,best-of-n,step-beam'

/**
 * Parses `--strategies`: comma-separated items `name` or `name:option=value:option=value`
 * (options kebab- or camelCase, e.g. `best-of-n:scorer=verifier`).
 */
export function parseStrategyList(text: string, registry: StrategyRegistry): StrategySpec[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  if (items.length === 0) {
    throw new InvalidArgumentError({
      argument: '--strategies',
      expected: 'a comma-separated list of strategy names',
      received: text,
    })
  }
  return items.map((item) => {
    const [name, ...settings] = item.split(':')
    const definition = registry.get((name as string).trim())
    const spec: StrategySpec = { strategy: definition.name }
    for (const setting of settings) {
      const equals = setting.indexOf('=')
      const key = toCamelCase(setting.slice(0, equals).trim())
      const options = describeStrategyOptions(definition)
      const option = options[key]
      if (equals < 0 || !option) {
        throw new InvalidArgumentError({
          argument: '--strategies',
          expected: `name:option=value with an option of ${definition.name} (${Object.keys(options).join(', ')})`,
          received: item,
        })
      }
      spec[key] = convertFlagValue(key, option, setting.slice(equals + 1).trim())
    }
    return registry.validate(spec)
  })
}

/** Parses `--budgets` (comma-separated integers >= 1). */
export function parseBudgetList(text: string): number[] {
  const budgets = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map(Number)
  if (budgets.length === 0 || budgets.some((budget) => !Number.isInteger(budget) || budget < 1)) {
    throw new InvalidArgumentError({
      argument: '--budgets',
      expected: 'comma-separated integers >= 1, e.g. 1,2,4,8,16',
      received: text,
    })
  }
  return budgets
}

/** Runs `metagen scale`. Returns the exit code. */
export async function scaleCommand(
  args: readonly string[],
  registry: StrategyRegistry,
  io: CliIo,
): Promise<number> {
  const parsed = await parseCommandLine({ args, commandFlags: scaleFlags, allowPositionals: false })
  const out = readStringFlag(parsed.flags, 'out')
  if (out === undefined)
    throw new CliUsageError(
      'scale needs --out DIR (where table.md, table.json and plot.svg are written).',
    )
  const strategies = parseStrategyList(
    readStringFlag(parsed.flags, 'strategies') ?? defaultScaleStrategies,
    registry,
  )
  const budgets = parseBudgetList(readStringFlag(parsed.flags, 'budgets') ?? '1,2,4,8,16')
  const seed = readIntegerFlag(parsed.flags, 'seed', 0, 0xffffffff) ?? 0
  const concurrency = readIntegerFlag(parsed.flags, 'concurrency', 1) ?? 4
  const runBudget = readBudget(parsed.flags)
  const data = await loadDataFlag(parsed.flags)
  const environment = openEnvironment(parsed, registry)
  try {
    let bar: ProgressBar | undefined
    let label = ''
    const entries = await measureScaling({
      registry,
      environment,
      strategies,
      budgets,
      problems: data.problems,
      seed,
      concurrency,
      ...compact({ runBudget, formatPrompt: data.formatPrompt, isCorrect: data.isCorrect }),
      onSetting: (setting) => {
        label = `[${setting.index + 1}/${setting.total}] ${setting.label}`
        bar = createProgressBar(io.stderr, data.problems.length, label)
      },
      onProgress: (progress) =>
        bar?.update(progress.done, `acc ${(progress.correct / progress.done).toFixed(3)}`),
      onEntry: (entry) => {
        bar?.finish()
        if (!parsed.flags.json) {
          writeLine(
            io.stderr,
            `${entry.label}: accuracy ${entry.accuracy.toFixed(3)}, ${((entry.usage.inputTokens + entry.usage.outputTokens) / Math.max(1, entry.n)).toFixed(0)} tokens/problem, ${entry.seconds.toFixed(1)} s`,
          )
        }
      },
    })
    const report = createComputeReport({
      model: environment.modelId,
      data: basename(data.path),
      seed,
      entries,
    })
    await mkdir(out, { recursive: true })
    const markdown = formatComputeReportMarkdown(report)
    await writeFile(join(out, 'table.md'), markdown)
    await writeFile(join(out, 'table.json'), `${JSON.stringify(report, null, 2)}\n`)
    await writeFile(join(out, 'plot.svg'), renderScalingPlotSvg(report))
    if (parsed.flags.json) writeLine(io.stdout, JSON.stringify(report))
    else {
      io.stdout.write(markdown)
      writeLine(
        io.stdout,
        `\nWrote ${join(out, 'table.md')}, ${join(out, 'table.json')} and ${join(out, 'plot.svg')}.`,
      )
    }
    return 0
  } finally {
    await environment.close()
  }
}
