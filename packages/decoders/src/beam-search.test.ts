import { InvalidArgumentError, logSoftmax } from '@metagen/core'
import { createFakeTokenModel, hashedLogits } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { beamSearch, diverseBeamSearch } from './beam-search.js'
import { createBeamSearchLanguageModel } from './beam-search-language-model.js'
import { sampleSequences } from './sample-sequences.js'

/** Every sequence over `allowed` of length `horizon`, scored with the logits restricted to `allowed`. */
function exhaustiveBest(
  prompt: number[],
  allowed: number[],
  horizon: number,
  logits = hashedLogits(8),
) {
  let best = { tokens: [] as number[], logprob: Number.NEGATIVE_INFINITY }
  const visit = (tokens: number[], logprob: number) => {
    if (tokens.length === horizon) {
      if (logprob > best.logprob) best = { tokens, logprob }
      return
    }
    const row = logits([...prompt, ...tokens])
    const restricted = logSoftmax(allowed.map((token) => row[token]!))
    allowed.forEach((token, index) => {
      visit([...tokens, token], logprob + restricted[index]!)
    })
  }
  visit([], 0)
  return best
}

describe('beamSearch', () => {
  it('with width 1 equals greedy decoding (lengthPenalty 0, or early stopping)', async () => {
    for (const prompt of [[1], [2, 3], [4, 5, 6], [7]]) {
      const model = createFakeTokenModel()
      const greedy = await sampleSequences({
        models: [model],
        prompt,
        maxTokens: 12,
        sampling: { temperature: 0 },
      })
      for (const options of [{ lengthPenalty: 0 }, { earlyStopping: true }]) {
        const beam = await beamSearch({ model, prompt, beamWidth: 1, maxTokens: 12, ...options })
        expect(beam.sequences[0]!.tokenIds).toEqual(greedy.sequences[0]!.tokenIds)
        expect(beam.sequences[0]!.sequenceLogprob).toBeCloseTo(
          greedy.sequences[0]!.sequenceLogprob,
          9,
        )
      }
      expect(model.stats().liveSequences).toBe(0)
    }
  })

  it('with width 1 and a length penalty may search past an early eos for a better mean', async () => {
    const model = createFakeTokenModel()
    const beam = await beamSearch({
      model,
      prompt: [1],
      beamWidth: 1,
      maxTokens: 12,
      lengthPenalty: 1,
    })
    const greedy = await sampleSequences({
      models: [model],
      prompt: [1],
      maxTokens: 12,
      sampling: { temperature: 0 },
    })
    const mean = (sequence: { sequenceLogprob: number; tokenIds: number[] }) =>
      sequence.sequenceLogprob / sequence.tokenIds.length
    expect(mean(beam.sequences[0]!)).toBeGreaterThanOrEqual(mean(greedy.sequences[0]!) - 1e-9)
  })

  it('finds the exhaustive optimum when the beam holds every prefix, and never beats it', async () => {
    const allowed = [1, 2, 3]
    for (const prompt of [[1], [5, 6], [7, 2]]) {
      const best = exhaustiveBest(prompt, allowed, 3)
      const model = createFakeTokenModel()
      const full = await beamSearch({
        model,
        prompt,
        beamWidth: 9,
        maxTokens: 3,
        lengthPenalty: 0,
        processors: { allowedTokenIds: allowed },
      })
      expect(full.sequences[0]!.tokenIds).toEqual(best.tokens)
      expect(full.sequences[0]!.sequenceLogprob).toBeCloseTo(best.logprob, 5)
      const narrow = await beamSearch({
        model,
        prompt,
        beamWidth: 2,
        maxTokens: 3,
        lengthPenalty: 0,
        processors: { allowedTokenIds: allowed },
      })
      expect(narrow.sequences[0]!.sequenceLogprob).toBeLessThanOrEqual(best.logprob + 1e-6)
      expect(model.stats().liveSequences).toBe(0)
    }
  })

  it('returns n-best hypotheses sorted by length-normalised score, with eos handling', async () => {
    // eos becomes likely after 2 generated tokens.
    const logits = (tokens: readonly number[]) => {
      const row = hashedLogits(8)(tokens)
      if (tokens.length >= 3) row[0] = 4
      return row
    }
    const model = createFakeTokenModel({ logits })
    const result = await beamSearch({
      model,
      prompt: [1],
      beamWidth: 4,
      maxTokens: 6,
      lengthPenalty: 1,
    })
    expect(result.sequences.length).toBeGreaterThanOrEqual(4)
    for (const hypothesis of result.sequences) {
      expect(hypothesis.score).toBeCloseTo(
        hypothesis.sequenceLogprob / hypothesis.tokenIds.length,
        9,
      )
      const sum = hypothesis.logprobs.reduce((total, value) => total + value, 0)
      expect(hypothesis.sequenceLogprob).toBeCloseTo(sum, 9)
      if (hypothesis.finishReason === 'stop') expect(hypothesis.tokenIds.at(-1)).toBe(0)
    }
    const scores = result.sequences.map((hypothesis) => hypothesis.score)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    expect(result.sequences[0]!.finishReason).toBe('stop')
    // Beams share the prompt: one prefill, then one batched pass per step.
    expect(model.calls[0]).toEqual({ batch: 1, tokens: 1 })
    expect(model.stats().sequencesCreated).toBe(1)
    expect(result.stats.forwardPasses).toBe(model.stats().forwardPasses)
    expect(model.stats().liveSequences).toBe(0)
  })

  it('early stopping stops once B hypotheses finished', async () => {
    const logits = (tokens: readonly number[]) => {
      const row = hashedLogits(8)(tokens)
      row[0] = tokens.length >= 2 ? 5 : -5
      return row
    }
    const early = await beamSearch({
      model: createFakeTokenModel({ logits }),
      prompt: [1],
      beamWidth: 2,
      maxTokens: 8,
      earlyStopping: true,
    })
    const exact = await beamSearch({
      model: createFakeTokenModel({ logits }),
      prompt: [1],
      beamWidth: 2,
      maxTokens: 8,
    })
    expect(early.stats.forwardPasses).toBeLessThanOrEqual(exact.stats.forwardPasses)
    expect(exact.sequences[0]!.score).toBeGreaterThanOrEqual(early.sequences[0]!.score)
  })

  it('diverse beam search spreads the groups over different tokens', async () => {
    const model = createFakeTokenModel()
    const plain = await beamSearch({
      model,
      prompt: [3],
      beamWidth: 4,
      maxTokens: 4,
      lengthPenalty: 0,
    })
    const diverse = await diverseBeamSearch({
      model,
      prompt: [3],
      beamWidth: 4,
      maxTokens: 4,
      lengthPenalty: 0,
      diversityPenalty: 100,
    })
    const firstTokens = (sequences: Array<{ tokenIds: number[] }>) =>
      new Set(sequences.map((sequence) => sequence.tokenIds[0]))
    const groupsFirst = new Set(
      [0, 1, 2, 3].map(
        (group) => diverse.sequences.find((sequence) => sequence.group === group)?.tokenIds[0],
      ),
    )
    // With a huge penalty each group starts with a different token.
    expect(groupsFirst.size).toBe(4)
    expect(firstTokens(diverse.sequences).size).toBeGreaterThanOrEqual(
      firstTokens(plain.sequences.slice(0, 4)).size,
    )
    // Reported log-probabilities are the model's, without the diversity penalty.
    for (const hypothesis of diverse.sequences) {
      expect(hypothesis.logprobs.every((value) => value <= 0 && value > -20)).toBe(true)
    }
    expect(model.stats().liveSequences).toBe(0)
  })

  it('validates its options', async () => {
    const model = createFakeTokenModel()
    await expect(beamSearch({ model, prompt: [1], beamWidth: 0 })).rejects.toThrow(/beamWidth/)
    await expect(beamSearch({ model, prompt: [1], beamWidth: 4, groups: 3 })).rejects.toThrow(
      /groups/,
    )
    await expect(
      beamSearch({ model, prompt: [1], beamWidth: 2, processors: { topP: 0.5 } }),
    ).rejects.toThrow(/processors\.topP/)
    await expect(beamSearch({ model, prompt: [1], beamWidth: 2, maxTokens: 1000 })).rejects.toThrow(
      InvalidArgumentError,
    )
  })

  it('as a language model returns the n best, warns about sampling fields and rejects n > width', async () => {
    const model = createBeamSearchLanguageModel(createFakeTokenModel(), { beamWidth: 3 })
    const result = await model.generate({
      prompt: 'ab',
      n: 2,
      maxTokens: 5,
      temperature: 0.7,
      logprobs: true,
    })
    expect(result.outputs).toHaveLength(2)
    expect(result.warnings.map((warning) => warning.setting)).toEqual(['temperature'])
    const total = (index: number) =>
      result.outputs[index]!.logprobs!.reduce((sum, entry) => sum + entry.logprob, 0)
    expect(total(0) / result.outputs[0]!.tokenIds!.length).toBeGreaterThanOrEqual(
      total(1) / result.outputs[1]!.tokenIds!.length,
    )
    await expect(model.generate({ prompt: 'ab', n: 4 })).rejects.toThrow(/at most beamWidth/)
  })
})

