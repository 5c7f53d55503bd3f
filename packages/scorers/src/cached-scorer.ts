// Combinator: memoises a scorer's results by (prompt, output, partial), so that search and
// voting never pay twice for the same candidate.
import {
  emptyUsage,
  InvalidArgumentError,
  type Score,
  type ScoreOptions,
  type ScoreRequest,
  type Scorer,
} from '@metagen/core'
import { assertScorer } from './combine-scores.js'
import { unscorable, validateScoreRequests } from './score-requests.js'

/** Counters of a {@link CachedScorer}. */
export interface ScoreCacheStats {
  /** Requests answered from the cache (including duplicates within one batch). */
  hits: number
  /** Requests sent to the inner scorer. */
  misses: number
  /** Entries held now. */
  size: number
}

/** A scorer with a cache in front of it. */
export interface CachedScorer extends Scorer {
  /** Cache counters. */
  stats(): ScoreCacheStats
  /** Drops every entry (counters are kept). */
  clear(): void
}

/** Options of {@link createCachedScorer}. */
export interface CachedScorerOptions {
  /** The scorer to cache. */
  scorer: Scorer
  /** Most entries kept, an integer >= 1 (default 10 000); the least recently used is dropped first. */
  maxEntries?: number
}

/**
 * Caches `scorer` by (prompt, output, partial). Each batch sends only the requests not in the
 * cache to the inner scorer, once each (duplicates within a batch share one result), and the
 * usage reported is that of the inner call only (zero when everything was cached). Unscorable
 * results are not cached, so a transient failure is retried next time.
 */
export function createCachedScorer(options: CachedScorerOptions): CachedScorer {
  assertScorer('scorer', options?.scorer)
  const maxEntries = options.maxEntries ?? 10_000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new InvalidArgumentError({
      argument: 'maxEntries',
      expected: 'an integer >= 1',
      received: maxEntries,
    })
  }
  const inner = options.scorer
  const cache = new Map<string, Score>()
  let hits = 0
  let misses = 0
  const keyOf = (request: ScoreRequest) =>
    JSON.stringify([request.prompt, request.output, request.partial ?? false])
  return {
    specificationVersion: 'v1',
    name: inner.name,
    kind: inner.kind,
    stats: () => ({ hits, misses, size: cache.size }),
    clear: () => cache.clear(),
    async score(requests: readonly ScoreRequest[], scoreOptions: ScoreOptions = {}) {
      validateScoreRequests(requests)
      const scores: Score[] = new Array(requests.length)
      const pending = new Map<string, { request: ScoreRequest; indices: number[] }>()
      requests.forEach((request, index) => {
        const key = keyOf(request)
        const cached = cache.get(key)
        if (cached) {
          hits++
          cache.delete(key)
          cache.set(key, cached)
          scores[index] = cached
          return
        }
        const entry = pending.get(key)
        if (entry) {
          hits++
          entry.indices.push(index)
        } else {
          misses++
          pending.set(key, { request, indices: [index] })
        }
      })
      if (pending.size === 0) return { scores, usage: emptyUsage() }
      const entries = [...pending]
      const result = await inner.score(
        entries.map(([, entry]) => entry.request),
        scoreOptions,
      )
      entries.forEach(([key, entry], position) => {
        const score =
          result.scores[position] ??
          unscorable(
            `the scorer returned ${result.scores.length} scores for ${entries.length} requests`,
          )
        for (const index of entry.indices) scores[index] = score
        if (score.value !== undefined && score.error === undefined) {
          cache.set(key, score)
          if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string)
        }
      })
      return { scores, usage: result.usage }
    },
  }
}
