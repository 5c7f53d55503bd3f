// A long run must not leak sequences: 1,000 generations that fork (n samples from one prefill,
// speculative decoding with a model drafter that truncates) end with no live sequence.
import { createFakeTokenModel } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { sampleSequences } from './sample-sequences.js'
import { createModelDrafter, speculativeDecode } from './speculative/index.js'

describe('1,000 generations with forks', () => {
  it('end with liveSequences == 0 on the target and the draft model', async () => {
    const target = createFakeTokenModel({ vocabSize: 8, maxSequenceLength: 64 })
    const draft = createFakeTokenModel({ vocabSize: 8, maxSequenceLength: 64, modelId: 'draft' })
    let generated = 0
    for (let run = 0; run < 1000; run++) {
      const prompt = [1 + (run % 7), 1 + ((run * 3) % 7)]
      const result =
        run % 2 === 0
          ? await sampleSequences({
              models: [target],
              prompt,
              n: 3,
              maxTokens: 8,
              seed: run,
              sampling: { temperature: 1 },
            })
          : await speculativeDecode({
              target,
              drafter: createModelDrafter(draft),
              prompt,
              n: 2,
              maxTokens: 8,
              k: 3,
              seed: run,
              sampling: { temperature: 1 },
            })
      generated += result.sequences.length
      expect(target.stats().liveSequences).toBe(0)
    }
    expect(generated).toBe(500 * 3 + 500 * 2)
    expect(target.stats().forks).toBeGreaterThanOrEqual(2500)
    expect(target.stats().liveSequences).toBe(0)
    expect(draft.stats().liveSequences).toBe(0)
  })
})
