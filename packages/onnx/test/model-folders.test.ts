// Loading real-architecture folders: dtype files, the contract read from the session (GQA,
// float16 caches, no position_ids), clear one-line errors for what is not supported, and the
// bytes of every token for byte-level and SentencePiece tokenizers.
import { cpSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModelLoadError } from '@metagen/core'
import { createTemporaryFolders } from '@metagen/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import {
  detectTokenizerFamily,
  loadOnnxRewardModel,
  loadOnnxTokenModel,
  loadTokenizer,
} from '../dist/index.js'

/** This file's temporary folders, removed when its tests end. */
const temporary = createTemporaryFolders()
afterAll(() => temporary.removeAll())

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')

function copyFixture(name: string): string {
  const folder = join(temporary.make(`metagen-${name}-`), name)
  cpSync(join(fixtures, name), folder, { recursive: true })
  return folder
}

async function loadError(path: string, options: Parameters<typeof loadOnnxTokenModel>[1] = {}) {
  const error = await loadOnnxTokenModel(path, { threads: 1, ...options }).then(
    async (model) => {
      await model.close()
      return undefined
    },
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ModelLoadError)
  const message = (error as Error).message
  // One line, no native stack trace.
  expect(message).not.toContain('\n')
  expect(message).not.toMatch(/onnxruntime_src|\.cc:\d+/)
  return message
}

