// Integration tests of the local backend on the real tinymath ONNX models.
// The worker thread needs compiled JavaScript, so these tests run against the built package.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidArgumentError, ModelLoadError, type TokenModel } from '@metagen/core'
import { createTemporaryFolders } from '@metagen/core/testing'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOnnxRewardModel, loadOnnxTokenModel, planRewardPasses } from '../dist/index.js'

/** This file's temporary folders, removed when its tests end. */
const temporary = createTemporaryFolders()
afterAll(() => temporary.removeAll())

let model: TokenModel
let prompts: number[][]

beforeAll(async () => {
  model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { threads: 1 })
  const problems = (await loadDevSet()).slice(0, 4)
  prompts = problems.map((problem) => model.tokenizer.encode(formatPrompt(problem.question)))
})

afterAll(async () => {
  await model.close()
})

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let max = 0
  for (let index = 0; index < a.length; index++)
    max = Math.max(max, Math.abs((a[index] as number) - (b[index] as number)))
  return max
}

describe('loadOnnxTokenModel', () => {
  it('reads the model configuration and tokenizer', () => {
    expect(model.vocabSize).toBe(512)
    expect(model.maxSequenceLength).toBe(384)
    expect(model.tokenizer.eosTokenIds).toEqual([0])
    // Counted from the initializers, the output projection's transposed copy included.
    expect(model.parameterCount).toBeGreaterThan(3_300_000)
    expect(model.parameterCount).toBeLessThan(3_600_000)
    const ids = model.tokenizer.encode('A: 4*17=68.')
    expect(model.tokenizer.decode(ids)).toBe('A: 4*17=68.')
    expect(model.tokenizer.decode([])).toBe('')
    const bytes = model.tokenizer.tokenBytes()
    expect(new TextDecoder().decode(bytes[ids[0] as number])).toBe('A')
  })

  it('gives the same logits batched (different lengths, left padding) as one by one', async () => {
    const batch = prompts.map(() => model.createSequence())
    const batched = await model.extend(
      batch.map((sequence, index) => ({
        sequence,
        tokens: prompts[index] as number[],
        logits: 'all',
      })),
    )
    expect(new Set(prompts.map((prompt) => prompt.length)).size).toBeGreaterThan(1)
    for (let index = 0; index < prompts.length; index++) {
      const single = model.createSequence()
      const [alone] = await model.extend([
        { sequence: single, tokens: prompts[index] as number[], logits: 'all' },
      ])
      expect(batched[index]?.rows).toBe(prompts[index]?.length)
      expect(
        maxAbsDifference(batched[index]?.logits as Float32Array, alone?.logits as Float32Array),
      ).toBeLessThan(1e-4)
      single.dispose()
    }
    // A decode step of the whole batch equals a decode step of each alone.
    const step = await model.extend(batch.map((sequence) => ({ sequence, tokens: [221] })))
    for (let index = 0; index < prompts.length; index++) {
      const single = model.createSequence()
      await model.extend([{ sequence: single, tokens: prompts[index] as number[] }])
      const [alone] = await model.extend([{ sequence: single, tokens: [221] }])
      expect(
        maxAbsDifference(step[index]?.logits as Float32Array, alone?.logits as Float32Array),
      ).toBeLessThan(1e-4)
      single.dispose()
    }
    for (const sequence of batch) sequence.dispose()
  })

  it('keeps batched decoding equal to one by one over many steps, with forks and rollbacks', async () => {
    // Batched passes append in place to spare cache positions (forward-pass.ts). 40 steps cross
    // the spare positions several times; forks of the whole batch, taken mid-way, go on as a
    // batch of their own with other tokens (the positions after their block are the first
    // batch's by then); and one sequence is rolled back and goes on in its batch.
    type Sequence = ReturnType<TokenModel['createSequence']>
    const token = (step: number, index: number) => 10 + ((step * 7 + index * 13) % 200)
    const lines: Array<{ batched: Sequence[]; alone: Sequence[]; offset: number }> = [
      { batched: prompts.map(() => model.createSequence()), alone: [], offset: 0 },
    ]
    const first = lines[0] as (typeof lines)[number]
    first.alone = prompts.map(() => model.createSequence())
    await model.extend(
      first.batched.map((sequence, index) => ({ sequence, tokens: prompts[index] as number[] })),
    )
    for (const [index, sequence] of first.alone.entries()) {
      await model.extend([{ sequence, tokens: prompts[index] as number[] }])
    }
    let worst = 0
    for (let step = 0; step < 40; step++) {
      if (step === 12) {
        lines.push({
          batched: first.batched.map((sequence) => sequence.fork()),
          alone: first.alone.map((sequence) => sequence.fork()),
          offset: 100,
        })
      }
      if (step === 25) {
        for (const sequence of [first.batched[2], first.alone[2]]) {
          sequence?.truncate(sequence.tokens.length - 3)
        }
      }
      for (const line of lines) {
        const results = await model.extend(
          line.batched.map((sequence, index) => ({
            sequence,
            tokens: [token(step, index + line.offset)],
          })),
        )
        for (const [index, sequence] of line.alone.entries()) {
          const [single] = await model.extend([
            { sequence, tokens: [token(step, index + line.offset)] },
          ])
          worst = Math.max(
            worst,
            maxAbsDifference(
              results[index]?.logits as Float32Array,
              single?.logits as Float32Array,
            ),
          )
        }
      }
    }
    expect(worst).toBeLessThan(1e-4)
    for (const line of lines) {
      expect(line.batched.map((sequence) => sequence.tokens)).toEqual(
        line.alone.map((sequence) => sequence.tokens),
      )
      for (const sequence of [...line.batched, ...line.alone]) sequence.dispose()
    }
  })

  it('gives the same logits for a cached step as for a full recompute', async () => {
    const prompt = prompts[0] as number[]
    const cached = model.createSequence()
    await model.extend([{ sequence: cached, tokens: prompt.slice(0, -3) }])
    await model.extend([{ sequence: cached, tokens: prompt.slice(-3, -1) }])
    const [step] = await model.extend([{ sequence: cached, tokens: prompt.slice(-1) }])
    const full = model.createSequence()
    const [recomputed] = await model.extend([{ sequence: full, tokens: prompt }])
    expect(
      maxAbsDifference(step?.logits as Float32Array, recomputed?.logits as Float32Array),
    ).toBeLessThan(1e-4)
    expect(cached.tokens).toEqual(prompt)
    cached.dispose()
    full.dispose()
  })

  it('shares the prompt between forks: the prompt is prefilled once for N continuations', async () => {
    const prompt = prompts[1] as number[]
    const before = model.stats()
    const root = model.createSequence()
    await model.extend([{ sequence: root, tokens: prompt }])
    const forks = Array.from({ length: 8 }, () => root.fork())
    const continuation = [221, 17, 18]
    const results = await model.extend(
      forks.map((sequence) => ({ sequence, tokens: continuation })),
    )
    const after = model.stats()
    expect(after.tokensProcessed - before.tokensProcessed).toBe(
      prompt.length + 8 * continuation.length,
    )
    expect(after.forwardPasses - before.forwardPasses).toBe(2)
    expect(after.forks - before.forks).toBe(8)
    // Every fork continued from the same cache, so they agree with each other and with a recompute.
    const reference = model.createSequence()
    const [recomputed] = await model.extend([
      { sequence: reference, tokens: [...prompt, ...continuation] },
    ])
    for (const result of results) {
      expect(maxAbsDifference(result.logits, recomputed?.logits as Float32Array)).toBeLessThan(1e-4)
    }
    // Extending one fork leaves its siblings and the root untouched.
    await model.extend([{ sequence: forks[0] as never, tokens: [9] }])
    expect(forks[1]?.length).toBe(prompt.length + 3)
    expect(root.length).toBe(prompt.length)
    for (const sequence of [root, reference, ...forks]) sequence.dispose()
  })

  it('truncates by bookkeeping: the rolled-back cache continues like a recompute', async () => {
    const prompt = prompts[2] as number[]
    const other = prompts[3] as number[]
    const sequence = model.createSequence()
    const neighbour = model.createSequence()
    // Two rows of one block, so the next pass reuses it with the truncated row's own mask.
    await model.extend([
      { sequence, tokens: prompt },
      { sequence: neighbour, tokens: other },
    ])
    const drafts = [221, 17, 18, 19, 20]
    const [all] = await model.extend([
      { sequence, tokens: drafts, logits: 'all' },
      { sequence: neighbour, tokens: [17] },
    ])
    const sibling = sequence.fork()
    const before = model.stats()
    sequence.truncate(prompt.length + 2)
    expect(model.stats().forwardPasses).toBe(before.forwardPasses)
    expect(sequence.tokens).toEqual([...prompt, 221, 17])
    // The row after the new last token is still known from the 'all' extend.
    expect(
      maxAbsDifference(
        sequence.lastLogits as Float32Array,
        (all as { logits: Float32Array }).logits.subarray(model.vocabSize, 2 * model.vocabSize),
      ),
    ).toBe(0)
    expect(sibling.length).toBe(prompt.length + drafts.length)
    const [continued, neighbourStep] = await model.extend([
      { sequence, tokens: [30, 31], logits: 'all' },
      { sequence: neighbour, tokens: [18] },
    ])
    const reference = model.createSequence()
    const [recomputed] = await model.extend([
      { sequence: reference, tokens: [...prompt, 221, 17, 30, 31], logits: 'all' },
    ])
    const tail = (recomputed as { logits: Float32Array }).logits.subarray(
      (prompt.length + 2) * model.vocabSize,
    )
    expect(maxAbsDifference(continued?.logits as Float32Array, tail)).toBeLessThan(1e-4)
    const neighbourReference = model.createSequence()
    const [neighbourRecomputed] = await model.extend([
      { sequence: neighbourReference, tokens: [...other, 17, 18] },
    ])
    expect(
      maxAbsDifference(
        neighbourStep?.logits as Float32Array,
        neighbourRecomputed?.logits as Float32Array,
      ),
    ).toBeLessThan(1e-4)
    // The fork kept the drafts; truncating to length 0 empties a sequence.
    const [siblingStep] = await model.extend([{ sequence: sibling, tokens: [30] }])
    const siblingReference = model.createSequence()
    const [siblingRecomputed] = await model.extend([
      { sequence: siblingReference, tokens: [...prompt, ...drafts, 30] },
    ])
    expect(
      maxAbsDifference(
        siblingStep?.logits as Float32Array,
        siblingRecomputed?.logits as Float32Array,
      ),
    ).toBeLessThan(1e-4)
    sibling.truncate(0)
    expect(sibling.length).toBe(0)
    expect(sibling.lastLogits).toBeUndefined()
    expect(() => sequence.truncate(sequence.length + 1)).toThrow(InvalidArgumentError)
    expect(() => sequence.truncate(1.5)).toThrow(/length/)
    for (const state of [
      sequence,
      neighbour,
      sibling,
      reference,
      neighbourReference,
      siblingReference,
    ])
      state.dispose()
    expect(() => sequence.truncate(0)).toThrow(/disposed/)
  })

  it('truncates repeatedly without growing the past without bound (speculative pattern)', async () => {
    const prompt = prompts[0] as number[]
    const sequence = model.createSequence()
    await model.extend([{ sequence, tokens: prompt }])
    const kept: number[] = [...prompt]
    // 30 rounds of 4 rejected drafts plus one kept token: the cache must still match a recompute.
    for (let round = 0; round < 30; round++) {
      const token = 10 + (round % 20)
      await model.extend([{ sequence, tokens: [token, 40, 41, 42, 43], logits: 'all' }])
      sequence.truncate(sequence.length - 4)
      kept.push(token)
    }
    const [step] = await model.extend([{ sequence, tokens: [50] }])
    const reference = model.createSequence()
    const [recomputed] = await model.extend([{ sequence: reference, tokens: [...kept, 50] }])
    expect(
      maxAbsDifference(step?.logits as Float32Array, recomputed?.logits as Float32Array),
    ).toBeLessThan(1e-4)
    sequence.dispose()
    reference.dispose()
  })

  it('keeps finished rows out of later passes and still computes the survivors right', async () => {
    const sequences = prompts.map(() => model.createSequence())
    await model.extend(
      sequences.map((sequence, index) => ({ sequence, tokens: prompts[index] as number[] })),
    )
    await model.extend(sequences.map((sequence) => ({ sequence, tokens: [221] })))
    // Only rows 0 and 2 go on (ghost rows ride along), then only row 3 (a gather).
    const partial = await model.extend(
      [0, 2].map((index) => ({ sequence: sequences[index] as never, tokens: [17] })),
    )
    const last = await model.extend([{ sequence: sequences[3] as never, tokens: [17, 18] }])
    const expectations: Array<[number, number[], Float32Array]> = [
      [0, [221, 17], partial[0]?.logits as Float32Array],
      [2, [221, 17], partial[1]?.logits as Float32Array],
      [3, [221, 17, 18], last[0]?.logits as Float32Array],
    ]
    for (const [index, suffix, logits] of expectations) {
      const single = model.createSequence()
      const [alone] = await model.extend([
        { sequence: single, tokens: [...(prompts[index] as number[]), ...suffix] },
      ])
      expect(maxAbsDifference(logits, alone?.logits as Float32Array)).toBeLessThan(1e-4)
      single.dispose()
    }
    for (const sequence of sequences) sequence.dispose()
  })

  it('keeps a row that finished at the context limit from failing its block-mates', async () => {
    // All rows share one block; `full` reaches the last position, then only the others go on,
    // so the block is reused with `full` riding along as a ghost row: its filler column must not
    // count as a position (position `limit` does not exist and would fail the whole pass).
    const limit = model.maxSequenceLength
    const filler = Array.from({ length: limit - 1 }, (_, index) => 20 + (index % 30))
    const lengths = [limit - 1, limit - 60, limit - 80, limit - 100]
    const sequences = lengths.map(() => model.createSequence())
    await model.extend(
      sequences.map((sequence, index) => ({
        sequence,
        tokens: filler.slice(0, lengths[index]),
      })),
    )
    await model.extend(sequences.map((sequence) => ({ sequence, tokens: [221] })))
    expect(sequences[0]?.length).toBe(limit)
    const others = sequences.slice(1)
    const next = await model.extend(others.map((sequence) => ({ sequence, tokens: [17] })))
    for (const [index, result] of next.entries()) {
      const single = model.createSequence()
      const [alone] = await model.extend([
        { sequence: single, tokens: [...filler.slice(0, lengths[index + 1]), 221, 17] },
      ])
      expect(
        maxAbsDifference(result.logits as Float32Array, alone?.logits as Float32Array),
      ).toBeLessThan(1e-4)
      single.dispose()
    }
    for (const sequence of sequences) sequence.dispose()
  })

  it('merges concurrent extend calls into one forward pass', async () => {
    const sequences = prompts.map(() => model.createSequence())
    const before = model.stats()
    await Promise.all(
      sequences.map((sequence, index) =>
        model.extend([{ sequence, tokens: prompts[index] as number[] }]),
      ),
    )
    const passes = model.stats().forwardPasses - before.forwardPasses
    // The first call starts a pass at once; the other three wait and then run together.
    expect(passes).toBeLessThanOrEqual(2)
    for (const sequence of sequences) sequence.dispose()
  })

  it('does not block the event loop while the model runs', async () => {
    const sequence = model.createSequence()
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    const long = Array.from({ length: 300 }, (_, index) => 17 + (index % 10))
    const pending = model.extend([{ sequence, tokens: long, logits: 'all' }])
    // While the pass is in flight in the worker, the main thread keeps running timers.
    while (ticks < 3) await new Promise((resolve) => setTimeout(resolve, 0))
    await pending
    clearInterval(timer)
    expect(ticks).toBeGreaterThanOrEqual(3)
    sequence.dispose()
  })

  it('rejects bad input with clear errors', async () => {
    const sequence = model.createSequence()
    await expect(model.extend([])).rejects.toThrow(InvalidArgumentError)
    await expect(model.extend([{ sequence, tokens: [] }])).rejects.toThrow(/tokens/)
    await expect(model.extend([{ sequence, tokens: [512] }])).rejects.toThrow(
      /token ids in \[0, 511\]/,
    )
    await expect(model.extend([{ sequence, tokens: new Array(385).fill(1) }])).rejects.toThrow(
      /context is 384/,
    )
    await expect(
      model.extend([
        { sequence, tokens: [1] },
        { sequence, tokens: [2] },
      ]),
    ).rejects.toThrow(/at most once/)
    sequence.dispose()
    await expect(model.extend([{ sequence, tokens: [1] }])).rejects.toThrow(/disposed/)
  })
})

