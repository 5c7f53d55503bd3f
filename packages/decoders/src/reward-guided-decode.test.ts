import { logSoftmax, type ScoreRequest } from '@metagen/core'
import { createFakeScorer, createFakeTokenModel, hashedLogits } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { rewardGuidedDecode } from './reward-guided-decode.js'
import { createRewardGuidedLanguageModel } from './reward-guided-language-model.js'
import { topEntries } from './sample-sequences.js'

const vocabSize = 8
const logits = hashedLogits(vocabSize, 21)
const letters = 'abcdefg'
/** A discriminator that likes some letters: s = (index of the last letter + 1) / 8. */
const likeLate = (request: ScoreRequest) => {
  const last = request.output.at(-1)
  return last === undefined ? 0.5 : (letters.indexOf(last) + 1) / 8
}

/** The definition, by hand: log q~ = log p + alpha log s on the top K, -Infinity elsewhere. */
function guidedLogprobs(
  tokens: readonly number[],
  generated: readonly number[],
  topK: number,
  alpha: number,
) {
  const logp = logSoftmax(logits(tokens))
  const candidates = topEntries(logp, topK).map((entry) => entry.tokenId)
  const weighted = new Array<number>(vocabSize).fill(Number.NEGATIVE_INFINITY)
  for (const token of candidates) {
    // The end-of-text candidate (id 0) is scored as the finished text so far.
    const text = generated.map((id) => letters[id - 1]).join('')
    const s = likeLate({ prompt: 'p', output: token === 0 ? text : text + letters[token - 1] })
    weighted[token] = logp[token]! + alpha * Math.log(s)
  }
  return { logq: logSoftmax(Float32Array.from(weighted)), candidates }
}