describe('dtype files', () => {
  it('loads the variant of each dtype with transformers.js file names', async () => {
    const model = await loadOnnxTokenModel(join(fixtures, 'qwen2'), { dtype: 'fp16', threads: 1 })
    expect(model.dtype).toBe('fp16')
    // A float16 cache and float16 logits come back as float32 logits.
    const sequence = model.createSequence()
    const [result] = await model.extend([{ sequence, tokens: [1, 2, 3] }])
    expect(result?.logits).toBeInstanceOf(Float32Array)
    expect(result?.logits.length).toBe(model.vocabSize)
    expect(Number.isFinite(result?.logits[0])).toBe(true)
    await model.close()
  })

  it('lists the files present when the requested dtype is missing', async () => {
    const message = await loadError(join(fixtures, 'llama-gqa'), { dtype: 'q4' })
    expect(message).toMatch(
      /no ONNX file for dtype q4: expected onnx\/model_q4.onnx; the onnx folder has model.onnx \(dtype fp32\), model_quantized.onnx \(dtype q8\)/,
    )
  })

  it('loads the merged decoder file of older Optimum exports (use_cache_branch)', async () => {
    const folder = copyFixture('gpt2-legacy')
    renameSync(
      join(folder, 'onnx', 'model.onnx'),
      join(folder, 'onnx', 'decoder_model_merged.onnx'),
    )
    const merged = await loadOnnxTokenModel(folder, { threads: 1 })
    const original = await loadOnnxTokenModel(join(fixtures, 'gpt2-legacy'), { threads: 1 })
    const tokens = [5, 6, 7]
    const [a] = await merged.extend([{ sequence: merged.createSequence(), tokens }])
    const [b] = await original.extend([{ sequence: original.createSequence(), tokens }])
    expect([...(a?.logits ?? [])]).toEqual([...(b?.logits ?? [])])
    await merged.close()
    await original.close()
  })

  it('gives reward models the same dtype option and error', async () => {
    const error = await loadOnnxRewardModel(join(fixtures, 'qwen2'), {
      dtype: 'int8',
      threads: 1,
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModelLoadError)
    expect((error as Error).message).toMatch(
      /no ONNX file for dtype int8: expected onnx\/model_int8.onnx; the onnx folder has model.onnx \(dtype fp32\), model_fp16.onnx \(dtype fp16\), model_q4.onnx \(dtype q4\)/,
    )
  })

  it('rejects an unknown dtype name', async () => {
    const message = await loadError(join(fixtures, 'llama-gqa'), { dtype: 'q3' as never })
    expect(message).toMatch(
      /unknown dtype "q3": expected one of fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4/,
    )
  })

  it('names missing external weight files', async () => {
    const folder = copyFixture('llama-gqa')
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'))
    config['transformers.js_config'] = { use_external_data_format: { 'model.onnx': 2 } }
    writeFileSync(join(folder, 'config.json'), JSON.stringify(config))
    const message = await loadError(folder)
    expect(message).toMatch(/missing external weights onnx\/model.onnx_data /)
  })
})

describe('the contract comes from the session and config.json must agree', () => {
  it('reports a config.json whose KV heads disagree with the graph', async () => {
    const folder = copyFixture('llama-gqa')
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'))
    config.num_key_value_heads = 4
    writeFileSync(join(folder, 'config.json'), JSON.stringify(config))
    const message = await loadError(folder)
    expect(message).toMatch(
      /past_key_values.0.key has shape \[batch_size, 2, past_sequence_length, 16\] \(num_key_value_heads 2\) but config.json gives num_key_value_heads 4/,
    )
  })

  it('reports a head_dim that disagrees with the graph', async () => {
    const folder = copyFixture('qwen2')
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'))
    delete config.head_dim
    writeFileSync(join(folder, 'config.json'), JSON.stringify(config))
    const message = await loadError(folder)
    expect(message).toMatch(/\(head_dim 24\) but config.json gives head_dim 16/)
  })

  it('rejects hybrid caches by name', async () => {
    const message = await loadError(join(fixtures, 'unsupported-hybrid'))
    expect(message).toMatch(
      /unsupported cache input past_conv.0: hybrid or recurrent caches \(past_conv\) are not supported/,
    )
  })

  it('rejects onnxruntime-genai exports', async () => {
    const folder = copyFixture('llama-gqa')
    writeFileSync(join(folder, 'genai_config.json'), '{}')
    const message = await loadError(folder)
    expect(message).toMatch(/onnxruntime-genai export/)
  })

  it('decodes a model without position_ids: batches of mixed lengths match one at a time', async () => {
    for (const name of ['gemma-nopos', 'gpt2-legacy']) {
      const model = await loadOnnxTokenModel(join(fixtures, name), { threads: 1 })
      const prompts = [
        [5, 6, 7, 8],
        [9, 10],
        [11, 12, 13],
      ]
      const batch = prompts.map(() => model.createSequence())
      const before = model.stats().forwardPasses
      const batched = await model.extend(
        batch.map((sequence, index) => ({ sequence, tokens: prompts[index] as number[] })),
      )
      // Rows of different lengths cannot share a pass without padding, which would shift the
      // positions the graph derives: one pass per length.
      expect(model.stats().forwardPasses - before).toBe(3)
      for (let index = 0; index < prompts.length; index++) {
        const single = model.createSequence()
        const [alone] = await model.extend([
          { sequence: single, tokens: prompts[index] as number[] },
        ])
        const a = batched[index]?.logits as Float32Array
        const b = alone?.logits as Float32Array
        let max = 0
        for (let column = 0; column < a.length; column++)
          max = Math.max(max, Math.abs((a[column] as number) - (b[column] as number)))
        expect(max).toBeLessThan(1e-4)
        single.dispose()
      }
      // Forks of one prompt have one length: one pass for all of them.
      const forks = [batch[0], batch[0], batch[0]].map((sequence) =>
        (sequence as never as { fork(): never }).fork(),
      )
      const passes = model.stats().forwardPasses
      await model.extend(forks.map((sequence, index) => ({ sequence, tokens: [20 + index] })))
      expect(model.stats().forwardPasses - passes).toBe(1)
      await model.close()
    }
  })
})

describe('token bytes', () => {
  const load = (name: string) =>
    loadTokenizer({
      tokenizerPath: join(fixtures, name, 'tokenizer.json'),
      tokenizerConfigPath: join(fixtures, name, 'tokenizer_config.json'),
      eosTokenIds: [],
    })
  const concat = (parts: readonly Uint8Array[]): string =>
    new TextDecoder().decode(Uint8Array.from(parts.flatMap((part) => [...part])))
  const text = 'Hello world!\n{"name": "Ada", "é": 1}  done'

  it('detects the tokenizer families', () => {
    const family = (name: string) =>
      detectTokenizerFamily(
        JSON.parse(readFileSync(join(fixtures, name, 'tokenizer.json'), 'utf8')),
      )
    expect(family('qwen2')).toEqual({ byteLevel: true, metaspace: false, byteFallback: false })
    expect(family('llama-gqa')).toEqual({ byteLevel: false, metaspace: true, byteFallback: true })
  })

  it('gives byte-level BPE tokens their exact bytes', () => {
    const tokenizer = load('qwen2')
    const bytes = tokenizer.tokenBytes()
    expect(bytes.length).toBe(tokenizer.vocabSize)
    const ids = tokenizer.encode(text)
    expect(concat(ids.map((id) => bytes[id] as Uint8Array))).toBe(text)
    for (const id of tokenizer.specialTokenIds) expect(bytes[id]?.length).toBe(0)
  })

  it('gives SentencePiece tokens their bytes: ▁ is a space, <0x0A> is byte 10', () => {
    const tokenizer = load('llama-gqa')
    const bytes = tokenizer.tokenBytes()
    const vocab = JSON.parse(readFileSync(join(fixtures, 'llama-gqa', 'tokenizer.json'), 'utf8'))
      .model.vocab as Record<string, number>
    expect([...(bytes[vocab['<0x0A>'] as number] as Uint8Array)]).toEqual([10])
    expect(new TextDecoder().decode(bytes[vocab['▁the'] as number])).toBe(' the')
    const ids = tokenizer.encode(text)
    // Metaspace puts a ▁ before the first word; the newline, braces, quotes and é fall back to bytes.
    expect(ids).toContain(vocab['<0x0A>'])
    expect(concat(ids.map((id) => bytes[id] as Uint8Array))).toBe(` ${text}`)
    expect(bytes[1]?.length).toBe(0) // <s>
    expect(tokenizer.decode(ids)).toBe(text)
  })

  it('prepends BOS as the post-processor says, and only to prompts', () => {
    const llama = load('llama-gqa')
    expect(llama.encodePrompt?.('Hello')).toEqual([1, ...llama.encode('Hello')])
    const qwen = load('qwen2')
    expect(qwen.encodePrompt?.('Hello')).toEqual(qwen.encode('Hello'))
  })
})

describe('truncate on every cache layout', () => {
  const layouts: Array<[string, 'fp32' | 'fp16', number]> = [
    ['llama-gqa', 'fp32', 1e-4],
    ['qwen2', 'fp16', 2e-2],
    ['gemma-nopos', 'fp32', 1e-4],
    ['gpt2-legacy', 'fp32', 1e-4],
  ]
  for (const [name, dtype, tolerance] of layouts) {
    it(`${name} (${dtype}): a truncated cache continues like a recompute, in a batch with a neighbour`, async () => {
      const model = await loadOnnxTokenModel(join(fixtures, name), { dtype, threads: 1 })
      try {
        const config = JSON.parse(readFileSync(join(fixtures, name, 'config.json'), 'utf8'))
        const heads = config.num_key_value_heads ?? config.num_attention_heads ?? config.n_head
        const layers = config.num_hidden_layers ?? config.n_layer
        const hidden = config.hidden_size ?? config.n_embd
        const headDim = config.head_dim ?? hidden / (config.num_attention_heads ?? config.n_head)
        expect(model.kvBytesPerToken).toBe(
          2 * layers * heads * headDim * (dtype === 'fp16' ? 2 : 4),
        )
        const prompt = [5, 6, 7, 8, 9, 10]
        const sequence = model.createSequence()
        const neighbour = model.createSequence()
        await model.extend([
          { sequence, tokens: prompt },
          { sequence: neighbour, tokens: [11, 12, 13, 14, 15, 16] },
        ])
        for (let round = 0; round < 12; round++) {
          await model.extend([
            { sequence, tokens: [20 + round, 3, 4, 5], logits: 'all' },
            { sequence: neighbour, tokens: [30 + round, 3, 4, 5], logits: 'all' },
          ])
          sequence.truncate(sequence.length - 3)
          neighbour.truncate(neighbour.length - 3)
        }
        const [step] = await model.extend([
          { sequence, tokens: [40] },
          { sequence: neighbour, tokens: [41] },
        ])
        const reference = model.createSequence()
        const [recomputed] = await model.extend([
          { sequence: reference, tokens: [...sequence.tokens] },
        ])
        const a = step?.logits as Float32Array
        const b = recomputed?.logits as Float32Array
        let max = 0
        for (let index = 0; index < a.length; index++)
          max = Math.max(max, Math.abs((a[index] as number) - (b[index] as number)))
        expect(max).toBeLessThan(tolerance)
        for (const state of [sequence, neighbour, reference]) state.dispose()
        expect(model.stats().liveSequences).toBe(0)
      } finally {
        await model.close()
      }
    })
  }
})
