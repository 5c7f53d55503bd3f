// Small text formatting helpers of the CLI.
import type { Usage } from '@metagen/core'

/** `12345` -> `12,345`. */
export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

/** A one-line usage summary: tokens, calls, and FLOPs / cost where known. */
export function formatUsage(usage: Usage): string {
  const parts = [
    `${formatInteger(usage.inputTokens)} prompt + ${formatInteger(usage.outputTokens)} generated tokens`,
    `${formatInteger(usage.calls)} ${usage.calls === 1 ? 'call' : 'calls'}`,
  ]
  if (usage.flops !== undefined) parts.push(`${usage.flops.toExponential(2)} FLOPs`)
  if (usage.costUsd !== undefined) parts.push(`$${usage.costUsd.toFixed(4)}`)
  return parts.join(', ')
}

/** Pads a table: rows of cells, first row the header; numbers right-aligned by the caller's choice. */
export function formatTable(
  rows: readonly (readonly string[])[],
  rightAligned: readonly boolean[] = [],
): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length)
    })
  }
  const lines = rows.map((row) =>
    row
      .map((cell, index) =>
        rightAligned[index] ? cell.padStart(widths[index] ?? 0) : cell.padEnd(widths[index] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  )
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '))
  return lines.join('\n')
}
