// Weighted sum, product, threshold and cache combinators over fake scorers.
import type { ScoreRequest, Scorer } from '@metagen/core'
import { createFakeScorer } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { createCachedScorer } from './cached-scorer.js'
import { createFunctionScorer } from './function-scorer.js'
import { createProductScorer } from './product-scorer.js'
import { createThresholdScorer } from './threshold-scorer.js'
import { createWeightedSumScorer } from './weighted-sum-scorer.js'

function constantProcessScorer(name: string, value: number, steps: number[]): Scorer {
  return createFunctionScorer({
    name,
    kind: { outcome: true, process: true },
    score: (request) =>
      request.output === 'broken'
        ? { value: undefined, error: 'cannot read it' }
        : { value, steps: steps.map((score, index) => ({ text: `s${index}`, score })) },
  })
}

describe('combinators', () => {
  const first = constantProcessScorer('first', 0.5, [1, 0.5])
  const second = constantProcessScorer('second', 0.25, [0.5, 0.5])
  const requests: ScoreRequest[] = [
    { prompt: 'p', output: 'fine' },
    { prompt: 'p', output: 'broken' },
  ]

  it('weighted sum combines values and steps, and reports unscorable components', async () => {
    const scorer = createWeightedSumScorer({
      components: [
        { scorer: first, weight: 0.5 },
        { scorer: second, weight: 2 },
      ],
    })
    expect(scorer.kind).toEqual({ outcome: true, process: true })
    const { scores } = await scorer.score(requests)
    expect(scores[0]).toEqual({
      value: 0.75,
      steps: [
        { text: 's0', score: 1.5 },
        { text: 's1', score: 1.25 },
      ],
    })
    expect(scores[1]).toEqual({ value: undefined, error: 'first: cannot read it' })
  })

  it('product multiplies, threshold binarises', async () => {
    const product = await createProductScorer({ scorers: [first, second] }).score(requests)
    expect(product.scores[0]).toEqual({
      value: 0.125,
      steps: [
        { text: 's0', score: 0.5 },
        { text: 's1', score: 0.25 },
      ],
    })
    const threshold = await createThresholdScorer({ scorer: first, threshold: 0.5 }).score(requests)
    expect(threshold.scores[0]).toEqual({
      value: 1,
      steps: [
        { text: 's0', score: 1 },
        { text: 's1', score: 1 },
      ],
    })
    expect(threshold.scores[1]?.error).toMatch(/cannot read it/)
  })

  it('reports different step counts instead of combining them', async () => {
    const other = constantProcessScorer('other', 1, [1])
    const { scores } = await createProductScorer({ scorers: [first, other] }).score(
      requests.slice(0, 1),
    )
    expect(scores[0]?.error).toMatch(/different step counts \(2, 1\)/)
  })

  it('rejects bad components', () => {
    expect(() => createWeightedSumScorer({ components: [] })).toThrow(/components/)
    expect(() =>
      createWeightedSumScorer({ components: [{ scorer: first, weight: Number.NaN }] }),
    ).toThrow(/components\[0\]\.weight/)
    expect(() => createProductScorer({ scorers: [{} as Scorer] })).toThrow(/scorers\[0\]/)
    expect(() =>
      createThresholdScorer({ scorer: first, threshold: Number.POSITIVE_INFINITY }),
    ).toThrow(/threshold/)
  })
})

describe('createCachedScorer', () => {
  it('scores each distinct (prompt, output, partial) once and reports only the uncached usage', async () => {
    const inner = createFakeScorer({
      name: 'inner',
      score: ({ output }) =>
        output === 'fail' ? { value: undefined, error: 'transient' } : output.length,
      usage: (requests) => ({ inputTokens: requests.length, outputTokens: 0, calls: 1 }),
    })
    const seen = inner.batches
    const cached = createCachedScorer({ scorer: inner, maxEntries: 2 })
    const first = await cached.score([
      { prompt: 'p', output: 'aa' },
      { prompt: 'p', output: 'aa' },
      { prompt: 'p', output: 'aa', partial: true },
      { prompt: 'p', output: 'fail' },
    ])
    expect(first.scores.map((score) => score.value)).toEqual([2, 2, 2, undefined])
    expect(seen[0]).toHaveLength(3)
    expect(first.usage.calls).toBe(1)
    const second = await cached.score([{ prompt: 'p', output: 'aa' }])
    expect(second.scores[0]?.value).toBe(2)
    expect(second.usage.calls).toBe(0)
    expect(seen).toHaveLength(1)
    await cached.score([{ prompt: 'p', output: 'fail' }])
    expect(seen).toHaveLength(2)
    expect(cached.stats()).toEqual({ hits: 2, misses: 4, size: 2 })
    cached.clear()
    expect(cached.stats().size).toBe(0)
  })
})