describe('sparePositions', () => {
  it('samples the same batch with spare positions and with none, and rejects bad values', async () => {
    const copying = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
      threads: 1,
      sparePositions: 0,
    })
    try {
      const sample = async (target: TokenModel) => {
        const root = target.createSequence()
        await target.extend([{ sequence: root, tokens: prompts[0] as number[] }])
        const forks = Array.from({ length: 8 }, () => root.fork())
        root.dispose()
        const results = await (target.sampleTokens as NonNullable<TokenModel['sampleTokens']>)({
          sequences: forks,
          temperature: 1,
          seed: 5,
          maxTokens: 40,
          stopTokenIds: [],
        })
        for (const fork of forks) fork.dispose()
        return results
      }
      const withSpare = await sample(model)
      const without = await sample(copying)
      expect(withSpare.map((result) => result.tokenIds)).toEqual(
        without.map((result) => result.tokenIds),
      )
      // 40 steps of 8 rows cross the spare positions twice; logprobs agree to float rounding.
      withSpare.forEach((result, row) => {
        result.logprobs.forEach((logprob, index) => {
          expect(logprob).toBeCloseTo(without[row]?.logprobs[index] as number, 4)
        })
      })
    } finally {
      await copying.close()
    }
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(
        loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { sparePositions: bad }),
      ).rejects.toThrow(/sparePositions/)
    }
  })
})

