import { describe, expect, it } from 'vitest'
import { AbortedError, InvalidArgumentError, MetagenError } from '../errors.js'
import { createFakeTokenModel, hashedLogits, tableLogits } from './fake-token-model.js'
import { createCharacterTokenizer, createLetterTokenizer } from './fake-tokenizers.js'

describe('fake tokenizers', () => {
  it('round-trips letters and characters and rejects text outside the vocabulary', () => {
    const letters = createLetterTokenizer(5)
    expect(letters.encode('abd')).toEqual([1, 2, 4])
    expect(letters.decode([1, 0, 2])).toBe('ab')
    expect(letters.decode([1, 0], { skipSpecialTokens: false })).toBe('a<eos>')
    expect(letters.tokenBytes()).toHaveLength(5)
    expect(() => letters.encode('e')).toThrow(InvalidArgumentError)
    expect(() => createLetterTokenizer(30)).toThrow(/vocabSize/)
    const characters = createCharacterTokenizer()
    expect(characters.vocabSize).toBe(97)
    expect(characters.decode(characters.encode('Q: 1+2?\nA:'))).toBe('Q: 1+2?\nA:')
    expect(() => characters.encode('é')).toThrow(/printable ASCII/)
  })
})

describe('hashedLogits and tableLogits', () => {
  it('hashes the last two tokens only, and salts give other rows', () => {
    const logits = hashedLogits(6)
    expect([...logits([9, 1, 2])]).toEqual([...logits([3, 1, 2])])
    expect([...logits([1, 2])]).not.toEqual([...logits([2, 1])])
    expect([...logits([1, 2])]).not.toEqual([...hashedLogits(6, 1)([1, 2])])
    for (const value of logits([4])) expect(value).toBeGreaterThanOrEqual(-3)
  })

  it('looks rows up by context and falls back or throws naming the context', () => {
    const logits = tableLogits({ vocabSize: 3, rows: { '': [0, 1, 2], '2': [5, 0, 0] } })
    expect([...logits([])]).toEqual([0, 1, 2])
    expect([...logits([2])]).toEqual([5, 0, 0])
    expect(() => logits([1])).toThrow(/keys: "2", ""\), received "1"/)
    const withFallback = tableLogits({
      vocabSize: 3,
      rows: {},
      fallback: () => new Float32Array(3),
    })
    expect([...withFallback([1])]).toEqual([0, 0, 0])
    expect(() => tableLogits({ vocabSize: 3, rows: { x: [1] } })).toThrow(/rows\["x"\]/)
  })
})

