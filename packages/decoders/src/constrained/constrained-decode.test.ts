import { createFakeTokenModel, hashedLogits } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { constrainedBeamSearch } from './constrained-beam-search.js'
import { constrainedDecode } from './constrained-decode.js'
import { createConstrainedLanguageModel } from './constrained-language-model.js'
import { ConstraintError, createChoiceConstraint, createRegexConstraint } from './constraint.js'
import { createConstraintProcessor } from './constraint-processor.js'

// Letters a..g are tokens 1..7, token 0 is eos.
const model = createFakeTokenModel({
  vocabSize: 8,
  logits: hashedLogits(8, 3),
  maxSequenceLength: 64,
})
const pattern = /(?:ab|cd)+e?g/
const constraint = createRegexConstraint(pattern)

describe('constrainedDecode', () => {
  it('matches under every sampler, and replays with a seed', async () => {
    const samplers = [
      { temperature: 0 },
      { temperature: 1 },
      { temperature: 2, topK: 2 },
      { temperature: 1, topP: 0.5 },
      { temperature: 1, minP: 0.2 },
      { temperature: 1, typicalP: 0.7 },
      { temperature: 1, eta: 0.05 },
      { temperature: 1, mirostat: { tau: 2, eta: 0.1 } },
      { temperature: 1, repetitionPenalty: 1.5 },
    ]
    for (const sampling of samplers) {
      const result = await constrainedDecode({
        model,
        constraint,
        prompt: [1],
        n: 12,
        maxTokens: 12,
        seed: 4,
        sampling,
      })
      for (const sequence of result.sequences) {
        expect(sequence.error, JSON.stringify(sampling)).toBeUndefined()
        expect(sequence.text, JSON.stringify(sampling)).toMatch(
          new RegExp(`^(?:${pattern.source})$`),
        )
      }
      const again = await constrainedDecode({
        model,
        constraint,
        prompt: [1],
        n: 12,
        maxTokens: 12,
        seed: 4,
        sampling,
      })
      expect(again.sequences.map((sequence) => sequence.text)).toEqual(
        result.sequences.map((sequence) => sequence.text),
      )
    }
    expect(model.stats().liveSequences).toBe(0)
  })

  it('ends within maxTokens with a matching text, and refuses an impossible limit', async () => {
    const result = await constrainedDecode({
      model,
      constraint,
      prompt: [2],
      n: 30,
      maxTokens: 5,
      seed: 1,
    })
    for (const sequence of result.sequences) {
      expect(sequence.tokenIds.length).toBeLessThanOrEqual(5)
      expect(sequence.text).toMatch(/^(?:ab|cd)+e?g$/)
    }
    await expect(
      constrainedDecode({ model, constraint, prompt: [2], maxTokens: 2 }),
    ).rejects.toThrow(ConstraintError)
  })

  it('fails a sample with a ConstraintError when other processors forbid every allowed token', async () => {
    const result = await constrainedDecode({
      model,
      constraint: createRegexConstraint('a+'),
      prompt: [2],
      n: 2,
      maxTokens: 5,
      sampling: { temperature: 1, bannedTokenIds: [1] },
    })
    for (const sequence of result.sequences) {
      expect(sequence.finishReason).toBe('error')
      expect(sequence.text).toBe('')
      expect(sequence.error).toBeInstanceOf(ConstraintError)
    }
  })
})

describe('constrainedBeamSearch', () => {
  it('returns only matching hypotheses, best first', async () => {
    const result = await constrainedBeamSearch({
      model,
      constraint,
      prompt: [3],
      beamWidth: 4,
      maxTokens: 10,
    })
    expect(result.sequences.length).toBeGreaterThan(0)
    for (const hypothesis of result.sequences) expect(hypothesis.text).toMatch(/^(?:ab|cd)+e?g$/)
    const scores = result.sequences.map((hypothesis) => hypothesis.score)
    expect([...scores].sort((left, right) => right - left)).toEqual(scores)
    expect(model.stats().liveSequences).toBe(0)
  })

  it('throws a ConstraintError when no hypothesis can be finished', async () => {
    await expect(
      constrainedBeamSearch({ model, constraint, prompt: [3], beamWidth: 2, maxTokens: 2 }),
    ).rejects.toThrow(ConstraintError)
    await expect(
      constrainedBeamSearch({
        model,
        constraint: createRegexConstraint('a+'),
        prompt: [3],
        beamWidth: 2,
        maxTokens: 4,
        processors: { bannedTokenIds: [1] },
      }),
    ).rejects.toThrow(ConstraintError)
    expect(model.stats().liveSequences).toBe(0)
  })

  it('picks among fixed choices', async () => {
    const result = await constrainedBeamSearch({
      model,
      constraint: createChoiceConstraint(['abc', 'gfe', 'dd']),
      prompt: [3],
      beamWidth: 3,
      maxTokens: 6,
    })
    expect(result.sequences.map((hypothesis) => hypothesis.text).sort()).toEqual([
      'abc',
      'dd',
      'gfe',
    ])
  })
})

describe('createConstraintProcessor and createConstrainedLanguageModel', () => {
  it('masks from the generated tokens of the context', () => {
    const processor = createConstraintProcessor(constraint, model.tokenizer, { maxTokens: 10 })
    const logits = new Float32Array(8).fill(0)
    const masked = processor(logits, { tokens: [5, 1], generatedCount: 1, eosTokenIds: [0] })
    expect([...masked].map((value) => Number.isFinite(value))).toEqual([
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
    ])
    expect(() =>
      processor(logits, { tokens: [5, 5], generatedCount: 1, eosTokenIds: [0] }),
    ).toThrow(ConstraintError)
  })

  it('generates matching text through the LanguageModel interface, sampling and beam search', async () => {
    for (const beamWidth of [undefined, 3]) {
      const languageModel = createConstrainedLanguageModel(model, {
        constraint,
        ...(beamWidth !== undefined ? { beamWidth } : {}),
      })
      const result = await languageModel.generate({
        prompt: 'a',
        n: 3,
        maxTokens: 10,
        seed: 2,
        stop: ['x'],
      })
      expect(result.outputs).toHaveLength(3)
      for (const output of result.outputs) expect(output.text).toMatch(/^(?:ab|cd)+e?g$/)
      expect(result.warnings.map((warning) => warning.setting)).toEqual(['stop'])
    }
  })
})
