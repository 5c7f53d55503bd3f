// The compute report: accuracy against what it cost (tokens, calls, FLOPs, dollars, seconds)
// per strategy and setting, as data, Markdown and JSON: the survey's central trade-off.
import type { Usage } from '@metagen/core'

/** One measured configuration: a strategy at one setting, evaluated on a problem set. */
export interface ComputeReportEntry {
  /** Strategy name, e.g. `best-of-n`; entries with the same name form one curve. */
  strategy: string
  /** Human label of the setting, e.g. `best-of-n n=8`. */
  label: string
  /** The scaled quantity (e.g. n or the beam width), when the strategy has one. */
  budget?: number
  /** Fraction correct in [0, 1]. */
  accuracy: number
  /** Problems evaluated. */
  n: number
  /** Compute over all problems. */
  usage: Usage
  /** Wall time over all problems, in seconds. */
  seconds: number
}

/** A row of the report: an entry with per-problem averages. */
export interface ComputeReportRow extends ComputeReportEntry {
  /** Mean prompt + generated tokens per problem. */
  tokensPerProblem: number
  /** Mean generated tokens per problem. */
  outputTokensPerProblem: number
  /** Mean model calls per problem. */
  callsPerProblem: number
  /** Mean estimated FLOPs per problem, when the models report them. */
  flopsPerProblem?: number
  /** Mean estimated cost per problem in US dollars, when the models report it. */
  costUsdPerProblem?: number
}

/** The report. */
export interface ComputeReport {
  /** The run model id. */
  model: string
  /** Where the problems came from. */
  data: string
  /** Base seed. */
  seed: number
  /** Rows in the order measured. */
  rows: ComputeReportRow[]
}

/** Builds the report from measured entries (averages per problem; n = 0 gives zeros). */
export function createComputeReport(options: {
  model: string
  data: string
  seed: number
  entries: readonly ComputeReportEntry[]
}): ComputeReport {
  return {
    model: options.model,
    data: options.data,
    seed: options.seed,
    rows: options.entries.map((entry) => {
      const per = (value: number) => (entry.n === 0 ? 0 : value / entry.n)
      return {
        ...entry,
        tokensPerProblem: per(entry.usage.inputTokens + entry.usage.outputTokens),
        outputTokensPerProblem: per(entry.usage.outputTokens),
        callsPerProblem: per(entry.usage.calls),
        ...(entry.usage.flops !== undefined ? { flopsPerProblem: per(entry.usage.flops) } : {}),
        ...(entry.usage.costUsd !== undefined
          ? { costUsdPerProblem: per(entry.usage.costUsd) }
          : {}),
      }
    }),
  }
}

function formatNumber(value: number, digits = 1): string {
  if (value === 0) return '0'
  if (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3) return value.toExponential(2)
  return value.toFixed(digits)
}

/** The report as a Markdown table (one row per configuration). */
export function formatComputeReportMarkdown(report: ComputeReport): string {
  const hasFlops = report.rows.some((row) => row.flopsPerProblem !== undefined)
  const hasCost = report.rows.some((row) => row.costUsdPerProblem !== undefined)
  const header = [
    'strategy',
    'setting',
    'accuracy',
    'tokens/problem',
    'generated/problem',
    'calls/problem',
    ...(hasFlops ? ['FLOPs/problem'] : []),
    ...(hasCost ? ['USD/problem'] : []),
    'seconds',
  ]
  const lines = [
    `# Accuracy vs compute: ${report.model} on ${report.data}`,
    '',
    `${report.rows[0]?.n ?? 0} problems per row, seed ${report.seed}. Tokens are prompt + generated tokens per problem (a shared prompt prefix counts once).`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, index) => (index < 2 ? '---' : '---:')).join('|')}|`,
  ]
  for (const row of report.rows) {
    lines.push(
      `| ${[
        row.strategy,
        row.label,
        row.accuracy.toFixed(3),
        formatNumber(row.tokensPerProblem),
        formatNumber(row.outputTokensPerProblem),
        formatNumber(row.callsPerProblem, 2),
        ...(hasFlops
          ? [row.flopsPerProblem !== undefined ? formatNumber(row.flopsPerProblem) : '']
          : []),
        ...(hasCost
          ? [row.costUsdPerProblem !== undefined ? formatNumber(row.costUsdPerProblem, 5) : '']
          : []),
        row.seconds.toFixed(1),
      ].join(' | ')} |`,
    )
  }
  return `${lines.join('\n')}\n`
}
