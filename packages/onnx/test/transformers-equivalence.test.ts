// Equivalence with @huggingface/transformers (transformers.js 4) on the real-architecture
// fixtures (test/fixtures, built by scripts/build-fixtures.py): the same prompt ids, the same
// greedy continuations token for token in every dtype each folder ships, the same chat
// template rendering and eos ids; and, within metagen, batched = one at a time and
// forks = recomputation on every fixture.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers'
import type { SequenceState, TokenModel } from '@metagen/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadOnnxTokenModel, type OnnxDtype } from '../dist/index.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as Record<
  string,
  { parameters: number; dtypes: OnnxDtype[] }
>
env.allowRemoteModels = false
env.localModelPath = `${fixtures}/`

const prompts = [
  'The quick brown fox',
  'Question: what is 12 plus 30?\nAnswer:',
  'Hello world! {"name": "Ada"',
]
const chat = [
  { role: 'system' as const, content: 'You are a tiny model.' },
  { role: 'user' as const, content: 'What is 7 times 6?' },
  { role: 'assistant' as const, content: 'It is 42.' },
  { role: 'user' as const, content: 'And 12 plus 30?\nThink step by step.' },
]
const newTokens = 24

function argmax(logits: Float32Array): number {
  let best = 0
  for (let index = 1; index < logits.length; index++)
    if ((logits[index] as number) > (logits[best] as number)) best = index
  return best
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let max = 0
  for (let index = 0; index < a.length; index++)
    max = Math.max(max, Math.abs((a[index] as number) - (b[index] as number)))
  return max
}

/** Greedy decoding of several prompts at once: one batched pass per step. */
async function greedyBatch(model: TokenModel, prompts: number[][]): Promise<number[][]> {
  const eos = new Set(model.tokenizer.eosTokenIds)
  const sequences = prompts.map(() => model.createSequence())
  await model.extend(
    sequences.map((sequence, index) => ({ sequence, tokens: prompts[index] as number[] })),
  )
  const outputs: number[][] = prompts.map(() => [])
  let live = sequences.map((_, index) => index)
  for (let step = 0; step < newTokens && live.length > 0; step++) {
    const next = live.map((index) =>
      argmax((sequences[index] as SequenceState).lastLogits as Float32Array),
    )
    live.forEach((index, position) => {
      ;(outputs[index] as number[]).push(next[position] as number)
    })
    const going = live.filter((_, position) => !eos.has(next[position] as number))
    if (step === newTokens - 1 || going.length === 0) break
    await model.extend(
      going.map((index) => ({
        sequence: sequences[index] as SequenceState,
        tokens: [(outputs[index] as number[]).at(-1) as number],
      })),
    )
    live = going
  }
  for (const sequence of sequences) sequence.dispose()
  return outputs
}

const cases = Object.entries(manifest).flatMap(([name, entry]) =>
  entry.dtypes.map((dtype) => ({ name, dtype, parameters: entry.parameters })),
)

