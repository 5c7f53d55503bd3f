// LLM-as-judge scorer and pairwise judge over a fake language model.
import { createFakeLanguageModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { createJudgeScorer } from './judge-scorer.js'
import { createPairwiseJudge } from './pairwise-judge.js'

describe('createJudgeScorer', () => {
  it('maps the parsed grade to [0, 1] and reports unparseable replies without guessing', async () => {
    const model = createFakeLanguageModel({
      reply: ({ request }) => {
        const prompt = request.prompt ?? ''
        if (prompt.includes('good')) return 'Clear and right. Score: 10'
        if (prompt.includes('meh')) return 'Score: 4'
        if (prompt.includes('crash')) throw new Error('rate limited')
        return 'I cannot decide.'
      },
    })
    const scorer = createJudgeScorer({ model })
    const { scores, usage } = await scorer.score([
      { prompt: 'q', output: 'good' },
      { prompt: 'q', output: 'meh' },
      { prompt: 'q', output: 'unclear' },
      { prompt: 'q', output: '' },
      { prompt: 'q', output: 'crash' },
    ])
    expect(scores[0]).toEqual({ value: 1 })
    expect(scores[1]?.value).toBeCloseTo(3 / 9, 12)
    expect(scores[2]).toEqual({
      value: undefined,
      error: expect.stringMatching(/no score in the judge reply/),
    })
    expect(scores[3]?.error).toMatch(/empty output/)
    expect(scores[4]?.error).toMatch(/judge call failed: rate limited/)
    expect(model.requests.every((request) => request.temperature === 0)).toBe(true)
    expect(usage.calls).toBe(3)
    expect(scores.some((score) => Number.isNaN(score.value))).toBe(false)
  })

  it('uses a custom template (chat messages) and scale', async () => {
    const model = createFakeLanguageModel({ reply: '[[3]]' })
    const scorer = createJudgeScorer({
      model,
      scale: { min: 0, max: 5 },
      template: (request) => [{ role: 'user', content: `Grade ${request.output}` }],
    })
    expect((await scorer.score([{ prompt: 'q', output: 'x' }])).scores[0]).toEqual({ value: 0.6 })
    expect(model.requests[0]?.messages).toEqual([{ role: 'user', content: 'Grade x' }])
  })

  it('rejects a bad scale or model', () => {
    const model = createFakeLanguageModel({ reply: 'Score: 5' })
    expect(() => createJudgeScorer({ model, scale: { min: 5, max: 5 } })).toThrow(/scale/)
    expect(() => createJudgeScorer({ model: {} as never })).toThrow(/model/)
  })
})

describe('createPairwiseJudge', () => {
  it('parses verdicts and reports unparseable ones', async () => {
    const model = createFakeLanguageModel({
      reply: ({ prompt }) => (prompt.includes('Response A:\nleft') ? '[[A]]' : 'hmm'),
    })
    const judge = createPairwiseJudge({ model })
    const { judgments } = await judge.compare([
      { prompt: 'q', first: 'left', second: 'right' },
      { prompt: 'q', first: 'right', second: 'left' },
      { prompt: 'q', first: '', second: 'left' },
    ])
    expect(judgments[0]).toEqual({ preference: 'first' })
    expect(judgments[1]?.preference).toBeUndefined()
    expect(judgments[1]?.error).toMatch(/no verdict/)
    expect(judgments[2]?.error).toMatch(/empty output/)
  })

  it('with swap, cancels position bias into a tie and keeps consistent verdicts', async () => {
    const biased = createPairwiseJudge({
      model: createFakeLanguageModel({ reply: '[[A]]' }),
      swap: true,
    })
    expect((await biased.compare([{ prompt: 'q', first: 'x', second: 'y' }])).judgments[0]).toEqual(
      {
        preference: 'tie',
      },
    )
    const consistent = createPairwiseJudge({
      model: createFakeLanguageModel({
        reply: ({ prompt }) => (/Response A:\nbetter/.test(prompt) ? '[[A]]' : '[[B]]'),
      }),
      swap: true,
    })
    const result = await consistent.compare([{ prompt: 'q', first: 'worse', second: 'better' }])
    expect(result.judgments[0]).toEqual({ preference: 'second' })
    expect(result.usage.calls).toBe(2)
  })

  it('rejects malformed comparisons naming the field', async () => {
    const judge = createPairwiseJudge({ model: createFakeLanguageModel({ reply: '[[A]]' }) })
    await expect(judge.compare([{ prompt: 'q', first: 'a' } as never])).rejects.toThrow(
      /comparisons\[0\]\.second/,
    )
  })
})
