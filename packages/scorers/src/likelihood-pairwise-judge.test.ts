import { createRunContext, UnsupportedCapabilityError } from '@metagen/core'
import { createFakeLanguageModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { createLikelihoodPairwiseJudge } from './likelihood-pairwise-judge.js'

// Fake tokens are words; a word containing "wrong" is unlikely (-5), any other -1.
const model = createFakeLanguageModel({
  reply: 'unused',
  scoreContinuations: true,
  tokenLogprob: (token) => (token.includes('wrong') ? -5 : -1),
})

describe('createLikelihoodPairwiseJudge', () => {
  it('prefers the output with the higher mean token log-probability, through the run context', async () => {
    const judge = createLikelihoodPairwiseJudge({ model })
    const context = createRunContext({ budget: { calls: 10 } })
    const result = await judge.compare(
      [
        { prompt: 'Q: 2+2?', first: '2+2=4. The answer is 4.', second: 'wrong wrong 5.' },
        { prompt: 'Q: 2+2?', first: 'wrong 5.', second: 'fine 4.' },
        { prompt: 'Q: 2+2?', first: 'a b', second: 'c d e' },
        { prompt: 'Q: 2+2?', first: ' ', second: 'c' },
      ],
      { context },
    )
    expect(result.judgments.map((judgment) => judgment.preference)).toEqual([
      'first',
      'second',
      'tie',
      undefined,
    ])
    expect(result.judgments[3]?.error).toMatch(/empty output/)
    // one scoring call per judged match, charged to the run
    expect(context.budget.spent.calls).toBe(3)
    expect(result.usage.calls).toBe(3)
  })

  it('refuses a model that cannot score', () => {
    const plain = createFakeLanguageModel({ reply: 'x' })
    expect(() => createLikelihoodPairwiseJudge({ model: plain })).toThrow(
      UnsupportedCapabilityError,
    )
  })
})
