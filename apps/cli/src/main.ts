// The metagen command line: dispatches to the commands and turns errors into clear messages
// and exit codes (0 success, 1 failure, 2 bad usage or bad input).
import { InvalidArgumentError, MetagenError, ModelLoadError } from '@metagen/core'
import { createDefaultStrategyRegistry, type StrategyRegistry } from '@metagen/orchestrator'
import { CliUsageError } from './cli-error.js'
import { demoCommand } from './commands/demo.js'
import { evalCommand } from './commands/eval.js'
import { playgroundCommand } from './commands/playground.js'
import { scaleCommand } from './commands/scale.js'
import { serveCommand } from './commands/serve.js'
import { solveCommand } from './commands/solve.js'
import { traceCommand } from './commands/trace.js'
import { formatHelp } from './help.js'
import { type CliIo, processIo, writeLine } from './output.js'

type Command = (args: readonly string[], registry: StrategyRegistry, io: CliIo) => Promise<number>

const commands: Readonly<Record<string, Command>> = {
  solve: solveCommand,
  eval: evalCommand,
  scale: scaleCommand,
  trace: traceCommand,
  serve: serveCommand,
  playground: playgroundCommand,
  demo: demoCommand,
}

/** The value following `--strategy` in `args`, if any (for `--help` of one strategy). */
function strategyArgument(args: readonly string[]): string | undefined {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string
    if (arg === '--strategy') return args[index + 1]
    if (arg.startsWith('--strategy=')) return arg.slice('--strategy='.length)
  }
  return undefined
}

/**
 * Runs the CLI with `args` (without `node` and the script) and returns the exit code. Never
 * throws: errors are printed to `io.stderr`.
 */
export async function main(
  args: readonly string[],
  io: CliIo = processIo,
  registry: StrategyRegistry = createDefaultStrategyRegistry(),
): Promise<number> {
  const [name, ...rest] = args
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const strategy = name === 'help' ? rest[0] : undefined
      io.stdout.write(formatHelp(registry, strategy))
      return name === undefined ? 2 : 0
    }
    const command = commands[name]
    if (!command) {
      throw new CliUsageError(
        `Unknown command ${JSON.stringify(name)}: expected one of ${Object.keys(commands).join(', ')}.`,
      )
    }
    if (
      name !== 'serve' &&
      name !== 'playground' &&
      (rest.includes('--help') || rest.includes('-h'))
    ) {
      io.stdout.write(formatHelp(registry, strategyArgument(rest)))
      return 0
    }
    return await command(rest, registry, io)
  } catch (error) {
    if (CliUsageError.isInstance(error)) {
      writeLine(io.stderr, `metagen: ${error.message}`)
      writeLine(io.stderr, 'Run metagen --help for the commands, flags and strategies.')
      return 2
    }
    if (InvalidArgumentError.isInstance(error) || ModelLoadError.isInstance(error)) {
      writeLine(io.stderr, `metagen: ${error.message}`)
      return 2
    }
    if (MetagenError.isInstance(error)) {
      writeLine(io.stderr, `metagen: ${error.name}: ${error.message}`)
      return 1
    }
    writeLine(
      io.stderr,
      `metagen: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    )
    return 1
  }
}
