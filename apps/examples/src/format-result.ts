// One printed line per evaluated configuration, shared by the examples (and parsed by their test).
import type { EvaluationResult } from '@metagen/orchestrator'

/** `label: accuracy 0.650 (13/20), 4,210 tokens, 20 calls, 3.1 s` */
export function formatResult(label: string, result: EvaluationResult): string {
  const tokens = result.usage.inputTokens + result.usage.outputTokens
  return `${label}: accuracy ${result.accuracy.toFixed(3)} (${result.correct}/${result.n}), ${tokens.toLocaleString('en-US')} tokens, ${result.usage.calls} calls, ${result.seconds.toFixed(1)} s`
}
