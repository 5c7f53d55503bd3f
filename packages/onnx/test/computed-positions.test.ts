// FLOP accounting of batched passes on the real tinymath models: every extend, sampleTokens and
// speculativeTokens result reports the positions its passes computed (rows x window per pass,
// padding columns and ghost rows included, split among the requests pro rata by real tokens),
// and an unpadded single sequence computes exactly its tokens.
import type { ExtendResult, SequenceState } from '@metagen/core'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOnnxTokenModel, type OnnxTokenModel } from '../dist/index.js'

let model: OnnxTokenModel
let draft: OnnxTokenModel
let prompts: number[][]

beforeAll(async () => {
  model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { threads: 1 })
  draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], { threads: 1 })
  const problems = (await loadDevSet()).filter((_, index) => index % 60 === 1).slice(0, 4)
  prompts = problems.map((problem) => model.tokenizer.encode(formatPrompt(problem.question)))
  prompts.sort((a, b) => b.length - a.length)
})

afterAll(async () => {
  await model.close()
  await draft.close()
})

const computed = (results: readonly ExtendResult[]) =>
  results.reduce((sum, result) => sum + (result.computedPositions as number), 0)

/** Two fresh sequences prefilled in one pass: one block of two rows. */
async function prefilledPair(): Promise<[SequenceState, SequenceState]> {
  const pair = [model.createSequence(), model.createSequence()] as [SequenceState, SequenceState]
  await model.extend(
    pair.map((sequence, index) => ({ sequence, tokens: prompts[index] as number[] })),
  )
  return pair
}

