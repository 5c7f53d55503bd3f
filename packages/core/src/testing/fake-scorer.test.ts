import { describe, expect, it } from 'vitest'
import { AbortedError, InvalidArgumentError } from '../errors.js'
import { createFakeScorer } from './fake-scorer.js'

describe('createFakeScorer', () => {
  it('scores each request, records batches and reports its usage', async () => {
    const scorer = createFakeScorer({
      score: ({ output }, index) =>
        output === 'bad' ? { value: undefined, error: 'unscorable' } : output.length + index,
      usage: (requests) => ({ inputTokens: requests.length, outputTokens: 0, calls: 1 }),
    })
    const result = await scorer.score([
      { prompt: 'p', output: 'abc' },
      { prompt: 'p', output: 'bad' },
    ])
    expect(result.scores).toEqual([{ value: 3 }, { value: undefined, error: 'unscorable' }])
    expect(result.usage).toEqual({ inputTokens: 2, outputTokens: 0, calls: 1 })
    expect(scorer.calls).toBe(1)
    expect(scorer.batches[0]?.map((request) => request.output)).toEqual(['abc', 'bad'])
    expect(scorer.kind).toEqual({ outcome: true, process: false })
    const controller = new AbortController()
    controller.abort()
    await expect(scorer.score([], { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortedError,
    )
    expect(() => createFakeScorer({} as never)).toThrow(InvalidArgumentError)
  })
})
