import { InvalidArgumentError, softmax } from '@metagen/core'
import { createFakeTokenModel, hashedLogits } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { sampleSequences } from '../sample-sequences.js'
import { chiSquaredGoodnessOfFit } from './chi-squared.js'
import { createModelDrafter } from './model-drafter.js'
import { createPromptLookupDrafter, findContinuation } from './prompt-lookup-drafter.js'
import { speculativeDecode } from './speculative-decode.js'

const vocabSize = 8
const target = createFakeTokenModel({
  vocabSize,
  logits: hashedLogits(vocabSize, 0),
  modelId: 'target',
})
// A draft that agrees with the target on some contexts only.
const draft = createFakeTokenModel({
  vocabSize,
  modelId: 'draft',
  logits: (tokens) => {
    const own = hashedLogits(vocabSize, 7)(tokens)
    const reference = hashedLogits(vocabSize, 0)(tokens)
    return ((tokens[tokens.length - 1] ?? 0) % 2 === 0 ? reference : own).map(
      (value, index) => value + 0.3 * (own[index] as number),
    )
  },
})

describe('speculativeDecode, greedy', () => {
  it('returns exactly the target greedy output, for every k and drafter', async () => {
    for (const prompt of [[1], [2, 3], [4, 5, 6, 1]]) {
      const reference = await sampleSequences({
        models: [target],
        prompt,
        maxTokens: 30,
        sampling: { temperature: 0 },
      })
      const expected = reference.sequences[0]?.tokenIds
      for (const drafter of [
        createModelDrafter(draft),
        createModelDrafter(target),
        createPromptLookupDrafter(),
      ]) {
        for (const k of [1, 3, 6]) {
          for (const adaptive of [false, true]) {
            const result = await speculativeDecode({
              target,
              drafter,
              prompt,
              maxTokens: 30,
              k,
              adaptive,
              sampling: { temperature: 0 },
            })
            expect(result.sequences[0]?.tokenIds, `${drafter.name} k=${k}`).toEqual(expected)
            expect(result.sequences[0]?.finishReason).toBe(reference.sequences[0]?.finishReason)
          }
        }
      }
    }
  })

  it('accepts everything from a draft equal to the target and saves target passes', async () => {
    const result = await speculativeDecode({
      target,
      drafter: createModelDrafter(target),
      prompt: [1, 2],
      maxTokens: 40,
      k: 4,
      sampling: { temperature: 0, bannedTokenIds: [0] },
    })
    expect(result.stats.acceptanceRate).toBe(1)
    expect(result.sequences[0]?.tokenIds).toHaveLength(40)
    // 40 tokens in rounds of 5 (4 drafts + 1 bonus): 8 verifications, plus the prefill.
    expect(result.stats.rounds).toBe(8)
    expect(result.stats.targetForwardPasses).toBe(9)
    expect(result.stats.tokensPerRound).toBe(5)
  })

  it('keeps penalties exact: repetition penalty and no-repeat-n-gram see the drafted context', async () => {
    const sampling = { temperature: 0, repetitionPenalty: 1.7, noRepeatNgramSize: 2 }
    const reference = await sampleSequences({
      models: [target],
      prompt: [3],
      maxTokens: 25,
      sampling,
    })
    const result = await speculativeDecode({
      target,
      drafter: createModelDrafter(draft),
      prompt: [3],
      maxTokens: 25,
      k: 5,
      sampling,
    })
    expect(result.sequences[0]?.tokenIds).toEqual(reference.sequences[0]?.tokenIds)
  })
})

