// Shared checks and helpers for scorer implementations: validating a batch of score requests
// and building unscorable results, so that every scorer reports bad input the same way.
import { InvalidArgumentError, type Score, type ScoreRequest } from '@metagen/core'

/**
 * Checks that `requests` is an array of `{ prompt: string, output: string, partial?: boolean }`.
 * Throws {@link InvalidArgumentError} naming the first bad element (`requests[3].output`).
 * An empty array is valid (a scorer returns no scores for it).
 */
export function validateScoreRequests(requests: unknown): asserts requests is ScoreRequest[] {
  if (!Array.isArray(requests)) {
    throw new InvalidArgumentError({
      argument: 'requests',
      expected: 'an array of { prompt, output } objects',
      received: requests,
    })
  }
  for (let index = 0; index < requests.length; index++) {
    const request = requests[index] as Partial<ScoreRequest> | null | undefined
    if (request === null || typeof request !== 'object') {
      throw new InvalidArgumentError({
        argument: `requests[${index}]`,
        expected: 'an object { prompt, output }',
        received: request,
      })
    }
    if (typeof request.prompt !== 'string') {
      throw new InvalidArgumentError({
        argument: `requests[${index}].prompt`,
        expected: 'a string',
        received: request.prompt,
      })
    }
    if (typeof request.output !== 'string') {
      throw new InvalidArgumentError({
        argument: `requests[${index}].output`,
        expected: 'a string',
        received: request.output,
      })
    }
    if (request.partial !== undefined && typeof request.partial !== 'boolean') {
      throw new InvalidArgumentError({
        argument: `requests[${index}].partial`,
        expected: 'a boolean or undefined',
        received: request.partial,
      })
    }
  }
}

/** A score for an item that could not be scored: `value` undefined and the reason in `error`. */
export function unscorable(error: string): Score {
  return { value: undefined, error }
}

/** True when `value` is a finite number (not NaN, not +-Infinity). */
export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** The message of a thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
