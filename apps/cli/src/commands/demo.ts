// `metagen demo`: the quick start. A handful of dev problems solved with several strategies on
// the embedded models (greedy on both models, self-consistency, best-of-N with the step
// checker, step-level beam search, speculative decoding), printed as one table.
import { evaluate, type StrategyRegistry, type StrategySpec } from '@metagen/orchestrator'
import { loadDevSet } from '@metagen/tinymath'
import { parseCommandLine, readIntegerFlag } from '../command-line.js'
import { formatInteger, formatTable } from '../format.js'
import { type CliIo, writeLine } from '../output.js'
import { createProgressBar } from '../progress-bar.js'
import { openEnvironment } from '../strategy-session.js'

/** One row of the demo: a strategy spec on a run model. */
export interface DemoConfiguration {
  label: string
  model: string
  spec: StrategySpec
}

/** The demo's configurations, cheapest first. */
export const demoConfigurations: readonly DemoConfiguration[] = [
  { label: 'greedy', model: 'tinymath-generator', spec: { strategy: 'greedy' } },
  { label: 'greedy', model: 'tinymath-draft', spec: { strategy: 'greedy' } },
  {
    label: 'self-consistency n=16',
    model: 'tinymath-draft',
    spec: { strategy: 'self-consistency', n: 16 },
  },
  {
    label: 'best-of-n n=16, step checker',
    model: 'tinymath-draft',
    spec: { strategy: 'best-of-n', n: 16, scorer: 'step-checker' },
  },
  {
    label: 'step-beam N=16 M=4, step checker',
    model: 'tinymath-draft',
    spec: { strategy: 'step-beam', beams: 16, beamWidth: 4, scorer: 'step-checker' },
  },
  {
    label: 'speculative (draft k=4)',
    model: 'tinymath-generator',
    spec: { strategy: 'speculative', draft: 'tinymath-draft', k: 4 },
  },
]

/** Flags of `demo`. */
export const demoFlags = {
  limit: { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
} as const

/** Runs `metagen demo`. Returns the exit code. */
export async function demoCommand(
  args: readonly string[],
  registry: StrategyRegistry,
  io: CliIo,
): Promise<number> {
  const parsed = await parseCommandLine({ args, commandFlags: demoFlags, allowPositionals: false })
  const limit = readIntegerFlag(parsed.flags, 'limit', 1) ?? 10
  const seed = readIntegerFlag(parsed.flags, 'seed', 0, 0xffffffff) ?? 0
  const problems = (await loadDevSet()).slice(0, limit)
  const environment = openEnvironment(parsed, registry)
  const rows: string[][] = [['strategy', 'model', 'accuracy', 'tokens', 'calls', 'seconds']]
  const json: unknown[] = []
  if (!parsed.flags.json) {
    writeLine(
      io.stdout,
      `metagen demo: ${problems.length} tinymath dev problems (1 to 5 operations), seed ${seed}`,
    )
    writeLine(io.stdout, '')
  }
  try {
    for (const configuration of demoConfigurations) {
      const view = environment.forModel(configuration.model)
      const spec = registry.validate(configuration.spec)
      const generator = await registry.get(spec.strategy).build(spec, view)
      const bar = createProgressBar(io.stderr, problems.length, configuration.label)
      const result = await evaluate({
        generator,
        problems,
        seed,
        onProgress: (progress) => bar.update(progress.done),
      })
      bar.finish()
      const tokens = result.usage.inputTokens + result.usage.outputTokens
      rows.push([
        configuration.label,
        configuration.model,
        `${result.accuracy.toFixed(2)} (${result.correct}/${result.n})`,
        formatInteger(tokens),
        formatInteger(result.usage.calls),
        result.seconds.toFixed(1),
      ])
      json.push({
        label: configuration.label,
        model: configuration.model,
        strategy: spec,
        accuracy: result.accuracy,
        n: result.n,
        usage: result.usage,
        seconds: result.seconds,
      })
    }
  } finally {
    await environment.close()
  }
  if (parsed.flags.json) {
    writeLine(io.stdout, JSON.stringify({ seed, problems: problems.length, rows: json }))
    return 0
  }
  writeLine(io.stdout, formatTable(rows, [false, false, true, true, true, true]))
  writeLine(io.stdout, '')
  writeLine(
    io.stdout,
    'tokens = prompt + generated tokens over all problems (a shared prompt counts once); calls = model calls.',
  )
  writeLine(
    io.stdout,
    'Next: pnpm metagen solve "<question>", pnpm metagen eval --model tinymath-draft --strategy self-consistency --n 8 --limit 50, pnpm metagen --help',
  )
  return 0
}