describe('speculativeDecode, sampling', () => {
  /** Exact distribution of the first two tokens after `prompt` under softmax(logits / T). */
  function exactDistributions(prompt: number[], temperature: number) {
    const logitsOf = hashedLogits(vocabSize, 0)
    const scaled = (tokens: number[]) => logitsOf(tokens).map((value) => value / temperature)
    const first = softmax(scaled(prompt))
    const pairs = new Float64Array(vocabSize * vocabSize)
    for (let a = 1; a < vocabSize; a++) {
      const second = softmax(scaled([...prompt, a]))
      for (let b = 0; b < vocabSize; b++) {
        pairs[a * vocabSize + b] = (first[a] as number) * (second[b] as number)
      }
    }
    return { first, pairs }
  }

  it('preserves the target distribution of the first two tokens (chi-squared, alpha 0.001)', async () => {
    // The prompt repeats [2, 5] so that prompt lookup has something to propose.
    const prompt = [2, 5, 3, 2, 5]
    const temperature = 1.3
    const { first, pairs } = exactDistributions(prompt, temperature)
    for (const drafter of [
      createModelDrafter(draft),
      createPromptLookupDrafter({ minNgramSize: 1 }),
    ]) {
      const result = await speculativeDecode({
        target,
        drafter,
        prompt,
        n: 6000,
        maxTokens: 2,
        k: 3,
        seed: 11,
        sampling: { temperature },
      })
      const firstCounts = new Float64Array(vocabSize)
      const pairCounts = new Float64Array(vocabSize * vocabSize)
      for (const sequence of result.sequences) {
        const [a, b] = sequence.tokenIds as [number, number | undefined]
        firstCounts[a] = (firstCounts[a] as number) + 1
        if (a !== 0 && b !== undefined)
          pairCounts[a * vocabSize + b] = (pairCounts[a * vocabSize + b] as number) + 1
      }
      // Pairs are compared conditionally on a non-eos first token.
      const nonEos = 1 - (first[0] as number)
      const pairProbabilities = pairs.map((value) => value / nonEos)
      const firstTest = chiSquaredGoodnessOfFit(firstCounts, first)
      const pairTest = chiSquaredGoodnessOfFit(pairCounts, pairProbabilities)
      expect(
        firstTest.pValue,
        `${drafter.name} first ${JSON.stringify(firstTest)}`,
      ).toBeGreaterThan(0.001)
      expect(pairTest.pValue, `${drafter.name} pairs ${JSON.stringify(pairTest)}`).toBeGreaterThan(
        0.001,
      )
      expect(result.stats.draftedTokens).toBeGreaterThan(0)
    }
  })

  it('detects a biased sampler (the test has power)', () => {
    const { first } = exactDistributions([2, 5, 3, 2, 5], 1.3)
    const biased = first.map((value, index) => (index === 1 ? value * 1.3 : value))
    const total = biased.reduce((sum, value) => sum + value, 0)
    const counts = biased.map((value) => Math.round((value / total) * 6000))
    expect(chiSquaredGoodnessOfFit(counts, first).pValue).toBeLessThan(0.001)
  })

  it('replays exactly with a seed and accepts everything from an identical draft', async () => {
    const run = () =>
      speculativeDecode({
        target,
        drafter: createModelDrafter(target),
        prompt: [1],
        n: 4,
        maxTokens: 20,
        seed: 5,
        sampling: { temperature: 1 },
      })
    const [first, second] = await Promise.all([run(), run()])
    expect(first.sequences.map((sequence) => sequence.tokenIds)).toEqual(
      second.sequences.map((sequence) => sequence.tokenIds),
    )
    expect(first.stats.acceptanceRate).toBeGreaterThan(0.999)
  })
})

describe('speculativeDecode, arguments and failures', () => {
  it('rejects bad arguments with clear errors', async () => {
    const drafter = createModelDrafter(draft)
    await expect(speculativeDecode({ target, drafter, prompt: [1], k: 0 })).rejects.toThrow(/k/)
    await expect(
      speculativeDecode({
        target,
        drafter,
        prompt: [1],
        sampling: { mirostat: { tau: 3, eta: 0.1 } },
      }),
    ).rejects.toThrow(InvalidArgumentError)
    await expect(speculativeDecode({ target, drafter, prompt: [] })).rejects.toThrow(/prompt/)
    expect(() => createPromptLookupDrafter({ minNgramSize: 4, maxNgramSize: 2 })).toThrow(
      /minNgramSize/,
    )
  })

  it('fails only the affected sample when the target fails, and frees every state', async () => {
    const failing = createFakeTokenModel({
      vocabSize,
      failOnToken: 7,
      logits: hashedLogits(vocabSize, 0),
    })
    const result = await speculativeDecode({
      target: failing,
      drafter: createModelDrafter(draft),
      prompt: [1, 2],
      n: 8,
      maxTokens: 12,
      k: 2,
      sampling: { temperature: 1, bannedTokenIds: [0], logitBias: { 7: -2 } },
      seed: 3,
    })
    const failed = result.sequences.filter((sequence) => sequence.finishReason === 'error')
    const finished = result.sequences.filter((sequence) => sequence.finishReason === 'length')
    expect(failed.length).toBeGreaterThan(0)
    expect(finished.length).toBeGreaterThan(0)
    expect(failed.length + finished.length).toBe(8)
    for (const sequence of failed) expect(sequence.error?.message).toMatch(/fake failure/)
    for (const sequence of finished) {
      expect(sequence.tokenIds).toHaveLength(12)
      expect(sequence.tokenIds).not.toContain(7)
    }
    expect(failing.stats().liveSequences).toBe(0)
  })
})

describe('findContinuation', () => {
  it('proposes what followed the latest earlier match of the longest suffix n-gram', () => {
    expect(findContinuation([1, 2, 3, 9, 1, 2, 3, 4, 1, 2, 3], 3, 1, 3)).toEqual([4, 1, 2])
    expect(findContinuation([5, 6, 7], 3, 1, 3)).toEqual([])
    expect(findContinuation([5, 6, 5], 2, 1, 3)).toEqual([6, 5])
  })
})
