// `metagen trace FILE`: draws a saved trace (JSON lines) as a tree in the terminal and, with
// --html OUT, as a self-contained HTML page drawn by the playground's run view (the same tree,
// vote chart and rounds as `metagen playground`, no server needed).
import { readFile, writeFile } from 'node:fs/promises'
import { InvalidArgumentError } from '@metagen/core'
import { buildTraceTree, parseTraceJsonLines, type StrategyRegistry } from '@metagen/orchestrator'
import { renderTracePage } from '@metagen/server'
import { CliUsageError } from '../cli-error.js'
import { parseCommandLine, readIntegerFlag, readStringFlag } from '../command-line.js'
import { type CliIo, writeLine } from '../output.js'
import { renderTraceTree } from '../render-trace-tree.js'

/** Flags of `trace`. */
export const traceFlags = { html: { type: 'string' }, depth: { type: 'string' } } as const

/** Runs `metagen trace`. Returns the exit code. */
export async function traceCommand(
  args: readonly string[],
  _registry: StrategyRegistry,
  io: CliIo,
): Promise<number> {
  const parsed = await parseCommandLine({ args, commandFlags: traceFlags })
  if (parsed.positionals.length !== 1) {
    throw new CliUsageError(
      'trace takes one trace file (JSON lines, written by solve --trace-out FILE).',
    )
  }
  const path = parsed.positionals[0] as string
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'trace file',
      expected: 'a readable JSON-lines trace',
      received: path,
      cause: error,
    })
  }
  const events = parseTraceJsonLines(text, path)
  const roots = buildTraceTree(events)
  const depth = readIntegerFlag(parsed.flags, 'depth', 0)
  const html = readStringFlag(parsed.flags, 'html')
  if (parsed.flags.json) {
    writeLine(io.stdout, JSON.stringify(roots))
  } else {
    io.stdout.write(renderTraceTree(roots, depth !== undefined ? { maxDepth: depth } : {}))
  }
  if (html !== undefined) {
    await writeFile(html, renderTracePage(events, { title: `metagen trace: ${path}` }))
    writeLine(io.stderr, `HTML page written to ${html}`)
  }
  return 0
}