describe('computed positions of the ONNX token model', () => {
  it('charges a padded batch rows x longest, split by real tokens', async () => {
    const lengths = prompts.map((prompt) => prompt.length)
    expect(new Set(lengths).size).toBeGreaterThan(1)
    const sequences = prompts.map(() => model.createSequence())
    const before = model.stats()
    const results = await model.extend(
      sequences.map((sequence, index) => ({ sequence, tokens: prompts[index] as number[] })),
    )
    const after = model.stats()
    const longest = Math.max(...lengths)
    expect(computed(results)).toBe(prompts.length * longest)
    results.forEach((result, index) => {
      // Pro rata: each share is within one position of rows x longest x its fraction of tokens.
      const exact =
        (prompts.length * longest * (lengths[index] as number)) /
        lengths.reduce((sum, length) => sum + length, 0)
      expect(Math.abs((result.computedPositions as number) - exact)).toBeLessThan(1)
    })
    expect((after.computedPositions as number) - (before.computedPositions as number)).toBe(
      prompts.length * longest,
    )
    expect(after.tokensProcessed - before.tokensProcessed).toBe(
      lengths.reduce((sum, length) => sum + length, 0),
    )
    for (const sequence of sequences) sequence.dispose()
  })

  it('splits a pass shared by two concurrent calls of different lengths: the shares sum to it', async () => {
    const [short, long] = [prompts[3] as number[], prompts[0] as number[]]
    expect(long.length).toBeGreaterThan(short.length)
    const blocker = model.createSequence()
    const first = model.createSequence()
    const second = model.createSequence()
    const passesBefore = model.stats().forwardPasses
    // The blocker's pass starts at once; both calls queue behind it and then share one pass.
    const running = model.extend([{ sequence: blocker, tokens: [5, 6, 7] }])
    const calls = [
      model.extend([{ sequence: first, tokens: short }]),
      model.extend([{ sequence: second, tokens: long }]),
    ]
    const [alone, ...shared] = await Promise.all([running, ...calls])
    expect(model.stats().forwardPasses - passesBefore).toBe(2)
    expect(computed(alone as ExtendResult[])).toBe(3)
    const shares = shared.map(computed)
    expect(shares[0]! + shares[1]!).toBe(2 * long.length)
    expect(shares[0]).toBeGreaterThan(short.length)
    for (const sequence of [blocker, first, second]) sequence.dispose()
  })

  it('charges the ghost rows of a reused block', async () => {
    const [kept, idle] = await prefilledPair()
    // Only `kept` goes on: the block is reused as is, `idle` rides along as a ghost row.
    const before = model.stats()
    const [step] = await model.extend([{ sequence: kept, tokens: [221] }])
    expect(step?.computedPositions).toBe(2)
    expect(model.stats().tokensProcessed - before.tokensProcessed).toBe(1)
    expect((model.stats().computedPositions as number) - (before.computedPositions as number)).toBe(
      2,
    )
    // The in-worker loop charges the ghost row of every step too.
    const [sampled] = await model.sampleTokens({
      sequences: [kept],
      temperature: 0,
      maxTokens: 6,
      stopTokenIds: [],
    })
    expect(sampled?.tokenIds).toHaveLength(6)
    expect(sampled?.computedPositions).toBe(2 * 5)
    kept.dispose()
    idle.dispose()
  })

  it('charges a single unpadded sequence exactly its tokens', async () => {
    const sequence = model.createSequence()
    const [prefill] = await model.extend([{ sequence, tokens: prompts[1] as number[] }])
    expect(prefill?.computedPositions).toBe(prompts[1]?.length)
    const [step] = await model.extend([{ sequence, tokens: [221, 17], logits: 'all' }])
    expect(step?.computedPositions).toBe(2)
    const [sampled] = await model.sampleTokens({
      sequences: [sequence],
      temperature: 1,
      seed: 4,
      maxTokens: 40,
      stopTokenIds: model.tokenizer.eosTokenIds,
    })
    expect(sampled?.computedPositions).toBe((sampled?.tokenIds.length as number) - 1)
    sequence.dispose()
  })

  it('reports concurrent sampleTokens calls shares that sum to the passes they ran', async () => {
    const sequences: SequenceState[] = []
    for (const prompt of prompts) {
      const sequence = model.createSequence()
      await model.extend([{ sequence, tokens: prompt }])
      sequences.push(sequence)
    }
    const before = model.stats()
    const results = (
      await Promise.all(
        [sequences.slice(0, 2), sequences.slice(2)].map((group, index) =>
          model.sampleTokens({
            sequences: group,
            temperature: 1,
            seed: 7 + index,
            maxTokens: 30,
            stopTokenIds: model.tokenizer.eosTokenIds,
          }),
        ),
      )
    ).flat()
    const after = model.stats()
    const fed = results.reduce((sum, result) => sum + result.tokenIds.length - 1, 0)
    const shares = results.reduce((sum, result) => sum + (result.computedPositions as number), 0)
    expect(after.tokensProcessed - before.tokensProcessed).toBe(fed)
    expect(shares).toBe((after.computedPositions as number) - (before.computedPositions as number))
    expect(shares).toBeGreaterThanOrEqual(fed)
    for (const sequence of sequences) sequence.dispose()
  })

  it('speculativeTokens charges the target its ghost rows and the draft its own passes', async () => {
    const options = { draft, k: 4, adaptive: false, maxK: 4, maxTokens: 8, stopTokenIds: [] }
    const single = model.createSequence()
    await model.extend([{ sequence: single, tokens: prompts[0] as number[] }])
    const alone = await model.speculativeTokens({ sequence: single, ...options })
    expect(alone?.computedPositions).toBe(alone?.targetTokensFed)
    expect(alone?.draftComputedPositions).toBe(alone?.draftTokensFed)
    single.dispose()

    const [kept, idle] = await prefilledPair()
    const before = model.stats()
    const ghosted = await model.speculativeTokens({ sequence: kept, ...options })
    const fed = ghosted?.targetTokensFed as number
    // The first verification pass at least carries the idle row (later ones do while the
    // block is reused rather than compacted).
    expect(ghosted?.tokenIds).toEqual(alone?.tokenIds)
    expect(ghosted?.computedPositions).toBeGreaterThan(fed)
    expect(ghosted?.computedPositions).toBeLessThanOrEqual(2 * fed)
    expect((model.stats().computedPositions as number) - (before.computedPositions as number)).toBe(
      ghosted?.computedPositions,
    )
    expect(ghosted?.draftComputedPositions).toBe(ghosted?.draftTokensFed)
    kept.dispose()
    idle.dispose()
  })
})
