import { describe, expect, it } from 'vitest'
import { computeOpenAICost, findOpenAIPrice } from './openai-prices.js'

describe('openai prices', () => {
  it('matches exact ids and dated snapshots, preferring the longest base id', () => {
    expect(findOpenAIPrice('gpt-4o')?.inputPerMillion).toBe(2.5)
    expect(findOpenAIPrice('gpt-4o-2024-08-06')?.inputPerMillion).toBe(2.5)
    expect(findOpenAIPrice('gpt-4o-mini-2024-07-18')?.inputPerMillion).toBe(0.15)
    expect(findOpenAIPrice('gpt-4o-something')).toBeUndefined()
    expect(findOpenAIPrice('llama-3')).toBeUndefined()
  })

  it('bills cached prompt tokens at the cached rate', () => {
    const cost = computeOpenAICost(
      { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000, calls: 1 },
      { inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
    )
    expect(cost).toBeCloseTo(0.6 * 2 + 0.4 * 0.5 + 0.1 * 8, 10)
  })
})
