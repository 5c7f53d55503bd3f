// `metagen playground`: the metagen server with its web playground (the flags of `metagen
// serve`); prints the URL to open and runs until SIGTERM or SIGINT.
import type { StrategyRegistry } from '@metagen/orchestrator'
import { runServeCommand } from '@metagen/server'
import type { CliIo } from '../output.js'

/** Runs `metagen playground`. Resolves with the exit code once the server has stopped. */
export async function playgroundCommand(
  args: readonly string[],
  _registry: StrategyRegistry,
  io: CliIo,
): Promise<number> {
  return runServeCommand(args, io, process.env, 'playground')
}
