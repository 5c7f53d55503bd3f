// LLM-as-judge scorer and pairwise judge over a fake language model.
import { callScorer, createCollectingTraceSink, createRunContext } from '@metagen/core'
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

describe('judges inside a run (score options context)', () => {
  it('makes every judge call through callModel: charged to the run budget, seeded and traced', async () => {
    const model = createFakeLanguageModel({ reply: 'Fine work. Score: 7' })
    const scorer = createJudgeScorer({ model, maxTokens: 16 })
    const trace = createCollectingTraceSink()
    const context = createRunContext({ budget: { outputTokens: 100 }, trace, seed: 5 })
    const result = await callScorer(context, scorer, [
      { prompt: 'q', output: 'one' },
      { prompt: 'q', output: 'two' },
    ])
    expect(result.scores.map((score) => score.value)).toEqual([6 / 9, 6 / 9])
    // two calls of 4 words each, charged once (not again by callScorer)
    expect(result.usage.outputTokens).toBe(8)
    expect(context.budget.spent.outputTokens).toBe(8)
    expect(context.budget.spent.calls).toBe(2)
    expect(model.requests.every((request) => typeof request.seed === 'number')).toBe(true)
    const score = trace.events.find((event) => event.kind === 'score')
    const calls = trace.events.filter((event) => event.kind === 'model-call')
    expect(calls).toHaveLength(2)
    expect(calls.every((event) => event.parentId === score?.id)).toBe(true)
  })

  it('caps the judge at the remaining budget and reports what the budget could not pay for', async () => {
    const model = createFakeLanguageModel({ reply: 'one two three four five six Score: 9' })
    const scorer = createJudgeScorer({ model })
    const context = createRunContext({ budget: { outputTokens: 10 } })
    const result = await callScorer(context, scorer, [
      { prompt: 'q', output: 'a' },
      { prompt: 'q', output: 'b' },
    ])
    expect(context.budget.spent.outputTokens).toBeLessThanOrEqual(10)
    expect(result.scores.some((score) => /budget/i.test(score.error ?? ''))).toBe(true)
  })

  it('runs the judge calls under the run concurrency limit', async () => {
    const model = createFakeLanguageModel({ reply: 'Score: 5', delayMs: 2 })
    const scorer = createJudgeScorer({ model, concurrency: 8 })
    const context = createRunContext({ concurrency: 2 })
    await callScorer(
      context,
      scorer,
      Array.from({ length: 6 }, (_, index) => ({ prompt: 'q', output: `answer ${index}` })),
    )
    expect(model.peakConcurrency).toBeLessThanOrEqual(2)
    expect(context.budget.spent.calls).toBe(6)
  })

  it('the pairwise judge charges the run it is given', async () => {
    const model = createFakeLanguageModel({ reply: 'A is better. [[A]]' })
    const judge = createPairwiseJudge({ model, swap: true })
    const context = createRunContext({ budget: { calls: 10 } })
    const result = await judge.compare([{ prompt: 'q', first: 'x', second: 'y' }], { context })
    expect(result.judgments[0]?.preference).toBe('tie')
    expect(context.budget.spent.calls).toBe(2)
    expect(result.usage.calls).toBe(2)
  })
})