describe('rewardGuidedDecode', () => {
  it('samples from q ∝ p · s^alpha over the top K: every reported logprob is the formula', async () => {
    const model = createFakeTokenModel({ logits })
    const scorer = createFakeScorer({ score: likeLate })
    const result = await rewardGuidedDecode({
      model,
      scorer,
      prompt: [1, 2],
      promptText: 'p',
      topK: 3,
      alpha: 2,
      n: 3,
      maxTokens: 6,
      seed: 4,
    })
    for (const sequence of result.sequences) {
      const tokens = [1, 2]
      const generated: number[] = []
      sequence.tokenIds.forEach((token, index) => {
        const { logq, candidates } = guidedLogprobs(tokens, generated, 3, 2)
        expect(candidates).toContain(token)
        expect(sequence.logprobs[index]).toBeCloseTo(logq[token]!, 5)
        tokens.push(token)
        generated.push(token)
      })
    }
    // One scorer call per step for every sample's K candidates.
    for (const batch of scorer.batches) expect(batch.length % 3).toBe(0)
    expect(scorer.batches[0]).toHaveLength(9)
    expect(result.guidance.scorerCalls).toBe(scorer.calls)
    expect(result.guidance.candidatesScored).toBe(scorer.batches.flat().length)
    expect(model.stats().liveSequences).toBe(0)
  })

  it('is greedy over q~ at temperature 0, and alpha 0 is greedy decoding without scorer calls', async () => {
    const model = createFakeTokenModel({ logits })
    const scorer = createFakeScorer({ score: likeLate })
    const greedyGuided = await rewardGuidedDecode({
      model,
      scorer,
      prompt: [3],
      promptText: 'p',
      topK: 4,
      alpha: 1,
      maxTokens: 6,
      sampling: { temperature: 0 },
    })
    const tokens = [3]
    const generated: number[] = []
    for (const token of greedyGuided.sequences[0]!.tokenIds) {
      const { logq } = guidedLogprobs(tokens, generated, 4, 1)
      expect(token).toBe(Array.from(logq).indexOf(Math.max(...logq)))
      tokens.push(token)
      generated.push(token)
    }
    const unguided = await rewardGuidedDecode({
      model,
      scorer: createFakeScorer({ score: () => 1 }),
      prompt: [3],
      promptText: 'p',
      alpha: 0,
      maxTokens: 6,
      sampling: { temperature: 0 },
    })
    const plain: number[] = []
    const context = [3]
    for (let step = 0; step < unguided.sequences[0]!.tokenIds.length; step++) {
      const row = Array.from(logits(context))
      const best = row.indexOf(Math.max(...row))
      plain.push(best)
      context.push(best)
      if (best === 0) break
    }
    expect(unguided.sequences[0]!.tokenIds).toEqual(plain)
    expect(unguided.guidance.scorerCalls).toBe(0)
  })

  it('scores only every interval-th position, and uses the reward scale as log q~ = log p + alpha r', async () => {
    const model = createFakeTokenModel({ logits })
    const positions: number[] = []
    const scorer = createFakeScorer({
      score: (request) => {
        positions.push(request.output.length)
        return request.output.endsWith('g') ? 5 : -1
      },
    })
    const result = await rewardGuidedDecode({
      model,
      scorer,
      prompt: [1],
      promptText: 'p',
      topK: vocabSize,
      alpha: 0.5,
      interval: 3,
      rewardScale: 'reward',
      maxTokens: 7,
      sampling: { temperature: 0, minNewTokens: 7 },
    })
    // Candidate texts have length t + 1 for generated position t in {0, 3, 6}.
    expect(new Set(positions)).toEqual(new Set([1, 4, 7]))
    const sequence = result.sequences[0]!
    // Position 0 is guided: log p + 0.5 r over every token except the masked end-of-text.
    const logp = logSoftmax(logits([1]).map((value, token) => (token === 0 ? -Infinity : value)))
    const weighted = Array.from(logp, (value, token) => value + 0.5 * (token === 7 ? 5 : -1))
    expect(sequence.tokenIds[0]).toBe(weighted.indexOf(Math.max(...weighted)))
    expect(result.guidance.guidedSteps).toBe(3)
    expect(result.guidance.unguidedSteps).toBe(4)
  })

  it('falls back to p when every candidate scores 0 or one is unscorable', async () => {
    const model = createFakeTokenModel({ logits })
    for (const score of [
      () => 0,
      (request: ScoreRequest) => (request.output.endsWith('a') ? undefined : 0.5),
    ]) {
      const result = await rewardGuidedDecode({
        model,
        scorer: createFakeScorer({ score }),
        prompt: [2],
        promptText: 'p',
        topK: vocabSize,
        maxTokens: 1,
        sampling: { temperature: 0 },
      })
      const row = Array.from(logits([2]))
      expect(result.sequences[0]!.tokenIds[0]).toBe(row.indexOf(Math.max(...row)))
      expect(result.guidance.unguidedSteps).toBe(1)
    }
  })

  it('fails a sample whose probability-scale score is outside [0, 1], and validates its options', async () => {
    const model = createFakeTokenModel({ logits })
    const result = await rewardGuidedDecode({
      model,
      scorer: createFakeScorer({ score: () => 3 }),
      prompt: [2],
      promptText: 'p',
      maxTokens: 3,
    })
    expect(result.sequences[0]!.finishReason).toBe('error')
    expect(result.sequences[0]!.error?.message).toMatch(/\[0, 1\]/)
    const base = {
      model,
      scorer: createFakeScorer({ score: () => 1 }),
      prompt: [1],
      promptText: 'p',
    }
    await expect(rewardGuidedDecode({ ...base, topK: 0 })).rejects.toThrow(/topK/)
    await expect(rewardGuidedDecode({ ...base, alpha: -1 })).rejects.toThrow(/alpha/)
    await expect(rewardGuidedDecode({ ...base, interval: 1.5 })).rejects.toThrow(/interval/)
    await expect(rewardGuidedDecode({ ...base, rewardScale: 'log' as 'reward' })).rejects.toThrow(
      /rewardScale/,
    )
  })

  it('replays exactly with a seed and reports the scorer usage through the language model', async () => {
    const model = createFakeTokenModel({ logits })
    const scorer = createFakeScorer({
      score: likeLate,
      usage: (requests) => ({ inputTokens: requests.length, outputTokens: 0, calls: 1 }),
    })
    const languageModel = createRewardGuidedLanguageModel({ model, scorer, topK: 3 })
    const first = await languageModel.generate({ prompt: 'ab', n: 2, maxTokens: 5, seed: 8 })
    const second = await languageModel.generate({ prompt: 'ab', n: 2, maxTokens: 5, seed: 8 })
    expect(first.outputs.map((output) => output.text)).toEqual(
      second.outputs.map((output) => output.text),
    )
    const scored = scorer.batches.slice(0, scorer.calls / 2)
    expect(first.usage.calls).toBe(1 + scored.length)
    expect(first.usage.inputTokens).toBe(2 + scored.flat().length)
    expect(languageModel.modelId).toBe(`${model.modelId}+guided-by-fake-scorer`)
    // The scorer saw the prompt text and the candidate continuations.
    expect(scorer.batches[0]!.every((request) => request.prompt === 'ab')).toBe(true)
  })
})