describe('loading errors', () => {
  it('names a missing folder', async () => {
    await expect(loadOnnxTokenModel('/nonexistent/model')).rejects.toThrow(/does not exist/)
  })

  it('names the missing files of a folder that is not a model', async () => {
    const folder = temporary.make('metagen-not-a-model-')
    writeFileSync(join(folder, 'config.json'), '{}')
    await expect(loadOnnxTokenModel(folder)).rejects.toThrow(
      /missing tokenizer.json, onnx\/model.onnx/,
    )
  })

  it('rejects a malformed ONNX file', async () => {
    const folder = temporary.make('metagen-bad-onnx-')
    const source = tinymathModelPaths['tinymath-draft']
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json'])
      copyFileSync(join(source, file), join(folder, file))
    mkdirSync(join(folder, 'onnx'))
    writeFileSync(join(folder, 'onnx', 'model.onnx'), 'this is not an onnx file')
    const error = await loadOnnxTokenModel(folder).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModelLoadError)
    expect(String((error as Error).message)).toMatch(/onnxruntime cannot load the model/)
  })

  it('rejects a model whose inputs are not a causal LM with a KV cache', async () => {
    await expect(loadOnnxTokenModel(tinymathModelPaths['tinymath-verifier'])).rejects.toThrow(
      /not a causal LM with a KV cache: missing past_key_values.0.key/,
    )
  })

  it('rejects an unknown spinning mode, naming the argument', async () => {
    const error = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
      spinning: 'sometimes' as never,
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(String((error as Error).message)).toMatch(/spinning/)
  })

  it('rejects non-boolean graphSimplification and speculativePipeline, naming the argument', async () => {
    for (const argument of ['graphSimplification', 'speculativePipeline']) {
      const error = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
        [argument]: 'yes' as never,
      }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(String((error as Error).message)).toContain(argument)
    }
  })

  it('rejects a causal LM loaded as a reward model', async () => {
    await expect(loadOnnxRewardModel(tinymathModelPaths['tinymath-draft'])).rejects.toThrow(
      /not a reward model/,
    )
  })
})

