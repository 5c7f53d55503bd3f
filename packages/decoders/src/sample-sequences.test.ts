import { InvalidArgumentError } from '@metagen/core'
import { createFakeTokenModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { sampleSequences, textBeforeStop } from './sample-sequences.js'
import type { ProcessorContext } from './sampling-options.js'

/** Allows only tokens 2 and 3 until 4 tokens were generated, then only eos (0). */
function twoLetters(logits: Float32Array, context: ProcessorContext): Float32Array {
  const result = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY)
  const allowed = context.generatedCount < 4 ? [2, 3] : [0]
  for (const token of allowed) result[token] = logits[token] as number
  return result
}

describe('sampleSequences logitsProcessor', () => {
  it('runs on each sample raw row with its generated tokens, before the processor chain', async () => {
    const model = createFakeTokenModel()
    const seen: Array<{ generated: number[]; raw: number[] }> = []
    const result = await sampleSequences({
      models: [model],
      prompt: [1, 5],
      n: 6,
      maxTokens: 10,
      seed: 3,
      // bannedTokenIds runs after the hook: token 3 is never chosen although the hook allows it.
      sampling: { temperature: 1.5, bannedTokenIds: [3] },
      logitsProcessor: (logits, context) => {
        expect(context.tokens.slice(0, 2)).toEqual([1, 5])
        seen.push({
          generated: context.tokens.slice(context.tokens.length - context.generatedCount),
          raw: [...logits],
        })
        return twoLetters(logits, context)
      },
    })
    expect(result.sequences).toHaveLength(6)
    for (const sequence of result.sequences) {
      expect(sequence.error).toBeUndefined()
      expect(sequence.tokenIds).toEqual([2, 2, 2, 2, 0])
      expect(sequence.finishReason).toBe('stop')
    }
    // 6 samples x 5 steps; the raw row is the model's (no ban applied yet).
    expect(seen).toHaveLength(30)
    expect(seen.map((call) => call.generated.length).sort()).toEqual(
      [0, 1, 2, 3, 4].flatMap((count) => Array(6).fill(count)),
    )
    expect(seen.some((call) => Number.isFinite(call.raw[3]))).toBe(true)
    expect(model.stats().liveSequences).toBe(0)
  })

  it('fails only the samples whose row it leaves all -Infinity, with a clear error', async () => {
    const model = createFakeTokenModel()
    const result = await sampleSequences({
      models: [model],
      prompt: [1],
      n: 8,
      maxTokens: 6,
      seed: 9,
      logitsProcessor: (logits, context) => {
        const generated = context.tokens.slice(context.tokens.length - context.generatedCount)
        // A sample whose first token was 4 has nowhere to go.
        if (generated[0] === 4) return new Float32Array(logits.length).fill(-Infinity)
        return Float32Array.from(logits)
      },
    })
    const failed = result.sequences.filter((sequence) => sequence.finishReason === 'error')
    const succeeded = result.sequences.filter((sequence) => sequence.finishReason !== 'error')
    expect(failed.length).toBeGreaterThan(0)
    expect(succeeded.length).toBeGreaterThan(0)
    for (const sequence of failed) {
      expect(sequence.tokenIds[0]).toBe(4)
      expect(sequence.text).toBe('')
      expect(sequence.error).toBeInstanceOf(InvalidArgumentError)
      expect((sequence.error as InvalidArgumentError).argument).toBe('logitsProcessor')
    }
    for (const sequence of succeeded) expect(sequence.tokenIds[0]).not.toBe(4)
    expect(model.stats().liveSequences).toBe(0)
  })

  it('rejects a logitsProcessor that is not a function', async () => {
    await expect(
      sampleSequences({
        models: [createFakeTokenModel()],
        prompt: [1],
        logitsProcessor: 3 as never,
      }),
    ).rejects.toThrow(/logitsProcessor/)
  })
})

describe('textBeforeStop', () => {
  // A tokenizer of our own whose ids are indexes into a list of pieces.
  const pieces = ['a', 'b', '=', ' The', ' answer', '.', 'x']
  const tokenizer = {
    vocabSize: pieces.length,
    eosTokenIds: [],
    padTokenId: 0,
    specialTokenIds: [],
    encode: () => [],
    decode: (ids: readonly number[]) => ids.map((id) => pieces[id]).join(''),
    tokenBytes: () => [],
  }

  it('cuts before the earliest stop string completed by the newest tokens', () => {
    expect(textBeforeStop(tokenizer, [0, 1, 2], ['='])).toBe('ab')
    expect(textBeforeStop(tokenizer, [0, 3, 4], [' The answer'])).toBe('a')
    expect(textBeforeStop(tokenizer, [0, 1], ['='])).toBeUndefined()
    expect(textBeforeStop(tokenizer, [0, 2], [])).toBeUndefined()
  })

  it('finds a stop string spread over several tokens after a long text', () => {
    const long = [...new Array(300).fill(6), 3, 4, 5]
    expect(textBeforeStop(tokenizer, long, [' The answer.'])).toBe('x'.repeat(300))
  })
})
