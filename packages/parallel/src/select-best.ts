// Best-of-N selection: a pure function over candidate scores with one documented tie rule.
import type { VotingCandidate } from './tally-votes.js'

/**
 * Index of the candidate with the highest score. Tie rule: the earliest candidate wins.
 * Failed candidates are never chosen; unscored ones (score undefined or NaN) lose to any scored
 * one. When no candidate is scored, the first candidate without error is returned; -1 when every
 * candidate failed.
 */
export function selectBest(candidates: readonly VotingCandidate[]): number {
  let best = -1
  let bestScore = Number.NEGATIVE_INFINITY
  let firstValid = -1
  candidates.forEach((candidate, index) => {
    if (candidate.error !== undefined) return
    if (firstValid === -1) firstValid = index
    const score = candidate.score
    if (score === undefined || Number.isNaN(score)) return
    if (best === -1 || score > bestScore) {
      best = index
      bestScore = score
    }
  })
  return best === -1 ? firstValid : best
}
