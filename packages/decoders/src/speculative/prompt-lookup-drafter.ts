// Prompt-lookup drafting (Saxena 2023, "prompt lookup decoding"): no draft model; the draft is
// what followed the most recent earlier occurrence of the sequence's last n-gram.
import { assertInteger, InvalidArgumentError } from '@metagen/core'
import type { Drafter, DraftProposal, DraftSession } from './drafter.js'

/** Options of {@link createPromptLookupDrafter}. */
export interface PromptLookupDrafterOptions {
  /** Longest n-gram to look up, an integer >= 1 (default 3). Longer matches are tried first. */
  maxNgramSize?: number
  /** Shortest n-gram to look up, an integer in [1, maxNgramSize] (default 1). */
  minNgramSize?: number
}

const noSession: DraftSession = { dispose() {} }

/**
 * Creates a model-free drafter. For each sequence it takes the last n tokens (n from
 * `maxNgramSize` down to `minNgramSize`), finds their most recent earlier occurrence in the
 * prompt or the generated text, and proposes the tokens that followed it (up to the request's
 * limit). No match: no proposal, and the round samples one token from the target. Proposals are
 * deterministic (q is a point mass), which keeps speculative sampling exact.
 */
export function createPromptLookupDrafter(options: PromptLookupDrafterOptions = {}): Drafter {
  const maxNgramSize = options.maxNgramSize ?? 3
  const minNgramSize = options.minNgramSize ?? 1
  assertInteger('options.maxNgramSize', maxNgramSize, 1)
  assertInteger('options.minNgramSize', minNgramSize, 1)
  if (minNgramSize > maxNgramSize) {
    throw new InvalidArgumentError({
      argument: 'options.minNgramSize',
      expected: `an integer <= maxNgramSize (${maxNgramSize})`,
      received: minNgramSize,
    })
  }
  return {
    name: 'prompt-lookup',
    maxSequenceLength: Number.POSITIVE_INFINITY,
    async start(_prompt, count) {
      return Array.from({ length: count }, () => noSession)
    },
    async propose(requests) {
      return requests.map((request): DraftProposal => {
        const tokens = findContinuation(
          request.tokens,
          request.maxDraftTokens,
          minNgramSize,
          maxNgramSize,
        )
        return { tokens, probabilities: tokens.map(() => undefined) }
      })
    },
    update() {},
  }
}

/**
 * The tokens that followed the most recent earlier occurrence of the longest matching suffix
 * n-gram of `tokens` (n in [minimum, maximum]), at most `limit` of them; [] when none matches.
 */
export function findContinuation(
  tokens: readonly number[],
  limit: number,
  minimum: number,
  maximum: number,
): number[] {
  const length = tokens.length
  for (let size = Math.min(maximum, length - 1); size >= minimum; size--) {
    // Search backwards for an occurrence that ends before the final n-gram itself.
    for (let start = length - size - 1; start >= 0; start--) {
      let matches = true
      for (let offset = 0; offset < size; offset++) {
        if (tokens[start + offset] !== tokens[length - size + offset]) {
          matches = false
          break
        }
      }
      if (matches) {
        const from = start + size
        return tokens.slice(from, Math.min(from + limit, length)) as number[]
      }
    }
  }
  return []
}
