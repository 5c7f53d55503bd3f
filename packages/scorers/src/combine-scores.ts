// Internal: runs several scorers on the same batch and combines their scores item by item,
// reporting the first component that could not score an item.
import {
  addUsage,
  InvalidArgumentError,
  type Score,
  type ScoreOptions,
  type ScoreRequest,
  type ScoreResult,
  type Scorer,
  type StepScore,
} from '@metagen/core'
import { unscorable, validateScoreRequests } from './score-requests.js'

/** Checks that `value` is a non-empty array; `argument` and `expected` go into the error. */
export function assertNonEmptyArray(
  argument: string,
  value: unknown,
  expected: string,
): asserts value is readonly unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidArgumentError({ argument, expected, received: value })
  }
}

/**
 * A scorer that runs `scorers` (already validated) concurrently on each batch and combines their
 * values, and their step scores, with `combineValues` (see {@link scoreAndCombine}). It is an
 * outcome (process) scorer when every component is one.
 */
export function createCombinedScorer(
  name: string,
  scorers: readonly Scorer[],
  combineValues: (values: number[]) => number,
): Scorer {
  return {
    specificationVersion: 'v1',
    name,
    kind: {
      outcome: scorers.every((scorer) => scorer.kind.outcome),
      process: scorers.every((scorer) => scorer.kind.process),
    },
    async score(requests: readonly ScoreRequest[], scoreOptions: ScoreOptions = {}) {
      validateScoreRequests(requests)
      return scoreAndCombine(scorers, requests, scoreOptions, combineValues)
    },
  }
}

/** Checks that `scorer` looks like a Scorer; `argument` names it in the error. */
export function assertScorer(argument: string, scorer: unknown): asserts scorer is Scorer {
  const candidate = scorer as Partial<Scorer> | null | undefined
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.score !== 'function' ||
    typeof candidate.kind !== 'object'
  ) {
    throw new InvalidArgumentError({ argument, expected: 'a Scorer', received: scorer })
  }
}

/**
 * Scores `requests` with every scorer concurrently and combines, per item, the values with
 * `combineValues` and (when every scorer is a process scorer) the step scores with
 * `combineValues` step by step. An item any component could not score is unscorable. `options`
 * (signal, run context) go to every component.
 */
export async function scoreAndCombine(
  scorers: readonly Scorer[],
  requests: readonly ScoreRequest[],
  options: ScoreOptions,
  combineValues: (values: number[]) => number,
): Promise<ScoreResult> {
  const results = await Promise.all(scorers.map((scorer) => scorer.score(requests, options)))
  results.forEach((result, position) => {
    if (result.scores.length !== requests.length) {
      throw new InvalidArgumentError({
        argument: `scorers[${position}] (${scorers[position]?.name})`,
        expected: `a scorer returning ${requests.length} scores for ${requests.length} requests`,
        received: `${result.scores.length} scores`,
      })
    }
  })
  const process = scorers.every((scorer) => scorer.kind.process)
  const scores = requests.map((_, index): Score => {
    const parts = results.map((result) => result.scores[index] as Score)
    const failed = parts.findIndex((part) => part.value === undefined)
    if (failed >= 0) {
      const part = parts[failed] as Score
      return unscorable(`${scorers[failed]?.name}: ${part.error ?? 'no value'}`)
    }
    const value = combineValues(parts.map((part) => part.value as number))
    if (!process) return { value }
    const lengths = new Set(parts.map((part) => part.steps?.length ?? -1))
    if (lengths.size !== 1 || lengths.has(-1)) {
      return unscorable(
        `the components gave different step counts (${parts.map((part) => part.steps?.length ?? 'none').join(', ')})`,
      )
    }
    const first = parts[0]?.steps ?? []
    const steps: StepScore[] = first.map((step, stepIndex) => ({
      text: step.text,
      score: combineValues(parts.map((part) => (part.steps as StepScore[])[stepIndex]?.score ?? 0)),
    }))
    return { value, steps }
  })
  return { scores, usage: addUsage(...results.map((result) => result.usage)) }
}
