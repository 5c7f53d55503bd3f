import { describe, expect, it } from 'vitest'
import { computeAnthropicCost, findAnthropicPrice } from './anthropic-prices.js'

describe('anthropic prices', () => {
  it('matches exact ids and dated snapshots', () => {
    expect(findAnthropicPrice('claude-haiku-4-5')?.inputPerMillion).toBe(1)
    expect(findAnthropicPrice('claude-haiku-4-5-20251001')?.inputPerMillion).toBe(1)
    expect(findAnthropicPrice('claude-sonnet-4-5-20250929')?.outputPerMillion).toBe(15)
    expect(findAnthropicPrice('claude-opus-5')).toBeUndefined()
  })

  it('prices cache writes (5 min and 1 h) and reads relative to the input price', () => {
    const usage = {
      inputTokens: 1_000_000,
      cacheWriteInputTokens: 300_000,
      cachedInputTokens: 500_000,
      outputTokens: 100_000,
      calls: 2,
    }
    const price = { inputPerMillion: 3, outputPerMillion: 15 }
    // 200k uncached at $3, 200k written (5m) at $3.75, 100k written (1h) at $6, 500k read at $0.30, 100k out at $15
    expect(computeAnthropicCost(usage, price, 100_000)).toBeCloseTo(
      0.6 + 0.75 + 0.6 + 0.15 + 1.5,
      10,
    )
  })
})
