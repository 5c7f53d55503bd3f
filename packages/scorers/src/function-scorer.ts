// Programmatic verifier from a user function: the function scores one request; failures and
// non-finite results are reported per item.
import {
  emptyUsage,
  InvalidArgumentError,
  type Score,
  type ScoreRequest,
  type Scorer,
  type ScorerKind,
} from '@metagen/core'
import {
  errorMessage,
  isFiniteNumber,
  unscorable,
  validateScoreRequests,
} from './score-requests.js'

/** What a user scoring function may return: a number, a boolean (1/0), or a full {@link Score}. */
export type FunctionScoreResult = number | boolean | Score

/** Options of {@link createFunctionScorer}. */
export interface FunctionScorerOptions {
  /** Scores one request (may be async). Thrown errors make that item unscorable. */
  score: (request: ScoreRequest) => FunctionScoreResult | Promise<FunctionScoreResult>
  /** Scorer name (default `function`). */
  name?: string
  /** What the function produces (default outcome only). */
  kind?: ScorerKind
}

/**
 * A scorer over a user function, called once per request (concurrently). A number becomes the
 * value, `true`/`false` become 1/0, a {@link Score} is kept. NaN or infinite values, and
 * errors thrown by the function, are reported in that item's `error`.
 */
export function createFunctionScorer(options: FunctionScorerOptions): Scorer {
  if (typeof options?.score !== 'function') {
    throw new InvalidArgumentError({
      argument: 'score',
      expected: 'a function (request) => number | boolean | Score',
      received: options?.score,
    })
  }
  const fn = options.score
  return {
    specificationVersion: 'v1',
    name: options.name ?? 'function',
    kind: options.kind ?? { outcome: true, process: false },
    async score(requests: readonly ScoreRequest[]) {
      validateScoreRequests(requests)
      const scores = await Promise.all(
        requests.map(async (request): Promise<Score> => {
          let result: FunctionScoreResult
          try {
            result = await fn(request)
          } catch (error) {
            return unscorable(`scoring function failed: ${errorMessage(error)}`)
          }
          return toScore(result)
        }),
      )
      return { scores, usage: emptyUsage() }
    },
  }
}

function toScore(result: FunctionScoreResult): Score {
  if (typeof result === 'boolean') return { value: result ? 1 : 0 }
  if (typeof result === 'number') {
    return isFiniteNumber(result)
      ? { value: result }
      : unscorable(`scoring function returned ${result}`)
  }
  if (result && typeof result === 'object' && 'value' in result) {
    if (result.value !== undefined && !isFiniteNumber(result.value)) {
      return unscorable(`scoring function returned value ${result.value}`)
    }
    if (result.steps?.some((step) => !isFiniteNumber(step.score))) {
      return unscorable('scoring function returned a non-finite step score')
    }
    return result
  }
  return unscorable(
    `scoring function returned ${JSON.stringify(result)}, expected a number, boolean or Score`,
  )
}
