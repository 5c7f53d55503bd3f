// A hand-written process scorer of the fake language, for unit tests: a step ` d.` scores 1 when
// the digit d is even and 0 otherwise; a complete solution's value is the minimum step score.
import type { Scorer, StepScore } from '@metagen/core'

/** Creates the parity scorer; `calls` counts its score calls. */
export function createParityScorer(): Scorer & { calls: number } {
  const scorer = {
    specificationVersion: 'v1' as const,
    name: 'parity',
    kind: { outcome: true, process: true },
    calls: 0,
    async score(requests: readonly { output: string; partial?: boolean }[]) {
      scorer.calls++
      return {
        scores: requests.map((request) => {
          const steps: StepScore[] = (request.output.match(/[^.]*\./g) ?? []).map((text) => {
            const digit = Number(text.trim().replace('.', ''))
            return { text, score: digit % 2 === 0 ? 1 : 0 }
          })
          const value =
            steps.length === 0 ? undefined : Math.min(...steps.map((step) => step.score))
          return { value, steps }
        }),
        usage: { inputTokens: 0, outputTokens: 0, calls: 0 },
      }
    },
  }
  return scorer
}