describe('spinning modes', () => {
  it('every mode loads and computes the same logits', async () => {
    const tokens = [...(prompts[0] as number[]), 221, 17]
    const logits: Float32Array[] = []
    for (const spinning of ['auto', 'brief', 'always', 'never', true, false] as const) {
      const draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
        threads: 2,
        spinning,
      })
      try {
        const expected = spinning === true ? 'always' : spinning === false ? 'never' : spinning
        if (expected === 'auto') expect(['brief', 'never']).toContain(draft.spinning)
        else expect(draft.spinning).toBe(expected)
        const sequence = draft.createSequence()
        await draft.extend([{ sequence, tokens }])
        logits.push(Float32Array.from(sequence.lastLogits as Float32Array))
      } finally {
        await draft.close()
      }
    }
    for (const row of logits.slice(1)) {
      expect(maxAbsDifference(row, logits[0] as Float32Array)).toBeLessThan(1e-4)
    }
  })
})

describe('loadOnnxRewardModel', () => {
  it('scores batched and one by one the same', async () => {
    const verifier = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'], {
      threads: 1,
    })
    try {
      const batch = prompts.map((prompt) => [...prompt, 221, 17, 14, 0])
      const batched = await verifier.scoreTokens(batch)
      for (let index = 0; index < batch.length; index++) {
        const [alone] = await verifier.scoreTokens([batch[index] as number[]])
        expect(batched[index]?.length).toBe(batch[index]?.length)
        expect(
          maxAbsDifference(batched[index] as Float32Array, alone as Float32Array),
        ).toBeLessThan(1e-4)
      }
      const passes = planRewardPasses(
        batch.map((sequence) => sequence.length),
        { maxBatchSize: 32, passOverheadTokens: 16 },
      )
      expect(verifier.stats().forwardPasses).toBe(passes.length + batch.length)
      await expect(verifier.scoreTokens([[]])).rejects.toThrow(/sequences\[0\]/)
    } finally {
      await verifier.close()
    }
  })
})