describe('createFakeTokenModel', () => {
  it('extends in place with last or all logits rows, and forks share the prefix', async () => {
    const logits = hashedLogits(8)
    const model = createFakeTokenModel()
    const sequence = model.createSequence()
    const [prefill] = await model.extend([{ sequence, tokens: [1, 2, 3], logits: 'all' }])
    expect(prefill?.rows).toBe(3)
    expect([...(prefill?.logits.subarray(8, 16) ?? [])]).toEqual([...logits([1, 2])])
    expect(sequence.tokens).toEqual([1, 2, 3])
    expect(sequence.lastLogits).toEqual(logits([1, 2, 3]))
    const fork = sequence.fork()
    expect(fork.lastLogits).toBe(sequence.lastLogits)
    const results = await model.extend([
      { sequence, tokens: [4] },
      { sequence: fork, tokens: [5] },
    ])
    expect(results.map((result) => result.rows)).toEqual([1, 1])
    expect(sequence.tokens).toEqual([1, 2, 3, 4])
    expect(fork.tokens).toEqual([1, 2, 3, 5])
    expect(model.calls).toEqual([
      { batch: 1, tokens: 3 },
      { batch: 2, tokens: 2 },
    ])
    sequence.dispose()
    sequence.dispose()
    expect(model.stats()).toEqual({
      forwardPasses: 2,
      tokensProcessed: 5,
      batchRows: 3,
      sequencesCreated: 1,
      forks: 1,
      liveSequences: 1,
    })
  })

  it('truncates without a model call, keeping forks and the rows of an all-logits extend', async () => {
    const logits = hashedLogits(8)
    const model = createFakeTokenModel({ logits })
    const sequence = model.createSequence()
    await model.extend([{ sequence, tokens: [1, 2, 3] }])
    await model.extend([{ sequence, tokens: [4, 5, 6], logits: 'all' }])
    const fork = sequence.fork()
    const passes = model.stats().forwardPasses
    sequence.truncate(4)
    expect(model.stats().forwardPasses).toBe(passes)
    expect(sequence.tokens).toEqual([1, 2, 3, 4])
    expect(sequence.lastLogits).toEqual(logits([1, 2, 3, 4]))
    expect(fork.tokens).toEqual([1, 2, 3, 4, 5, 6])
    // Before the 'all' rows: the logits are unknown until the next extend.
    sequence.truncate(2)
    expect(sequence.lastLogits).toBeUndefined()
    const [result] = await model.extend([{ sequence, tokens: [7] }])
    expect(result?.logits).toEqual(logits([1, 2, 7]))
    expect(() => sequence.truncate(4)).toThrow(InvalidArgumentError)
    expect(() => sequence.truncate(-1)).toThrow(/length/)
    sequence.dispose()
    expect(() => sequence.truncate(0)).toThrow(/disposed/)
    fork.dispose()
  })

  it('rejects a bad batch as a whole, changing no sequence', async () => {
    const model = createFakeTokenModel({ maxSequenceLength: 4 })
    const good = model.createSequence()
    const disposed = model.createSequence()
    disposed.dispose()
    const attempts = [
      [
        { sequence: good, tokens: [1] },
        { sequence: disposed, tokens: [1] },
      ],
      [
        { sequence: good, tokens: [1] },
        { sequence: good, tokens: [2] },
      ],
      [{ sequence: good, tokens: [] }],
      [{ sequence: good, tokens: [1, 8] }],
      [{ sequence: good, tokens: [1, 2, 3, 4, 5] }],
      [{ sequence: createFakeTokenModel().createSequence(), tokens: [1] }],
    ]
    for (const requests of attempts) {
      await expect(model.extend(requests)).rejects.toBeInstanceOf(InvalidArgumentError)
    }
    expect(good.tokens).toEqual([])
    expect(model.stats().forwardPasses).toBe(0)
    expect(() => disposed.fork()).toThrow(InvalidArgumentError)
  })

  it('fails on a chosen token, on abort, on bad logits and after close', async () => {
    const failing = createFakeTokenModel({ failOnToken: 3 })
    const sequence = failing.createSequence()
    await expect(failing.extend([{ sequence, tokens: [1, 3] }])).rejects.toBeInstanceOf(
      MetagenError,
    )
    const controller = new AbortController()
    controller.abort()
    await expect(
      failing.extend([{ sequence, tokens: [1] }], { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError)
    const short = createFakeTokenModel({ logits: () => new Float32Array(2) })
    await expect(short.extend([{ sequence: short.createSequence(), tokens: [1] }])).rejects.toThrow(
      /options\.logits/,
    )
    await failing.close()
    expect(failing.closed).toBe(true)
    expect(() => failing.createSequence()).toThrow(/after close/)
  })

  it('takes another tokenizer, whose vocabulary size it adopts', async () => {
    const tokenizer = createCharacterTokenizer()
    const model = createFakeTokenModel({
      tokenizer,
      logits: (tokens) => {
        const row = new Float32Array(tokenizer.vocabSize).fill(Number.NEGATIVE_INFINITY)
        row[tokens.length % tokenizer.vocabSize] = 0
        return row
      },
    })
    expect(model.vocabSize).toBe(97)
    const sequence = model.createSequence()
    const [result] = await model.extend([{ sequence, tokens: tokenizer.encode('ab') }])
    expect(result?.logits[2]).toBe(0)
  })
})
