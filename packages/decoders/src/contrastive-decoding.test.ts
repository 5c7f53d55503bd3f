import { logSoftmax } from '@metagen/core'
import { createFakeTokenModel, hashedLogits } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { contrastiveDecoding, createContrastiveCombiner } from './contrastive-decoding.js'
import {
  createContrastiveDecodingLanguageModel,
  createLogitArithmeticLanguageModel,
} from './contrastive-decoding-language-model.js'
import { createWeightedLogitsCombiner, logitArithmetic } from './logit-arithmetic.js'

describe('contrastive decoding', () => {
  it('scores log p_e - log p_a on the plausible head only (hand-computed)', () => {
    const expert = Float32Array.from([Math.log(0.6), Math.log(0.3), Math.log(0.1)])
    const amateur = Float32Array.from([Math.log(0.8), Math.log(0.1), Math.log(0.1)])
    const scores = createContrastiveCombiner({ alpha: 0.25 })([expert, amateur])
    // head: p_e >= 0.25 * 0.6 = 0.15 keeps tokens 0 and 1.
    expect(scores[0]).toBeCloseTo(Math.log(0.6 / 0.8), 5)
    expect(scores[1]).toBeCloseTo(Math.log(0.3 / 0.1), 5)
    expect(scores[2]).toBe(Number.NEGATIVE_INFINITY)
    expect(() => createContrastiveCombiner({ alpha: 0 })).toThrow(/alpha/)
  })

  it('decodes greedily over the contrastive scores and reports the expert logprobs', async () => {
    const expertLogits = hashedLogits(8, 1)
    const amateurLogits = hashedLogits(8, 2)
    const expert = createFakeTokenModel({ logits: expertLogits, modelId: 'expert' })
    const amateur = createFakeTokenModel({ logits: amateurLogits, modelId: 'amateur' })
    const result = await contrastiveDecoding({
      expert,
      amateur,
      prompt: [1, 2],
      maxTokens: 6,
      alpha: 0.1,
    })
    const combine = createContrastiveCombiner({ alpha: 0.1 })
    const tokens = [1, 2]
    const sequence = result.sequences[0]!
    sequence.tokenIds.forEach((token, index) => {
      const scores = combine([expertLogits(tokens), amateurLogits(tokens)])
      const best = scores.indexOf(Math.max(...scores))
      expect(token).toBe(best)
      expect(sequence.logprobs[index]).toBeCloseTo(logSoftmax(expertLogits(tokens))[token]!, 5)
      tokens.push(token)
    })
    // Each model prefilled once, then both are extended every step.
    expect(expert.stats().sequencesCreated).toBe(1)
    expect(amateur.stats().sequencesCreated).toBe(1)
    expect(expert.stats().liveSequences + amateur.stats().liveSequences).toBe(0)
    const model = createContrastiveDecodingLanguageModel({ expert, amateur, alpha: 0.1 })
    expect(model.modelId).toBe('expert-cd-amateur')
    const generated = await model.generate({ prompt: 'ab', maxTokens: 6 })
    expect(generated.outputs[0]!.tokenIds).toEqual(sequence.tokenIds)
  })
})

describe('logit arithmetic (DExperts)', () => {
  it('combines base + alpha (expert - anti-expert)', () => {
    const combine = createWeightedLogitsCombiner([1, 0.5, -0.5])
    const result = combine([
      Float32Array.from([1, 2]),
      Float32Array.from([4, 0]),
      Float32Array.from([2, 2]),
    ])
    expect(Array.from(result)).toEqual([2, 1])
    expect(() => createWeightedLogitsCombiner([1, Number.NaN])).toThrow(/weights/)
  })

  it('decodes greedily from the combined logits', async () => {
    const [baseLogits, expertLogits, antiLogits] = [
      hashedLogits(8, 3),
      hashedLogits(8, 4),
      hashedLogits(8, 5),
    ]
    const base = createFakeTokenModel({ logits: baseLogits })
    const expert = createFakeTokenModel({ logits: expertLogits })
    const antiExpert = createFakeTokenModel({ logits: antiLogits })
    const result = await logitArithmetic({
      base,
      expert,
      antiExpert,
      alpha: 2,
      prompt: [3],
      maxTokens: 5,
      sampling: { temperature: 0 },
    })
    const tokens = [3]
    for (const token of result.sequences[0]!.tokenIds) {
      const row = baseLogits(tokens).map(
        (value, index) => value + 2 * (expertLogits(tokens)[index]! - antiLogits(tokens)[index]!),
      )
      expect(token).toBe(row.indexOf(Math.max(...row)))
      tokens.push(token)
    }
    const model = createLogitArithmeticLanguageModel({ base, expert, antiExpert, alpha: 2 })
    const generated = await model.generate({ prompt: 'c', maxTokens: 5, temperature: 0 })
    expect(generated.outputs[0]!.tokenIds).toEqual(result.sequences[0]!.tokenIds)
    expect(generated.usage.flops).toBe(2 * 1000 * (base.stats().tokensProcessed / 2) * 3)
  })
})