describe('planRewardPasses', () => {
  const plan = (lengths: number[], maxBatchSize = 32, passOverheadTokens = 16) =>
    planRewardPasses(lengths, { maxBatchSize, passOverheadTokens })
  const cost = (lengths: number[], passes: number[][], overhead: number) =>
    passes.reduce(
      (sum, pass) =>
        sum + pass.length * Math.max(...pass.map((index) => lengths[index] as number)) + overhead,
      0,
    )

  it('batches near lengths and runs a far longer sequence alone, shortest first', () => {
    // One pass of all three: 3 x 100 + 16 = 316; [10, 12] then [100]: 24 + 16 + 100 + 16 = 156.
    expect(plan([100, 10, 12])).toEqual([[1, 2], [0]])
    expect(plan([3, 5, 4])).toEqual([[0, 2, 1]])
    // Without a per-pass cost nothing is padded: only equal lengths share a pass.
    expect(plan([7, 9, 7, 9], 32, 0)).toEqual([
      [0, 2],
      [1, 3],
    ])
    expect(plan([])).toEqual([])
  })

  it('keeps passes within maxBatchSize and finds the least-cost cut (checked against every cut)', () => {
    const lengths = [47, 50, 52, 63, 68, 75, 83, 90, 104, 111, 120, 135, 150, 179]
    for (const [maxBatchSize, overhead] of [
      [16, 16],
      [4, 16],
      [16, 64],
      [3, 0],
    ] as const) {
      const passes = plan(lengths, maxBatchSize, overhead)
      expect(passes.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, index) => index))
      for (const pass of passes) expect(pass.length).toBeLessThanOrEqual(maxBatchSize)
      // Every way to cut the (sorted) list into consecutive passes of at most maxBatchSize.
      let least = Number.POSITIVE_INFINITY
      for (let mask = 0; mask < 2 ** (lengths.length - 1); mask++) {
        const cut: number[][] = [[0]]
        for (let index = 1; index < lengths.length; index++) {
          if (mask & (1 << (index - 1))) cut.push([index])
          else cut[cut.length - 1]?.push(index)
        }
        if (cut.every((pass) => pass.length <= maxBatchSize))
          least = Math.min(least, cost(lengths, cut, overhead))
      }
      expect(cost(lengths, passes, overhead)).toBe(least)
    }
  })

  it('rejects bad settings and lengths, naming them', () => {
    expect(() => plan([3], 0)).toThrow(/maxBatchSize/)
    expect(() => plan([3], 4, -1)).toThrow(/passOverheadTokens/)
    expect(() => plan([3, 0])).toThrow(/lengths\[1\]/)
  })
})