describe.each(cases)('$name ($dtype)', ({ name, dtype, parameters }) => {
  let model: Awaited<ReturnType<typeof loadOnnxTokenModel>>
  const closers: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const close of closers) await close()
  })

  it('decodes greedily token for token like transformers.js', async () => {
    model = await loadOnnxTokenModel(join(fixtures, name), { dtype, threads: 1 })
    closers.push(() => model.close())
    const tokenizer = await AutoTokenizer.from_pretrained(name)
    const reference = await AutoModelForCausalLM.from_pretrained(name, { dtype, device: 'cpu' })
    closers.push(async () => {
      await reference.dispose()
    })
    // Same eos ids as transformers.js's generation config.
    const generationEos = reference.generation_config?.eos_token_id
    expect([...model.tokenizer.eosTokenIds]).toEqual(
      Array.isArray(generationEos) ? generationEos : [generationEos],
    )
    for (const prompt of prompts) {
      const inputs = tokenizer(prompt)
      const ids = Array.from(inputs.input_ids.data as BigInt64Array, Number)
      // Prompts carry the post-processor's special tokens (BOS) exactly as transformers.js's.
      expect(model.tokenizer.encodePrompt?.(prompt)).toEqual(ids)
      const output = await reference.generate({
        ...inputs,
        max_new_tokens: newTokens,
        do_sample: false,
      })
      const expected = Array.from((output as { data: BigInt64Array }).data, Number).slice(
        ids.length,
      )
      const [ours] = await greedyBatch(model, [ids])
      expect(ours).toEqual(expected)
      expect(expected.length).toBeGreaterThanOrEqual(Math.min(newTokens, expected.length))
    }
  })

  it('gives the same continuations batched (different lengths) as one at a time', async () => {
    const encoded = prompts.map((prompt) => model.tokenizer.encodePrompt?.(prompt) as number[])
    expect(new Set(encoded.map((ids) => ids.length)).size).toBeGreaterThan(1)
    if (dtype === 'q8') {
      // Dynamic int8 quantization scales activations per tensor, i.e. over the whole padded
      // batch, so a q8 model's logits depend on its batch in any runtime (near-ties can flip):
      // compare the prefill logits with a tolerance instead of the continuations.
      const sequences = encoded.map(() => model.createSequence())
      const batched = await model.extend(
        sequences.map((sequence, index) => ({ sequence, tokens: encoded[index] as number[] })),
      )
      for (let index = 0; index < encoded.length; index++) {
        const single = model.createSequence()
        const [alone] = await model.extend([
          { sequence: single, tokens: encoded[index] as number[] },
        ])
        expect(
          maxAbsDifference(batched[index]?.logits as Float32Array, alone?.logits as Float32Array),
        ).toBeLessThan(0.5)
        single.dispose()
      }
      for (const sequence of sequences) sequence.dispose()
      return
    }
    const batched = await greedyBatch(model, encoded)
    for (let index = 0; index < encoded.length; index++) {
      const [alone] = await greedyBatch(model, [encoded[index] as number[]])
      expect(batched[index]).toEqual(alone)
    }
  })

  it('gives forks the logits of a recomputation', async () => {
    const prompt = model.tokenizer.encodePrompt?.(prompts[1] as string) as number[]
    const root = model.createSequence()
    await model.extend([{ sequence: root, tokens: prompt }])
    const continuations = [[5, 6, 7], [8], [9, 10]]
    const forks = continuations.map(() => root.fork())
    const results = await model.extend(
      forks.map((sequence, index) => ({
        sequence,
        tokens: continuations[index] as number[],
        logits: 'all',
      })),
    )
    const tolerance = dtype === 'fp32' || dtype === 'q4' ? 1e-4 : dtype === 'fp16' ? 5e-2 : 0.5
    for (let index = 0; index < forks.length; index++) {
      const fresh = model.createSequence()
      const tokens = [...prompt, ...(continuations[index] as number[])]
      const [recomputed] = await model.extend([{ sequence: fresh, tokens, logits: 'all' }])
      const rows = (continuations[index] as number[]).length
      const tail = (recomputed as { logits: Float32Array }).logits.subarray(
        (tokens.length - rows) * model.vocabSize,
      )
      const ours = results[index]?.logits as Float32Array
      // q8: activation scales of a cached step differ from a full prefill's (see above).
      expect(maxAbsDifference(ours, tail)).toBeLessThan(tolerance)
      fresh.dispose()
    }
    expect(root.length).toBe(prompt.length)
    for (const sequence of [root, ...forks]) sequence.dispose()
  })

  it('renders chat messages exactly as apply_chat_template', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(name)
    if (!tokenizer.chat_template) {
      expect(model.tokenizer.applyChatTemplate).toBeUndefined()
      return
    }
    const rendered = tokenizer.apply_chat_template(chat, {
      tokenize: false,
      add_generation_prompt: true,
    }) as string
    expect(model.tokenizer.applyChatTemplate?.(chat)).toBe(rendered)
    const tokenized = tokenizer.apply_chat_template(chat, {
      tokenize: true,
      add_generation_prompt: true,
      return_tensor: false,
      return_dict: false,
    }) as unknown as number[]
    expect(model.tokenizer.encode(rendered)).toEqual(tokenized)
  })

  it('counts parameters from the initializers, quantized weights by their logical size', () => {
    // The torch model's parameters plus RoPE's inverse frequencies, and for tied embeddings the
    // output projection the export stores as a separate (transposed) matrix.
    const hidden = 64
    const tiedCopy = ['qwen2', 'gemma-nopos', 'gpt2-legacy'].includes(name)
      ? model.vocabSize * hidden
      : 0
    const expected = parameters + tiedCopy
    expect(Math.abs(model.parameterCount - expected)).toBeLessThanOrEqual(16)
  })
})