describe('beamSearch logitsProcessor', () => {
  it('runs on each beam raw row with its generated tokens; hypotheses use only what it allows', async () => {
    const model = createFakeTokenModel()
    const generatedSeen = new Set<string>()
    const result = await beamSearch({
      model,
      prompt: [1, 2],
      beamWidth: 3,
      maxTokens: 5,
      logitsProcessor: (logits, context) => {
        expect(context.tokens.slice(0, 2)).toEqual([1, 2])
        generatedSeen.add(context.tokens.slice(2).join(','))
        const result = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY)
        for (const token of context.generatedCount < 3 ? [4, 5, 6] : [0])
          result[token] = logits[token] as number
        return result
      },
    })
    expect(result.sequences.length).toBeGreaterThan(0)
    for (const hypothesis of result.sequences) {
      expect(hypothesis.tokenIds).toHaveLength(4)
      expect(hypothesis.tokenIds.slice(0, 3).every((token) => [4, 5, 6].includes(token))).toBe(true)
      expect(hypothesis.tokenIds[3]).toBe(0)
      // Every prefix of a hypothesis was shown to the processor as that beam's generated tokens.
      for (let length = 0; length < 4; length++)
        expect(generatedSeen.has(hypothesis.tokenIds.slice(0, length).join(','))).toBe(true)
    }
    expect(model.stats().liveSequences).toBe(0)
  })

  it('throws a clear error when it leaves every token -Infinity, and frees every state', async () => {
    const model = createFakeTokenModel()
    const error = await beamSearch({
      model,
      prompt: [1],
      beamWidth: 2,
      maxTokens: 4,
      logitsProcessor: (logits) => new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY),
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect((error as InvalidArgumentError).argument).toBe('logitsProcessor')
    expect(model.stats().liveSequences).toBe(0)
  })
})