describe('worker lifecycle', () => {
  it('turns onnxruntime telemetry off unless the user chose otherwise', () => {
    // beforeAll loaded a model, which set the variable before its worker started.
    expect(process.env.ORT_DISABLE_TELEMETRY).toBe('1')
  })

  it('rejects calls in flight and later calls when the worker exits', async () => {
    const draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], { threads: 1 })
    const sequence = draft.createSequence()
    await draft.extend([{ sequence, tokens: [1, 2, 3] }])
    // Simulate a crash of the worker thread (e.g. out of memory). It is ended while idle:
    // terminating a thread inside onnxruntime's native run aborts the whole process
    // ("terminate called after throwing an instance of 'Napi::Error'"), which would take the
    // test runner down with it. The call posted while the thread is going away is in flight.
    const internals = draft as unknown as { client: { worker: { terminate(): Promise<number> } } }
    const terminated = internals.client.worker.terminate()
    const pending = draft.extend([{ sequence, tokens: [4] }])
    await terminated
    await expect(pending).rejects.toThrow(/ONNX worker exited unexpectedly/)
    const next = draft.createSequence()
    await expect(draft.extend([{ sequence: next, tokens: [1] }])).rejects.toThrow(
      /ONNX worker exited unexpectedly/,
    )
    await draft.close()
  })
})
