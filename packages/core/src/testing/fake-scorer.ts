// A Scorer for unit tests of meta-generators: scores come from a function of each request, and
// the scorer records its batches so that tests can check what was scored and how it was batched.
import { AbortedError, InvalidArgumentError } from '../errors.js'
import type { Score, ScoreRequest, Scorer, ScorerKind } from '../scorer.js'
import type { Usage } from '../usage.js'

/** Options of {@link createFakeScorer}. */
export interface FakeScorerOptions {
  /**
   * The score of one request: a number (the outcome value), undefined (unscorable, no error
   * given), or a whole {@link Score} (value, steps, error). `index` is the request's position in
   * its batch. An exception makes the whole `score` call throw it.
   */
  score: (request: ScoreRequest, index: number) => number | undefined | Score
  /** Name in traces (default `fake-scorer`). */
  name?: string
  /** What the scorer claims to produce (default outcome only). */
  kind?: Partial<ScorerKind>
  /** Usage of one `score` call (default: no tokens and one call). */
  usage?: (requests: readonly ScoreRequest[]) => Usage
}

/** The fake scorer plus what it recorded. */
export interface FakeScorer extends Scorer {
  /** Every batch scored, in call order. */
  readonly batches: ReadonlyArray<readonly ScoreRequest[]>
  /** Number of `score` calls (`batches.length`). */
  readonly calls: number
}

/**
 * Creates a fake {@link Scorer} that scores each request with `options.score`, one call per
 * batch. An aborted signal throws {@link AbortedError}.
 */
export function createFakeScorer(options: FakeScorerOptions): FakeScorer {
  if (typeof options?.score !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.score',
      expected: 'a function (request, index) => number | undefined | Score',
      received: options?.score,
    })
  }
  const batches: Array<readonly ScoreRequest[]> = []
  const usageOf = options.usage ?? (() => ({ inputTokens: 0, outputTokens: 0, calls: 1 }))
  return {
    specificationVersion: 'v1',
    name: options.name ?? 'fake-scorer',
    kind: { outcome: options.kind?.outcome ?? true, process: options.kind?.process ?? false },
    batches,
    get calls() {
      return batches.length
    },
    async score(requests, scoreOptions) {
      batches.push([...requests])
      if (scoreOptions?.signal?.aborted) throw new AbortedError()
      const scores = requests.map((request, index): Score => {
        const result = options.score(request, index)
        return typeof result === 'object' ? result : { value: result }
      })
      return { scores, usage: usageOf(requests) }
    },
  }
}
