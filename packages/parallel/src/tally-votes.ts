// Vote counting shared by majority and weighted voting: a pure function over candidate keys
// and weights with one documented tie rule.
import { InvalidArgumentError } from '@metagen/core'

/** What a voting function needs of a candidate. */
export interface VotingCandidate {
  /** Vote key (normalised answer); a candidate without one does not vote. */
  key?: string | undefined
  /** Score; used by weighted votes and to pick a representative. */
  score?: number | undefined
  /** Failed candidates never vote and are never chosen. */
  error?: string | undefined
}

/** The votes of one answer. */
export interface AnswerTally {
  /** The vote key. */
  key: string
  /** Sum of the weights of its voters (the vote count for a plain majority). */
  weight: number
  /** Number of voters. */
  count: number
  /** Index of its first voter in the candidate list. */
  firstIndex: number
}

/** The outcome of a vote. */
export interface VoteResult {
  /**
   * Index of the chosen candidate: a voter for the winning answer (see `representative`), or,
   * when nobody voted, the first candidate without error; -1 when every candidate failed.
   */
  index: number
  /** The winning key, or undefined when nobody voted. */
  key: string | undefined
  /**
   * Every answer's tally, winner first: by weight (descending), then by count (descending), then
   * by firstIndex (ascending).
   */
  tally: AnswerTally[]
}

/** Options of {@link tallyVotes}. */
export interface TallyVotesOptions {
  /** Weight of a voter (default 1 for everyone: a plain majority). Must return a finite number >= 0. */
  weight?: (candidate: VotingCandidate, index: number) => number
  /**
   * Which voter of the winning answer is returned: `earliest` (default) the first one;
   * `highest-score` the one with the highest score (unscored last; ties by earliest).
   */
  representative?: 'earliest' | 'highest-score'
}

/**
 * Counts votes. Tie rule: among answers with equal total weight, the one with more voters wins;
 * if that ties too, the answer whose first voter comes earliest in the list wins (so results
 * never depend on hash or sort order). With a 0/1 scorer, answers no voter of which passed all
 * weigh 0 and fall back to a plain majority among themselves.
 * Throws {@link InvalidArgumentError} when a weight is negative, NaN or infinite.
 */
export function tallyVotes(
  candidates: readonly VotingCandidate[],
  options: TallyVotesOptions = {},
): VoteResult {
  const tallies = new Map<string, AnswerTally>()
  candidates.forEach((candidate, index) => {
    if (candidate.error !== undefined || candidate.key === undefined) return
    const weight = options.weight ? options.weight(candidate, index) : 1
    if (!Number.isFinite(weight) || weight < 0) {
      throw new InvalidArgumentError({
        argument: `weight of candidate ${index}`,
        expected:
          'a finite number >= 0 (map log-probabilities or signed scores with e.g. Math.exp)',
        received: weight,
      })
    }
    const tally = tallies.get(candidate.key)
    if (tally) {
      tally.weight += weight
      tally.count += 1
    } else {
      tallies.set(candidate.key, { key: candidate.key, weight, count: 1, firstIndex: index })
    }
  })
  const tally = [...tallies.values()].sort(
    (left, right) =>
      right.weight - left.weight || right.count - left.count || left.firstIndex - right.firstIndex,
  )
  const winner = tally[0]
  if (winner === undefined) {
    return {
      index: candidates.findIndex((candidate) => candidate.error === undefined),
      key: undefined,
      tally,
    }
  }
  let index = winner.firstIndex
  if (options.representative === 'highest-score') {
    let bestScore = Number.NEGATIVE_INFINITY
    candidates.forEach((candidate, position) => {
      if (candidate.error !== undefined || candidate.key !== winner.key) return
      const score = candidate.score
      if (score !== undefined && !Number.isNaN(score) && score > bestScore) {
        bestScore = score
        index = position
      }
    })
  }
  return { index, key: winner.key, tally }
}

/**
 * Majority vote (self-consistency, Wang et al. 2023): the answer with the most voters wins;
 * ties go to the answer that appeared first, and the returned candidate is that answer's
 * earliest voter.
 */
export function selectMajority(candidates: readonly VotingCandidate[]): VoteResult {
  return tallyVotes(candidates)
}

/**
 * Weighted majority vote: each voter adds `weight(score)` (default: the score itself; an
 * unscored voter adds 0) to its answer; the heaviest answer wins; ties go to the answer with more
 * voters, then to the answer that appeared first. The returned candidate is the winning answer's highest-scored voter (ties:
 * earliest). Throws {@link InvalidArgumentError} on a negative or non-finite weight.
 */
export function selectWeightedVote(
  candidates: readonly VotingCandidate[],
  weight: (score: number) => number = (score) => score,
): VoteResult {
  return tallyVotes(candidates, {
    weight: (candidate) => (candidate.score === undefined ? 0 : weight(candidate.score)),
    representative: 'highest-score',
  })
}
