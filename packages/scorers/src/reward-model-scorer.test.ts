// Reward-model scorer over a fake sequence-scoring model: sequence format, step positions, batching, errors.
import type { Tokenizer } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { createRewardModelScorer, type SequenceScoringModel } from './reward-model-scorer.js'
import { tinymathStepSplitter } from './step-splitter.js'

// A character-level fake of our own SequenceScoringModel interface: token id = code point,
// 0 = end-of-text. Raw score: +4 at '.', +2 at end-of-text, -1 elsewhere.
const encoder = new TextEncoder()
const tokenizer: Tokenizer = {
  vocabSize: 0x3000,
  eosTokenIds: [0],
  padTokenId: 0,
  specialTokenIds: [0],
  encode: (text) => Array.from(text, (character) => character.codePointAt(0) as number),
  decode: (ids) => String.fromCodePoint(...ids.filter((id) => id !== 0)),
  tokenBytes: () =>
    Array.from({ length: 0x3000 }, (_, id) =>
      id === 0 ? new Uint8Array(0) : encoder.encode(String.fromCodePoint(id)),
    ),
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

function createFakeModel(overrides: Partial<SequenceScoringModel> = {}) {
  const calls: number[][][] = []
  const model: SequenceScoringModel = {
    tokenizer,
    modelId: 'fake',
    parameterCount: 10,
    async scoreTokens(sequences) {
      calls.push(sequences)
      return sequences.map(
        (sequence) => new Float32Array(sequence.map((id) => (id === 46 ? 4 : id === 0 ? 2 : -1))),
      )
    },
    ...overrides,
  }
  return { model, calls }
}

describe('createRewardModelScorer', () => {
  it('appends end-of-text, reads the outcome at the last token and steps at their closing period', async () => {
    const { model, calls } = createFakeModel()
    const scorer = createRewardModelScorer({ model, stepSplitter: tinymathStepSplitter })
    expect(scorer.kind).toEqual({ outcome: true, process: true })
    const prompt = 'Q: Ava has 2 apples.\nA:'
    const output = ' 2+3=5. 5*2=10. The answer is 10.'
    const { scores, usage } = await scorer.score([{ prompt, output }])
    expect(calls[0]?.[0]).toEqual([...tokenizer.encode(prompt + output), 0])
    expect(scores[0]?.value).toBeCloseTo(sigmoid(2), 6)
    expect(scores[0]?.steps).toEqual([
      { text: '2+3=5.', score: expect.closeTo(sigmoid(4), 6) },
      { text: '5*2=10.', score: expect.closeTo(sigmoid(4), 6) },
    ])
    const tokens = prompt.length + output.length + 1
    expect(usage).toMatchObject({ inputTokens: tokens, calls: 1, flops: 2 * 10 * tokens })
  })

  it('charges FLOPs for the positions the model says a batch computes (padding included)', async () => {
    const seen: number[][] = []
    const { model } = createFakeModel({
      computedPositions(lengths) {
        seen.push([...lengths])
        return lengths.length * Math.max(...lengths)
      },
    })
    const scorer = createRewardModelScorer({ model, batchSize: 2 })
    const requests = [
      { prompt: 'Q: 2+3?\nA:', output: ' 5.' },
      { prompt: 'Q: 2+3?\nA:', output: ' 2+3=5. The answer is 5.' },
      { prompt: 'Q: 7*8?\nA:', output: ' 7*8=56. 56+1=57. The answer is 57.' },
    ]
    const lengths = requests.map((request) => request.prompt.length + request.output.length + 1)
    const { usage } = await scorer.score(requests)
    // Sorted by length, batches of 2: [short, middle] then [long].
    expect(seen).toEqual([[lengths[0], lengths[1]], [lengths[2]]])
    expect(usage.inputTokens).toBe(lengths[0]! + lengths[1]! + lengths[2]!)
    expect(usage.flops).toBe(2 * 10 * (2 * lengths[1]! + lengths[2]!))
  })

  it('maxOwnUsage bounds the prompt tokens and calls a scoring spends (budgets reserve it)', async () => {
    const { model } = createFakeModel()
    const scorer = createRewardModelScorer({ model, batchSize: 2 })
    const requests = [
      { prompt: 'Q: 2+3?\nA:', output: ' 2+3=5. The answer is 5.' },
      { prompt: 'Q: 2+3?\nA:', output: ' 2+3=6. The answer is 6.' },
      { prompt: 'Q: 2+3?\nA:', output: ' 2+3=5. The answer is 5.' },
      { prompt: 'Q: 7*8?\nA:', output: ' 7*8=56. The answer is 56 ✓.' },
    ]
    const bound = scorer.maxOwnUsage?.(requests)
    const { usage } = await scorer.score(requests)
    // Three distinct sequences: two batches of at most 2.
    expect(bound?.calls).toBe(2)
    expect(usage.calls).toBe(2)
    expect(usage.inputTokens).toBeLessThanOrEqual(bound?.inputTokens ?? 0)
    // The check mark is 1 character (token) but 3 bytes: the byte bound is 2 over.
    expect(bound?.inputTokens).toBe(usage.inputTokens + 2)
  })

  it('locates steps by bytes when characters take several UTF-8 bytes', async () => {
    // +3 at '.', -3 elsewhere: reading any token but the period would give sigmoid(-3).
    const { model } = createFakeModel({
      async scoreTokens(sequences) {
        return sequences.map(
          (sequence) => new Float32Array(sequence.map((id) => (id === 46 ? 3 : -3))),
        )
      },
    })
    const scorer = createRewardModelScorer({ model, stepDelimiter: '.' })
    const { scores } = await scorer.score([{ prompt: 'ünïcödé: ', output: 'äé step one. ∑ two.' }])
    expect(scores[0]?.steps?.map((step) => step.text)).toEqual(['äé step one.', '∑ two.'])
    expect(scores[0]?.steps?.every((step) => Math.abs(step.score - sigmoid(3)) < 1e-6)).toBe(true)
  })

  it('scores partial outputs without end-of-text, valued at their last complete step', async () => {
    const { model, calls } = createFakeModel()
    const scorer = createRewardModelScorer({ model, stepSplitter: tinymathStepSplitter })
    const { scores } = await scorer.score([
      { prompt: 'Q: x\nA:', output: ' 2+3=5. 5*2=1', partial: true },
      { prompt: 'Q: x\nA:', output: ' 2+3', partial: true },
    ])
    expect(calls[0]?.every((sequence) => sequence.at(-1) !== 0)).toBe(true)
    expect(scores[0]).toEqual({
      value: expect.closeTo(sigmoid(4), 6),
      steps: [{ text: '2+3=5.', score: expect.closeTo(sigmoid(4), 6) }],
    })
    expect(scores[1]).toEqual({ value: expect.closeTo(sigmoid(-1), 6), steps: [] })
  })

  it('batches by batchSize and gives the same scores in any batch composition, in request order', async () => {
    const { model, calls } = createFakeModel()
    const scorer = createRewardModelScorer({ model, batchSize: 2 })
    const requests = ['a.', 'bbbb. cc.', 'd', 'eeeeeeee.', 'f.'].map((output) => ({
      prompt: 'P',
      output,
    }))
    const batched = await scorer.score(requests)
    expect(calls.map((call) => call.length)).toEqual([2, 2, 1])
    const single = await Promise.all(
      requests.map(async (request) => (await scorer.score([request])).scores[0]),
    )
    expect(batched.scores).toEqual(single)
  })

  it('reads identical requests of one call once and gives each an equal, separate score', async () => {
    const { model, calls } = createFakeModel()
    const scorer = createRewardModelScorer({ model, stepSplitter: tinymathStepSplitter })
    const prompt = 'Q: x\nA:'
    const requests = [
      { prompt, output: ' 2+3=5.', partial: true },
      { prompt, output: ' 2+3=5. The answer is 5.' },
      { prompt, output: ' 2+3=5.', partial: true },
      { prompt, output: ' 2+3=5.' }, // finished: a different sequence (end-of-text appended)
      { prompt, output: ' 2+3=5. The answer is 5.' },
    ]
    const { scores, usage } = await scorer.score(requests)
    expect(calls.flat()).toHaveLength(3)
    // characters + end-of-text of the finished ones: ' 2+3=5.' partial, the answer, ' 2+3=5.' finished
    const read = prompt.length * 3 + 7 + (24 + 1) + (7 + 1)
    expect(usage.inputTokens).toBe(read)
    const alone = await Promise.all(
      requests.map(async (request) => (await scorer.score([request])).scores[0]),
    )
    expect(scores).toEqual(alone)
    expect(scores[2]).not.toBe(scores[0])
    expect(scores[2]?.steps).not.toBe(scores[0]?.steps)
  })
  it('reports empty outputs, over-long sequences and non-finite scores per item, never NaN', async () => {
    const { model } = createFakeModel({
      maxSequenceLength: 12,
      async scoreTokens(sequences) {
        return sequences.map((sequence) =>
          new Float32Array(sequence.length).fill(sequence.length === 4 ? Number.NaN : 1),
        )
      },
    })
    const scorer = createRewardModelScorer({ model })
    const { scores } = await scorer.score([
      { prompt: 'P', output: '' },
      { prompt: 'P', output: '   ' },
      { prompt: 'P', output: 'a much too long output' },
      { prompt: 'P', output: 'ab' },
      { prompt: 'P', output: 'abc' },
    ])
    expect(scores[0]).toEqual({ value: undefined, error: expect.stringMatching(/empty output/) })
    expect(scores[1]?.error).toMatch(/empty output/)
    expect(scores[2]?.error).toMatch(/longer than the model's 12/)
    expect(scores[3]?.error).toMatch(/score at the last token is NaN/)
    expect(scores[4]?.value).toBeCloseTo(sigmoid(1), 6)
  })

  it('reports a link that leaves [0, 1] instead of returning it', async () => {
    const { model } = createFakeModel()
    const scorer = createRewardModelScorer({ model, link: 'identity' })
    const { scores } = await scorer.score([{ prompt: 'P', output: 'x.' }])
    expect(scores[0]).toEqual({
      value: undefined,
      error: expect.stringMatching(/outside \[0, 1\]/),
    })
  })

  it('marks a batch unscorable when the model returns the wrong number of arrays or lengths', async () => {
    const { model } = createFakeModel({
      async scoreTokens(sequences) {
        return sequences.slice(1).map((sequence) => new Float32Array(sequence.length))
      },
    })
    const scorer = createRewardModelScorer({ model })
    const { scores } = await scorer.score([
      { prompt: 'P', output: 'a' },
      { prompt: 'P', output: 'b' },
    ])
    expect(scores.map((score) => score.error)).toEqual([
      expect.stringMatching(/returned 1 score arrays for a batch of 2/),
      expect.stringMatching(/returned 1 score arrays for a batch of 2/),
    ])
    const { model: shortModel } = createFakeModel({
      async scoreTokens(sequences) {
        return sequences.map(() => new Float32Array(1))
      },
    })
    const short = await createRewardModelScorer({ model: shortModel }).score([
      { prompt: 'P', output: 'abc' },
    ])
    expect(short.scores[0]?.error).toMatch(/1 token scores for a sequence of 5 tokens/)
  })

  it('keeps other batches when one model call fails', async () => {
    let call = 0
    const { model } = createFakeModel({
      async scoreTokens(sequences) {
        call++
        if (call === 1) throw new Error('worker crashed')
        return sequences.map((sequence) => new Float32Array(sequence.length))
      },
    })
    const scorer = createRewardModelScorer({ model, batchSize: 1 })
    const { scores } = await scorer.score([
      { prompt: 'P', output: 'a' },
      { prompt: 'P', output: 'bb' },
    ])
    expect(scores[0]?.error).toMatch(/model call failed: worker crashed/)
    expect(scores[1]?.value).toBe(0.5)
  })

  it('rejects a model without scoreTokens and bad options with clear errors', () => {
    expect(() =>
      createRewardModelScorer({ model: { tokenizer } as unknown as SequenceScoringModel }),
    ).toThrow(/Invalid argument model: expected a sequence-scoring model/)
    const { model } = createFakeModel()
    expect(() => createRewardModelScorer({ model, batchSize: 0 })).toThrow(/batchSize/)
    expect(() => createRewardModelScorer({ model, link: 'softmax' as never })).toThrow(/link/)
  })

  it('rejects malformed requests naming the field', async () => {
    const { model } = createFakeModel()
    const scorer = createRewardModelScorer({ model })
    await expect(scorer.score([{ prompt: 'P' } as never])).rejects.toThrow(/requests\[0\]\.output/)
    await expect(scorer.score('x' as never)).rejects.toThrow(/requests/)
    expect((await scorer.score([])).scores).toEqual([])
  })
})
