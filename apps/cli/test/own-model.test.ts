// Integration: local strategies on a user's own model folder (the real-architecture fixtures of
// @metagen/onnx: a Llama with grouped-query attention and a SentencePiece tokenizer, in its q8
// dtype, and a one-layer draft with the same tokenizer), through the CLI; and chat messages
// through the model's own chat template.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { describe, expect, it } from 'vitest'
import { main } from '../src/index.js'
import { captureIo } from './capture-io.js'

const fixtures = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'packages',
  'onnx',
  'test',
  'fixtures',
)
const llama = join(fixtures, 'llama-gqa')
const draft = join(fixtures, 'llama-gqa-draft')
const prompt = 'Question: what is 12 plus 30? Answer:'

async function solve(...args: string[]) {
  const io = captureIo()
  const code = await main(['solve', prompt, '--prompt', '--json', '--threads', '1', ...args], io)
  expect(io.err()).not.toMatch(/Error|error/)
  expect(code).toBe(0)
  return JSON.parse(io.out()) as {
    text: string
    usage: { inputTokens: number; outputTokens: number; flops: number }
  }
}

describe('metagen solve --model <folder> --dtype q8', () => {
  const q8 = ['--model', llama, '--dtype', 'q8', '--max-tokens', '12']

  it.each([
    ['sample', ['--seed', '1']],
    ['beam', ['--beam-width', '2']],
    ['speculative', ['--draft', draft, '--k', '3']],
    [
      'step-beam',
      [
        '--proposer',
        'language',
        '--scorer',
        'logprob',
        '--beams',
        '4',
        '--beam-width',
        '2',
        '--max-steps',
        '2',
      ],
    ],
    ['mbr', ['--n', '4']],
  ])('runs %s', async (strategy, flags) => {
    const result = await solve(...q8, '--strategy', strategy, ...flags)
    // The prompt is the tokenizer's BOS plus the text's tokens.
    expect(result.usage.inputTokens).toBeGreaterThan(10)
    expect(result.usage.outputTokens).toBeGreaterThan(0)
    expect(result.usage.flops).toBeGreaterThan(0)
  })

  it('runs constrained decoding to a JSON schema', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'integer' } },
      required: ['answer'],
      additionalProperties: false,
    }
    const result = await solve(
      ...q8.slice(0, -2),
      '--max-tokens',
      '48',
      '--strategy',
      'constrained',
      '--json-schema',
      JSON.stringify(schema),
    )
    const parsed = JSON.parse(result.text) as { answer: unknown }
    expect(Object.keys(parsed)).toEqual(['answer'])
    expect(Number.isInteger(parsed.answer)).toBe(true)
  })

  it('gives speculative decoding the greedy output of the run model (fp32)', async () => {
    const fp32 = ['--model', llama, '--max-tokens', '16']
    const greedy = await solve(...fp32, '--strategy', 'greedy')
    const speculative = await solve(...fp32, '--strategy', 'speculative', '--draft', draft)
    expect(speculative.text).toBe(greedy.text)
    expect(greedy.usage.outputTokens).toBe(16)
  })

  it('names the dtypes when --dtype is wrong, and the files when it is missing', async () => {
    const io = captureIo()
    expect(
      await main(['solve', prompt, '--prompt', '--model', llama, '--dtype', 'q5'], io),
    ).not.toBe(0)
    expect(io.err()).toMatch(/dtype: expected one of fp32, fp16, q8/)
    const missing = captureIo()
    expect(
      await main(['solve', prompt, '--prompt', '--model', llama, '--dtype', 'q4'], missing),
    ).not.toBe(0)
    expect(missing.err()).toMatch(
      /no ONNX file for dtype q4: expected onnx\/model_q4.onnx; the onnx folder has model.onnx \(dtype fp32\), model_quantized.onnx \(dtype q8\)/,
    )
  })
})

describe('metagen solve --strategy greedy on every fixture and dtype', () => {
  // The library's greedy decoding of these folders equals transformers.js token for token
  // (packages/onnx/test/transformers-equivalence.test.ts); the CLI must print the same text.
  const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as Record<
    string,
    { dtypes: Array<'fp32' | 'fp16' | 'q8' | 'q4'> }
  >
  const cases = Object.entries(manifest).flatMap(([name, entry]) =>
    entry.dtypes.map((dtype) => [name, dtype] as const),
  )
  it.each(cases)('%s (%s)', async (name, dtype) => {
    const folder = join(fixtures, name)
    const cli = await solve(
      '--model',
      folder,
      '--dtype',
      dtype,
      '--strategy',
      'greedy',
      '--max-tokens',
      '24',
    )
    const model = await loadOnnxTokenModel(folder, { dtype, threads: 1 })
    try {
      const sequence = model.createSequence()
      await model.extend([{ sequence, tokens: model.tokenizer.encodePrompt?.(prompt) ?? [] }])
      const ids: number[] = []
      while (ids.length < 24) {
        const logits = sequence.lastLogits as Float32Array
        let best = 0
        for (let index = 1; index < logits.length; index++)
          if ((logits[index] as number) > (logits[best] as number)) best = index
        if (model.tokenizer.eosTokenIds.includes(best)) break
        ids.push(best)
        await model.extend([{ sequence, tokens: [best] }])
      }
      expect(cli.usage.outputTokens).toBe(ids.length)
      expect(cli.text).toBe(model.tokenizer.decode(ids))
    } finally {
      await model.close()
    }
  })
})

describe('chat messages on a local model', () => {
  it('renders messages with the folder chat template and decodes them', async () => {
    const tokenModel = await loadOnnxTokenModel(join(fixtures, 'qwen2'), {
      dtype: 'q4',
      threads: 1,
    })
    try {
      const model = createTokenLanguageModel(tokenModel)
      expect(model.capabilities.chat).toBe(true)
      const messages = [{ role: 'user' as const, content: 'What is 7 times 6?' }]
      const result = await model.generate({ messages, maxTokens: 8, temperature: 0 })
      // The same prompt as the rendered template: the usage counts its tokens.
      const rendered = tokenModel.tokenizer.applyChatTemplate?.(messages) as string
      expect(rendered).toBe(
        '<|im_start|>user\nWhat is 7 times 6?<|im_end|>\n<|im_start|>assistant\n',
      )
      expect(result.usage.inputTokens).toBe(tokenModel.tokenizer.encode(rendered).length)
      expect(result.outputs[0]?.tokenIds?.length).toBeGreaterThan(0)
    } finally {
      await tokenModel.close()
    }
    // A folder without a chat template: messages are a clear error.
    const gpt2 = await loadOnnxTokenModel(join(fixtures, 'gpt2-legacy'), { threads: 1 })
    try {
      const model = createTokenLanguageModel(gpt2)
      expect(model.capabilities.chat).toBe(false)
      await expect(
        model.generate({ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 4 }),
      ).rejects.toThrow(/no chat template/)
    } finally {
      await gpt2.close()
    }
  })
})
