// `metagen solve "<question>"`: runs one strategy on one question and prints the answer.
import { writeFile } from 'node:fs/promises'
import { compact, InvalidArgumentError } from '@metagen/core'
import { run, type StrategyRegistry, traceToJsonLines } from '@metagen/orchestrator'
import { formatPrompt } from '@metagen/tinymath'
import { CliUsageError } from '../cli-error.js'
import { parseCommandLine, readBudget, readIntegerFlag, readStringFlag } from '../command-line.js'
import { formatUsage } from '../format.js'
import { type CliIo, writeLine } from '../output.js'
import { openStrategySession } from '../strategy-session.js'

/** Flags of `solve` besides the common and strategy flags. */
export const solveFlags = { 'trace-out': { type: 'string' }, prompt: { type: 'boolean' } } as const

/** Runs `metagen solve`. Returns the exit code. */
export async function solveCommand(
  args: readonly string[],
  registry: StrategyRegistry,
  io: CliIo,
): Promise<number> {
  const parsed = await parseCommandLine({
    args,
    commandFlags: solveFlags,
    strategy: true,
    registry,
  })
  if (parsed.positionals.length !== 1) {
    throw new CliUsageError(
      `solve takes exactly one question in quotes, e.g. metagen solve "Ava has 3 apples. She buys 4 more. How many apples does Ava have now?" (received ${parsed.positionals.length} arguments).`,
    )
  }
  const question = parsed.positionals[0] as string
  if (question.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'question',
      expected: 'a non-empty question',
      received: question,
    })
  }
  // --prompt: the argument is the whole prompt (for non-tinymath models), not a question.
  const prompt = parsed.flags.prompt ? question : formatPrompt(question)
  const seed = readIntegerFlag(parsed.flags, 'seed', 0, 0xffffffff) ?? 0
  const concurrency = readIntegerFlag(parsed.flags, 'concurrency', 1)
  const budget = readBudget(parsed.flags)
  const traceOut = readStringFlag(parsed.flags, 'trace-out')
  const session = await openStrategySession(parsed, registry)
  try {
    const result = await run(
      session.generator,
      { prompt },
      {
        seed,
        ...compact({ concurrency, budget }),
        ...(traceOut !== undefined ? { trace: true } : {}),
      },
    )
    if (traceOut !== undefined) await writeFile(traceOut, traceToJsonLines(result.trace))
    const answer =
      result.output.answer ?? session.environment.extractAnswer(result.output.text) ?? null
    if (parsed.flags.json) {
      writeLine(
        io.stdout,
        JSON.stringify({
          question,
          answer,
          text: result.output.text,
          model: session.environment.modelId,
          strategy: session.spec,
          usage: result.usage,
          seconds: result.seconds,
          ...compact({ stoppedBy: result.stoppedBy }),
        }),
      )
    } else {
      writeLine(io.stdout, result.output.text.trim())
      writeLine(io.stdout, `answer: ${answer ?? '(none found)'}`)
      writeLine(
        io.stderr,
        `${session.spec.strategy} on ${session.environment.modelId}: ${formatUsage(result.usage)}, ${result.seconds.toFixed(2)} s${result.stoppedBy ? ` (stopped by the budget: ${result.stoppedBy})` : ''}${traceOut !== undefined ? `; trace written to ${traceOut}` : ''}`,
      )
    }
    return 0
  } finally {
    await session.environment.close()
  }
}
