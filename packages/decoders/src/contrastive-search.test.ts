import { logSoftmax } from '@metagen/core'
import { createFakeTokenModel, hashedLogits } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { contrastiveSearch, logitsRepresentation } from './contrastive-search.js'
import { createContrastiveSearchLanguageModel } from './contrastive-search-language-model.js'
import { sampleSequences } from './sample-sequences.js'

/** Contrastive search written directly from its definition over the fake's logits function. */
function referenceContrastiveSearch(
  prompt: number[],
  k: number,
  alpha: number,
  steps: number,
): number[] {
  const logits = hashedLogits(8)
  const tokens = [...prompt]
  const history = prompt.map((_, position) =>
    logitsRepresentation(logits(tokens.slice(0, position + 1))),
  )
  const chosen: number[] = []
  for (let step = 0; step < steps; step++) {
    const distribution = Array.from(logSoftmax(logits(tokens)))
    const candidates = distribution
      .map((logprob, token) => ({ token, logprob }))
      .sort((a, b) => b.logprob - a.logprob || a.token - b.token)
      .slice(0, k)
    let best: { token: number; score: number; representation: Float64Array } = {
      token: -1,
      score: Number.NEGATIVE_INFINITY,
      representation: new Float64Array(),
    }
    for (const candidate of candidates) {
      const representation = logitsRepresentation(logits([...tokens, candidate.token]))
      const similarity = Math.max(
        ...history.map((previous) =>
          previous.reduce((sum, value, index) => sum + value * representation[index]!, 0),
        ),
      )
      const score = (1 - alpha) * Math.exp(candidate.logprob) - alpha * similarity
      if (score > best.score) best = { token: candidate.token, score, representation }
    }
    chosen.push(best.token)
    tokens.push(best.token)
    history.push(best.representation)
    if (best.token === 0) break
  }
  return chosen
}

describe('contrastiveSearch', () => {
  it('matches a direct implementation of its definition', async () => {
    for (const prompt of [[1], [2, 3, 4]]) {
      const model = createFakeTokenModel()
      const result = await contrastiveSearch({ model, prompt, topK: 3, alpha: 0.6, maxTokens: 10 })
      expect(result.sequences[0]!.tokenIds).toEqual(referenceContrastiveSearch(prompt, 3, 0.6, 10))
      expect(model.stats().liveSequences).toBe(0)
    }
  })

  it('reduces to greedy decoding with alpha 0 or k 1', async () => {
    const model = createFakeTokenModel()
    const greedy = await sampleSequences({
      models: [model],
      prompt: [5],
      maxTokens: 10,
      sampling: { temperature: 0 },
    })
    for (const options of [{ alpha: 0 }, { topK: 1 }]) {
      const result = await contrastiveSearch({ model, prompt: [5], maxTokens: 10, ...options })
      expect(result.sequences[0]!.tokenIds).toEqual(greedy.sequences[0]!.tokenIds)
    }
  })

  it('feeds k candidates per step in one batched pass and reports it', async () => {
    const model = createFakeTokenModel()
    const result = await contrastiveSearch({ model, prompt: [1, 2], topK: 4, maxTokens: 5 })
    const steps = result.sequences[0]!.tokenIds.length
    expect(model.calls.slice(1).every((call) => call.batch === 4)).toBe(true)
    expect(result.stats.forwardPasses).toBe(1 + steps)
    expect(result.stats.tokensProcessed).toBe(2 + 4 * steps)
  })

  it('as a language model returns identical copies for n > 1 with a warning', async () => {
    const model = createContrastiveSearchLanguageModel(createFakeTokenModel(), { topK: 3 })
    const result = await model.generate({ prompt: 'ab', n: 2, maxTokens: 4 })
    expect(result.outputs[0]!.tokenIds).toEqual(result.outputs[1]!.tokenIds)
    expect(result.warnings.some((warning) => warning.setting === 'n')).toBe(true)
  })
})
