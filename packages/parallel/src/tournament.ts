// Tournament selection: N candidates compared two at a time by a pairwise judge, in a knockout
// bracket or a round-robin, for outputs that a pointwise scorer grades poorly but a judge can rank.
import {
  addUsage,
  emptyUsage,
  type Generator,
  InvalidArgumentError,
  parseOption,
  questionText,
  type RunContext,
  type TextInput,
  type TextOutput,
  UnsupportedCapabilityError,
  type Usage,
} from '@metagen/core'
import type { PairwiseJudge } from '@metagen/scorers'
import { createCandidateSampler } from './candidate-sampler.js'
import { tournamentOptionSchemas } from './option-schemas.js'
import { type SampleSourceOptions, validateSampleSourceOptions } from './sample-source.js'
import { buildSelectionResult } from './selection-output.js'

/** How the candidates meet: a single-elimination bracket or every pair once. */
export type TournamentMode = 'knockout' | 'round-robin'

/** Options of {@link tournament}. */
export interface TournamentOptions extends SampleSourceOptions {
  /** Number of samples, an integer >= 2 (default 8). */
  n?: number
  /**
   * Decides each match (see `createPairwiseJudge` of `@metagen/scorers`). A judge created with
   * `swap: true` asks in both orders to cancel position bias (two judge calls per match).
   */
  judge: PairwiseJudge
  /** `knockout` (default; n - 1 matches) or `round-robin` (n (n - 1) / 2 matches). */
  mode?: TournamentMode
}

/** One match between two candidates. */
export interface TournamentMatch {
  /** 0-based round (always 0 in a round-robin, where every match is played at once). */
  round: number
  /** Index (in `candidates`, draw order) of the candidate shown first (as A) to the judge. */
  first: number
  /** Index of the candidate shown second (as B). */
  second: number
  /** The judge's verdict; undefined when it gave none (failed or unparseable call). */
  preference: 'first' | 'second' | 'tie' | undefined
  /** Index of the candidate that advanced (knockout) or undefined in a round-robin. */
  winner?: number
  /** Why there is no verdict. */
  error?: string
  /** The judge's reply when it replied without a parseable verdict. */
  reply?: string
}

/** What {@link tournament} returns besides the text. */
export interface TournamentOutput extends TextOutput {
  mode: TournamentMode
  /** Every match, in the order played. Empty when fewer than two samples succeeded. */
  matches: TournamentMatch[]
  /**
   * Round-robin only: points per candidate (draw order): 1 per win, 0.5 per tie, 0 per loss or
   * match without a verdict; null for a failed sample.
   */
  points?: (number | null)[]
}

/**
 * Tournament selection: draws `n` samples and lets `judge` compare them in pairs. Only the samples
 * that did not fail enter, in draw order (their seed order); the winner is returned.
 *
 * - **knockout**: with m entrants and P the largest power of two <= m, round 0 is a play-in when
 *   m is not a power of two: the first 2P - m entrants get a bye and the last 2(m - P) play in
 *   adjacent pairs; then every round pairs adjacent survivors (1st v 2nd, 3rd v 4th, ...), the
 *   bye holders first, until one is left. Exactly m - 1 matches, all matches of a round in one
 *   `judge.compare` call; the earlier entrant is shown first.
 * - **round-robin**: every pair (i < j) plays once, all in one `judge.compare` call, i shown
 *   first; a win is 1 point, a tie 0.5 to each; the most points win, ties in points go to the
 *   earliest sample.
 *
 * A match without a verdict (the judge call failed, its reply was unparseable or the budget ran
 * out) is recorded with its `error` and decides nothing: in a knockout the earlier entrant
 * advances, as on a tie; in a round-robin neither gets a point. The other matches stand. When the
 * run's budget is exhausted before a knockout round, its matches are not sent to the judge (same
 * rule, error `budget exhausted`) and the result has `stoppedBy: 'budget'`. But when no match
 * got a verdict although the judge replied to every one (a judge model that cannot follow the
 * judging prompt, like the tinymath models, which answer in their own format), the tournament
 * throws UnsupportedCapabilityError (capability `pairwise-judging`) naming the number of
 * matches and an example reply and suggesting `judgeBy: 'likelihood'`
 * (`createLikelihoodPairwiseJudge`) instead of returning an arbitrary winner.
 * Judge calls go through the run context (budget, concurrency, seed, trace); their usage is part
 * of the result's usage. With one successful sample it wins without a judge call.
 */
