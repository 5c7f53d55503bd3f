// MBR utility: 1 when two outputs state the same final answer, else 0 (MBR with it is
// majority voting over extracted answers).
import { InvalidArgumentError, normaliseAnswer } from '@metagen/core'
import type { TextSimilarity } from './text-similarity.js'

/**
 * A similarity that is 1 when both outputs have an extracted answer and the normalised answers
 * are equal, and 0 otherwise (including when either has no answer).
 */
export function createAnswerMatchSimilarity(options: {
  /** The final answer of an output, or undefined. */
  extractAnswer: (output: string) => string | undefined
  /** Canonical form (default `normaliseAnswer` of @metagen/core). */
  normalise?: (answer: string) => string
}): TextSimilarity {
  if (typeof options?.extractAnswer !== 'function') {
    throw new InvalidArgumentError({
      argument: 'extractAnswer',
      expected: 'a function (output) => string | undefined',
      received: options?.extractAnswer,
    })
  }
  const extract = options.extractAnswer
  const normalise = options.normalise ?? normaliseAnswer
  return (candidate, reference) => {
    const first = extract(candidate)
    const second = extract(reference)
    if (first === undefined || second === undefined) return 0
    return normalise(first) === normalise(second) ? 1 : 0
  }
}
