// Log-probability scorer over a fake language model: reductions, batching by prompt, errors.
import { UnsupportedCapabilityError } from '@metagen/core'
import { createFakeLanguageModel, type FakeLanguageModelOptions } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { createLogprobScorer } from './logprob-scorer.js'

/** A model that scores each character of a continuation with `tokenLogprob` (default -0.5). */
const scoringModel = (tokenLogprob?: FakeLanguageModelOptions['tokenLogprob']) =>
  createFakeLanguageModel({
    reply: 'unused',
    tokenUnit: 'character',
    scoreContinuations: true,
    ...(tokenLogprob ? { tokenLogprob } : {}),
  })

describe('createLogprobScorer', () => {
  it('sums or averages token log-probabilities, one call per distinct prompt', async () => {
    const model = scoringModel((character) => (character === 'x' ? -2 : -0.5))
    const requests = [
      { prompt: 'P', output: 'ab' },
      { prompt: 'Q', output: 'xa' },
      { prompt: 'P', output: 'abx' },
    ]
    const sum = await createLogprobScorer({ model }).score(requests)
    expect(sum.scores.map((score) => score.value)).toEqual([-1, -2.5, -3])
    expect(model.scoreRequests.map((request) => [request.prompt, request.continuations])).toEqual([
      ['P', ['ab', 'abx']],
      ['Q', ['xa']],
    ])
    expect(sum.usage.calls).toBe(2)
    const mean = await createLogprobScorer({ model, reduction: 'mean' }).score(requests)
    expect(mean.scores.map((score) => score.value)).toEqual([-0.5, -1.25, -1])
  })

  it('throws UnsupportedCapabilityError for a model that cannot score', () => {
    const model = createFakeLanguageModel({ reply: 'unused' })
    expect(() => createLogprobScorer({ model })).toThrow(UnsupportedCapabilityError)
    expect(() => createLogprobScorer({ model })).toThrow(/capabilities\.scoring/)
  })

  it('reports empty outputs, -Infinity tokens, count mismatches and failed calls per item', async () => {
    const model = scoringModel((character) => (character === 'z' ? Number.NEGATIVE_INFINITY : -1))
    const { scores } = await createLogprobScorer({ model, reduction: 'mean' }).score([
      { prompt: 'P', output: '' },
      { prompt: 'P', output: 'az' },
      { prompt: 'P', output: 'a' },
    ])
    expect(scores[0]?.error).toMatch(/empty output/)
    expect(scores[1]?.error).toMatch(/log-probability -Infinity/)
    expect(scores[2]?.value).toBe(-1)

    let call = 0
    const flaky = createFakeLanguageModel({
      reply: 'unused',
      scoreContinuations: async (request) => {
        call++
        if (request.prompt === 'bad') throw new Error('server down')
        return {
          continuations: call > 5 ? [] : [{ logprobs: [] }],
          usage: { inputTokens: 0, outputTokens: 0, calls: 1 },
        }
      },
    })
    const result = await createLogprobScorer({ model: flaky }).score([
      { prompt: 'bad', output: 'a' },
      { prompt: 'ok', output: 'b' },
      { prompt: 'two', output: 'c' },
      { prompt: 'two', output: 'd' },
    ])
    expect(result.scores[0]?.error).toMatch(/scoring call failed: server down/)
    expect(result.scores[1]?.error).toMatch(/no token log-probabilities/)
    expect(result.scores[2]?.error).toMatch(/returned 1 continuations for 2 requested/)
    for (const score of result.scores) expect(score.value).toBeUndefined()
  })

  it('rejects a bad reduction', () => {
    const model = scoringModel()
    expect(() => createLogprobScorer({ model, reduction: 'max' as never })).toThrow(/reduction/)
  })
})