export function tournament(options: TournamentOptions): Generator<TextInput, TournamentOutput> {
  validateSampleSourceOptions(options)
  const n = options.n ?? 8
  parseOption('options.n', tournamentOptionSchemas.n, n)
  const mode = parseOption('options.mode', tournamentOptionSchemas.mode, options.mode ?? 'knockout')
  const judge = options.judge
  if (typeof judge !== 'object' || judge === null || typeof judge.compare !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.judge',
      expected: 'a PairwiseJudge (with compare(), e.g. createPairwiseJudge of @metagen/scorers)',
      received: judge,
    })
  }
  return {
    name: 'tournament',
    async run(input: TextInput, context: RunContext) {
      const sampler = createCandidateSampler(context, input, options)
      await sampler.sample(n)
      const entrants = sampler.candidates
        .filter((candidate) => candidate.error === undefined)
        .map((candidate) => candidate.index)
      const texts = new Map(
        sampler.candidates.map((candidate) => [candidate.index, candidate.text]),
      )
      const prompt = questionText(input)
      const usages: Usage[] = []
      let stoppedByBudget = false
      const play = async (round: number, pairs: readonly (readonly [number, number])[]) => {
        if (pairs.length === 0) return []
        if (context.budget.isExhausted()) {
          stoppedByBudget = true
          return pairs.map(
            ([first, second]): TournamentMatch => ({
              round,
              first,
              second,
              preference: undefined,
              error: 'budget exhausted',
            }),
          )
        }
        const result = await judge.compare(
          pairs.map(([first, second]) => ({
            prompt,
            first: texts.get(first) ?? '',
            second: texts.get(second) ?? '',
          })),
          { context },
        )
        usages.push(result.usage)
        return pairs.map(([first, second], position): TournamentMatch => {
          const judgment = result.judgments[position]
          const match: TournamentMatch = {
            round,
            first,
            second,
            preference: judgment?.preference,
          }
          if (judgment?.preference === undefined) {
            match.error = judgment?.error ?? 'the judge returned no judgment'
            if (judgment?.reply !== undefined) match.reply = judgment.reply
          }
          return match
        })
      }

      const matches: TournamentMatch[] = []
      let winner = entrants[0] ?? 0
      let points: (number | null)[] | undefined
      if (mode === 'knockout' && entrants.length > 1) {
        let alive = entrants
        let round = 0
        while (alive.length > 1) {
          const { byes, pairs } = pairKnockoutRound(alive)
          const played = await play(round, pairs)
          for (const match of played) {
            match.winner = match.preference === 'second' ? match.second : match.first
          }
          matches.push(...played)
          alive = [...byes, ...played.map((match) => match.winner as number)]
          round++
        }
        winner = alive[0] as number
      } else if (mode === 'round-robin' && entrants.length > 1) {
        const pairs: [number, number][] = []
        entrants.forEach((first, position) => {
          for (const second of entrants.slice(position + 1)) pairs.push([first, second])
        })
        matches.push(...(await play(0, pairs)))
        points = sampler.candidates.map((candidate) => (candidate.error === undefined ? 0 : null))
        const award = (index: number, amount: number) => {
          points![index] = (points![index] ?? 0) + amount
        }
        for (const match of matches) {
          if (match.preference === 'first') award(match.first, 1)
          else if (match.preference === 'second') award(match.second, 1)
          else if (match.preference === 'tie') {
            award(match.first, 0.5)
            award(match.second, 0.5)
          }
        }
        // Strictly more points replace the leader: ties in points stay with the earliest sample.
        for (const index of entrants) {
          if ((points[index] ?? 0) > (points[winner] ?? 0)) winner = index
        }
      }
      if (!stoppedByBudget && context.budget.isExhausted() && matches.some((m) => m.error)) {
        stoppedByBudget = true
      }
      if (!stoppedByBudget) assertSomeVerdict(matches, judge.name)
      context.emit({
        kind: 'note',
        id: context.nextId('v'),
        name: 'tournament',
        data: {
          mode,
          judge: judge.name,
          chosen: winner,
          matches: matches.map(({ round, first, second, preference, winner: advanced }) => ({
            round,
            first,
            second,
            preference: preference ?? null,
            winner: advanced ?? null,
          })),
          ...(points ? { points } : {}),
        },
      })
      const extra: Pick<TournamentOutput, 'mode' | 'matches' | 'points'> = { mode, matches }
      if (points) extra.points = points
      const result = buildSelectionResult({
        name: 'tournament',
        sampler,
        index: winner,
        extraUsage: usages.length > 0 ? addUsage(...usages) : emptyUsage(),
        extra,
      })
      if (stoppedByBudget) result.stoppedBy = 'budget'
      return result as typeof result & { output: TournamentOutput }
    },
  }
}

/**
 * The pairings of one knockout round over `alive` (in bracket order): when its length m is not a
 * power of two, the first 2P - m (P the largest power of two <= m) get a bye and the rest play in
 * adjacent pairs; otherwise everyone plays in adjacent pairs. Exported for tests and tooling.
 */
export function pairKnockoutRound(alive: readonly number[]): {
  byes: number[]
  pairs: [number, number][]
} {
  const m = alive.length
  let power = 1
  while (power * 2 <= m) power *= 2
  const byeCount = m === power ? 0 : 2 * power - m
  const pairs: [number, number][] = []
  for (let position = byeCount; position + 1 < m; position += 2) {
    pairs.push([alive[position] as number, alive[position + 1] as number])
  }
  return { byes: alive.slice(0, byeCount), pairs }
}

/**
 * Throws UnsupportedCapabilityError when `matches` is not empty and the judge replied to every
 * match without a parseable verdict: its choice of winner would be arbitrary (the earlier
 * entrant in a knockout, the earliest sample in a round-robin). A partial loss of verdicts, or
 * matches without a verdict because a call failed, pass.
 */
function assertSomeVerdict(matches: readonly TournamentMatch[], judgeName: string): void {
  if (matches.length === 0 || !matches.every((match) => match.reply !== undefined)) return
  if (matches.some((match) => match.preference !== undefined)) return
  const example = matches.find((match) => match.reply?.trim() !== '')?.reply
  const shown =
    example === undefined
      ? 'every reply was empty'
      : `e.g. it replied ${JSON.stringify(example.length > 120 ? `${example.slice(0, 120)}...` : example)}`
  const count = matches.length === 1 ? 'the only match' : `all ${matches.length} matches`
  throw new UnsupportedCapabilityError({
    capability: 'pairwise-judging',
    message:
      `tournament: the judge ${judgeName} replied to ${count} without a parseable verdict ` +
      `([[A]], [[B]] or [[C]]), so no match was decided (${shown}; first error: ` +
      `${matches[0]?.error}). A model that cannot follow the judging prompt (the tinymath ` +
      `models answer in their own Q:/A: format) can judge by likelihood instead: ` +
      `judgeBy: 'likelihood' in the strategy spec, --judge-by likelihood on the command line, ` +
      `or createLikelihoodPairwiseJudge of @metagen/scorers.`,
  })
}
