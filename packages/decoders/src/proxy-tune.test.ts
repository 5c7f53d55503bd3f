import { logSoftmax } from '@metagen/core'
import { createFakeTokenModel, hashedLogits } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { logitArithmetic } from './logit-arithmetic.js'
import { proxyTune } from './proxy-tune.js'

describe('proxyTune (Liu et al. 2024)', () => {
  const baseLogits = hashedLogits(8, 11)
  const expertLogits = hashedLogits(8, 12)
  const antiLogits = hashedLogits(8, 13)
  const models = () => ({
    base: createFakeTokenModel({ logits: baseLogits, modelId: 'large' }),
    expert: createFakeTokenModel({ logits: expertLogits, modelId: 'small-tuned' }),
    antiExpert: createFakeTokenModel({ logits: antiLogits, modelId: 'small-untuned' }),
  })
  /** The paper's formula, computed here by hand: log softmax(s_M + alpha (s_M+ - s_M-)). */
  const proxyLogprobs = (tokens: readonly number[], alpha: number) =>
    logSoftmax(
      baseLogits(tokens).map(
        (value, index) =>
          value + alpha * (expertLogits(tokens)[index]! - antiLogits(tokens)[index]!),
      ),
    )

  it('samples from softmax(s_M + s_M+ - s_M-): every reported logprob is the formula', async () => {
    const result = await proxyTune({ ...models(), prompt: [1, 2], n: 3, maxTokens: 8, seed: 5 })
    for (const sequence of result.sequences) {
      const tokens = [1, 2]
      sequence.tokenIds.forEach((token, index) => {
        expect(sequence.logprobs[index]).toBeCloseTo(proxyLogprobs(tokens, 1)[token]!, 4)
        tokens.push(token)
      })
    }
  })

  it('is greedy over the proxy-tuned logits at temperature 0, with alpha scaling the offset', async () => {
    const result = await proxyTune({
      ...models(),
      alpha: 0.5,
      prompt: [4],
      maxTokens: 8,
      sampling: { temperature: 0 },
    })
    const tokens = [4]
    for (const token of result.sequences[0]!.tokenIds) {
      const row = Array.from(proxyLogprobs(tokens, 0.5))
      expect(token).toBe(row.indexOf(Math.max(...row)))
      tokens.push(token)
    }
  })

  it('equals the logit arithmetic it names (base + 1 x (expert - antiExpert)), token for token', async () => {
    const request = { prompt: [3, 1], n: 4, maxTokens: 10, seed: 9 }
    const proxied = await proxyTune({ ...models(), ...request })
    const arithmetic = await logitArithmetic({ ...models(), alpha: 1, ...request })
    expect(proxied.sequences.map((sequence) => sequence.tokenIds)).toEqual(
      arithmetic.sequences.map((sequence) => sequence.tokenIds),
    )
    expect(proxied.sequences.map((sequence) => sequence.logprobs)).toEqual(
      arithmetic.sequences.map((sequence) => sequence.logprobs),
    )
    expect(proxied.stats).toEqual(arithmetic.stats)
  })

  it('needs the anti-expert and a finite alpha', () => {
    const { base, expert } = models()
    expect(() =>
      proxyTune({ base, expert, prompt: [1] } as unknown as Parameters<typeof proxyTune>[0]),
    ).toThrow(/antiExpert/)
    expect(() => proxyTune({ ...models(), alpha: Number.NaN, prompt: [1] })).toThrow(/alpha/)
  })
})
