// `metagen serve`: the OpenAI-compatible strategy server of @metagen/server (flags: see
// `metagen serve --help`); runs until SIGTERM or SIGINT, then drains in-flight requests.
import type { StrategyRegistry } from '@metagen/orchestrator'
import { runServeCommand } from '@metagen/server'
import type { CliIo } from '../output.js'

/** Runs `metagen serve`. Resolves with the exit code once the server has stopped. */
export async function serveCommand(
  args: readonly string[],
  _registry: StrategyRegistry,
  io: CliIo,
): Promise<number> {
  return runServeCommand(args, io)
}
