import type { GenerateResult } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { type GenerationStreamPart, streamGeneration } from './stream-generation.js'

const result: GenerateResult = {
  outputs: [{ text: 'ab', finishReason: 'stop' }],
  usage: { inputTokens: 1, outputTokens: 2, calls: 1 },
  warnings: [],
}

describe('streamGeneration', () => {
  it('yields the reported deltas in order, then the result', async () => {
    const parts: GenerationStreamPart[] = []
    for await (const part of streamGeneration(async (onDelta) => {
      onDelta(0, 'a')
      await new Promise((resolve) => setTimeout(resolve, 1))
      onDelta(1, 'x')
      onDelta(0, 'b')
      return result
    })) {
      parts.push(part)
    }
    expect(parts).toEqual([
      { type: 'text-delta', index: 0, text: 'a' },
      { type: 'text-delta', index: 1, text: 'x' },
      { type: 'text-delta', index: 0, text: 'b' },
      { type: 'finish', result },
    ])
  })

  it('throws the generation error after the deltas reported before it', async () => {
    const parts: GenerationStreamPart[] = []
    const failure = new Error('stream broke')
    await expect(
      (async () => {
        for await (const part of streamGeneration(async (onDelta) => {
          onDelta(0, 'partial')
          throw failure
        })) {
          parts.push(part)
        }
      })(),
    ).rejects.toBe(failure)
    expect(parts).toEqual([{ type: 'text-delta', index: 0, text: 'partial' }])
  })
})
