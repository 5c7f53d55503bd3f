// Turning a sandboxed test run into feedback text for a reviser (Self-Debug's "execution
// feedback"): which tests failed and the error each raised, and what the program printed.
import type { TestRunResult } from './run-javascript-tests.js'

/** Options of {@link formatTestFeedback}. */
export interface FormatTestFeedbackOptions {
  /** Most failing tests listed (default 5); the rest are counted. */
  maxFailures?: number
  /** Most characters of console output included (default 1000). */
  maxLogChars?: number
}

/**
 * The feedback text of a run: `All N tests passed.`, or `Passed k of N tests.` followed by
 * the program-level error (syntax error, time or memory limit) and each failing test with its
 * error message, then the program's console output if any.
 */
export function formatTestFeedback(
  result: TestRunResult,
  options: FormatTestFeedbackOptions = {},
): string {
  const maxFailures = options.maxFailures ?? 5
  const maxLogChars = options.maxLogChars ?? 1000
  if (result.total > 0 && result.passed === result.total) {
    return `All ${result.total} tests passed.`
  }
  const lines = [`Passed ${result.passed} of ${result.total} tests.`]
  if (result.status === 'load-error') {
    lines.push(`The program failed to load: ${result.error}`)
  } else if (result.error !== undefined) {
    lines.push(result.error)
  }
  if (result.status !== 'load-error') {
    const failures = result.tests.filter((outcome) => !outcome.passed)
    for (const outcome of failures.slice(0, maxFailures)) {
      lines.push(`Failed: ${outcome.test.trim()}\n  ${outcome.error ?? 'failed'}`)
    }
    if (failures.length > maxFailures) {
      lines.push(`... and ${failures.length - maxFailures} more failing tests.`)
    }
  }
  const printed = result.logs.join('\n')
  if (printed !== '') {
    const shown = printed.length > maxLogChars ? `${printed.slice(0, maxLogChars)}...` : printed
    lines.push(`Console output:\n${shown}`)
  }
  return lines.join('\n')
}
