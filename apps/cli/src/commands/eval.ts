// `metagen eval`: runs one strategy on every problem of a data set (each problem its own run,
// seeded from --seed and its id) and prints accuracy, tokens, calls and wall time.
import { writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { compact, InvalidArgumentError, type Usage } from '@metagen/core'
import {
  codeProblemSet,
  type EvaluateOptions,
  type EvaluationProblem,
  type EvaluationResult,
  evaluate,
  mergeRunTraces,
  type StrategyRegistry,
  type StrategySpec,
  traceToJsonLines,
} from '@metagen/orchestrator'
import { loadProblems, type TinymathProblem, tinymathDevSetPath } from '@metagen/tinymath'
import { parseCommandLine, readBudget, readIntegerFlag, readStringFlag } from '../command-line.js'
import { formatInteger, formatUsage } from '../format.js'
import { type CliIo, writeLine } from '../output.js'
import { createProgressBar } from '../progress-bar.js'
import { openStrategySession } from '../strategy-session.js'

/** Flags of `eval` besides the common and strategy flags. */
export const evalFlags = {
  data: { type: 'string' },
  limit: { type: 'string' },
  'trace-out': { type: 'string' },
} as const

/** The problems of `--data` with the prompt format and correctness rule that go with them. */
export interface DataFlagProblems {
  /** The data file path, or `code` for the JavaScript problems of @metagen/execution. */
  path: string
  problems: EvaluationProblem[]
  /** Prompt of a question (absent: tinymath's `Q: ...\nA:`). */
  formatPrompt?: EvaluateOptions['formatPrompt']
  /** Correctness of an output (absent: the extracted answer equals the expected one). */
  isCorrect?: EvaluateOptions['isCorrect']
}

/**
 * Loads `--data` (default: the tinymath dev set; `code`: the JavaScript problems of
 * @metagen/execution, solved when the output's program passes every test) and applies `--limit`.
 */
export async function loadDataFlag(
  flags: Record<string, string | boolean | undefined>,
): Promise<DataFlagProblems> {
  const path = readStringFlag(flags, 'data') ?? tinymathDevSetPath
  const limit = readIntegerFlag(flags, 'limit', 1)
  const cut = <T>(problems: T[]) => (limit !== undefined ? problems.slice(0, limit) : problems)
  if (path === 'code') {
    const set = codeProblemSet()
    return { path, ...set, problems: cut(set.problems) }
  }
  let problems: TinymathProblem[]
  try {
    problems = await loadProblems(path)
  } catch (error) {
    if (InvalidArgumentError.isInstance(error)) throw error
    const code = (error as { code?: unknown }).code
    throw new InvalidArgumentError({
      argument: '--data',
      expected: `a readable JSON-lines data file, or code (${code === 'ENOENT' ? 'no such file' : typeof code === 'string' ? code : 'unreadable'})`,
      received: path,
      cause: error,
    })
  }
  return { path, problems: cut(problems) }
}

/** The `--json` form of a usage: tokens and calls, FLOPs and cost where known. */
function usageJson(usage: Usage) {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    calls: usage.calls,
    ...compact({ flops: usage.flops, costUsd: usage.costUsd }),
  }
}

/** The `--json` object of an evaluation (`usage` of the whole run and of every problem). */
export function evaluationJson(result: EvaluationResult, model: string, spec: StrategySpec) {
  return {
    accuracy: result.accuracy,
    n: result.n,
    model,
    strategy: spec,
    usage: usageJson(result.usage),
    seconds: result.seconds,
    problems: result.problems.map((problem) => ({
      id: problem.id,
      answer: problem.answer,
      expected: problem.expected,
      correct: problem.correct,
      usage: usageJson(problem.usage),
      ...compact({ stoppedBy: problem.stoppedBy, error: problem.error }),
    })),
  }
}

/** Runs `metagen eval`. Returns the exit code. */
export async function evalCommand(
  args: readonly string[],
  registry: StrategyRegistry,
  io: CliIo,
): Promise<number> {
  const parsed = await parseCommandLine({
    args,
    commandFlags: evalFlags,
    strategy: true,
    registry,
    allowPositionals: false,
  })
  const seed = readIntegerFlag(parsed.flags, 'seed', 0, 0xffffffff) ?? 0
  const concurrency = readIntegerFlag(parsed.flags, 'concurrency', 1) ?? 4
  const budget = readBudget(parsed.flags)
  const data = await loadDataFlag(parsed.flags)
  const traceOut = readStringFlag(parsed.flags, 'trace-out')
  const session = await openStrategySession(parsed, registry)
  try {
    const bar = createProgressBar(io.stderr, data.problems.length, session.spec.strategy)
    const result = await evaluate({
      generator: session.generator,
      problems: data.problems,
      seed,
      concurrency,
      ...compact({ budget, formatPrompt: data.formatPrompt, isCorrect: data.isCorrect }),
      ...(traceOut !== undefined ? { trace: true } : {}),
      onProgress: (progress) =>
        bar.update(progress.done, `acc ${(progress.correct / progress.done).toFixed(3)}`),
    })
    bar.finish()
    if (traceOut !== undefined) {
      // One tree per problem, under a root note that says whether the answer was right.
      const events = mergeRunTraces(
        result.problems.map((problem) => ({
          id: problem.id,
          trace: problem.trace,
          data: { expected: problem.expected, answer: problem.answer, correct: problem.correct },
        })),
      )
      await writeFile(traceOut, traceToJsonLines(events))
    }
    if (parsed.flags.json) {
      writeLine(
        io.stdout,
        JSON.stringify(evaluationJson(result, session.environment.modelId, session.spec)),
      )
      return 0
    }
    const failed = result.problems.filter((problem) => problem.error !== undefined)
    writeLine(
      io.stdout,
      `${session.spec.strategy} on ${session.environment.modelId}, ${basename(data.path)}, ${result.n} problems, seed ${seed}`,
    )
    writeLine(io.stdout, `accuracy  ${result.accuracy.toFixed(3)} (${result.correct}/${result.n})`)
    writeLine(
      io.stdout,
      `tokens    ${formatUsage({ ...result.usage, calls: result.usage.calls }).split(', ')[0]} (${formatInteger((result.usage.inputTokens + result.usage.outputTokens) / Math.max(1, result.n))} per problem)`,
    )
    writeLine(io.stdout, `calls     ${formatInteger(result.usage.calls)}`)
    if (result.usage.flops !== undefined)
      writeLine(io.stdout, `FLOPs     ${result.usage.flops.toExponential(2)}`)
    if (result.usage.costUsd !== undefined)
      writeLine(io.stdout, `cost      $${result.usage.costUsd.toFixed(4)}`)
    writeLine(io.stdout, `seconds   ${result.seconds.toFixed(1)}`)
    if (failed.length > 0) {
      writeLine(
        io.stderr,
        `${failed.length} problems failed (counted as wrong), e.g. ${failed[0]?.id}: ${failed[0]?.error}`,
      )
    }
    return 0
  } finally {
    await session.environment.close()
  }
}
