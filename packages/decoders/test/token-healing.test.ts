// Token healing on real tokenizers and models: the tinymath byte-level BPE model and the
// SentencePiece (Llama-style, Metaspace + byte fallback) fixture of @metagen/onnx.
import { fileURLToPath } from 'node:url'
import type { TokenModel } from '@metagen/core'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTokenHealingProcessor,
  createTokenLanguageModel,
  healedText,
  healPrompt,
} from '../src/index.js'

const llamaFolder = fileURLToPath(new URL('../../onnx/test/fixtures/llama-gqa', import.meta.url))

let tinymath: TokenModel
let llama: TokenModel

beforeAll(async () => {
  ;[tinymath, llama] = await Promise.all([
    loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { modelId: 'tinymath-generator' }),
    loadOnnxTokenModel(llamaFolder, { modelId: 'llama-gqa' }),
  ])
})

afterAll(async () => {
  await Promise.all([tinymath?.close(), llama?.close()])
})

const utf8 = (text: string) => new TextEncoder().encode(text)
const bytesOf = (model: TokenModel, ids: readonly number[]) =>
  Buffer.concat(ids.map((id) => model.tokenizer.tokenBytes()[id]!))
const encodePrompt = (model: TokenModel, text: string) =>
  model.tokenizer.encodePrompt ? model.tokenizer.encodePrompt(text) : model.tokenizer.encode(text)

/** The definition, by brute force: the tokens whose bytes agree with `rest` on their common length. */
function allowedByDefinition(model: TokenModel, rest: Uint8Array): number[] {
  const special = new Set([...model.tokenizer.specialTokenIds, ...model.tokenizer.eosTokenIds])
  const allowed: number[] = []
  model.tokenizer.tokenBytes().forEach((bytes, id) => {
    if (bytes.length === 0 || special.has(id)) return
    const a = Buffer.from(bytes)
    const b = Buffer.from(rest)
    const common = Math.min(a.length, b.length)
    if (a.subarray(0, common).equals(b.subarray(0, common))) allowed.push(id)
  })
  return allowed
}

const finiteIds = (row: Float32Array) =>
  [...row.keys()].filter((id) => row[id]! > Number.NEGATIVE_INFINITY)

// The three kinds of prompt that end mid-token, from the tutorial.
const prompts = [
  { kind: 'a trailing space', text: 'Q: What is 2+3?\nA: ', suffix: ' ' },
  { kind: 'a partial word', text: 'Ava has 23 app', suffix: 'p' },
  { kind: 'a URL prefix', text: 'Visit http:', suffix: ':' },
]

for (const modelName of ['tinymath', 'llama'] as const) {
  const model = () => (modelName === 'tinymath' ? tinymath : llama)
  describe(`token healing on the ${modelName === 'tinymath' ? 'tinymath byte-level BPE' : 'SentencePiece (llama-gqa fixture)'} tokenizer`, () => {
    for (const { kind, text, suffix } of prompts) {
      it(`backs up the last token of a prompt ending in ${kind} and masks exactly the tokens that agree with it`, () => {
        const ids = encodePrompt(model(), text)
        const healed = healPrompt(model().tokenizer, ids)
        // The healed prompt plus the removed bytes spell the original prompt.
        expect(healed.prompt).toEqual(ids.slice(0, -1))
        expect(healed.removedTokens).toEqual(ids.slice(-1))
        expect(Buffer.concat([bytesOf(model(), healed.prompt), healed.prefixBytes])).toEqual(
          bytesOf(model(), ids),
        )
        expect(healed.prefix.endsWith(suffix)).toBe(true)
        // The first step allows exactly the tokens whose bytes agree with the removed text.
        const processor = createTokenHealingProcessor(model().tokenizer, healed.prefixBytes)
        const logits = new Float32Array(model().vocabSize).fill(0.5)
        const first = processor(logits, {
          tokens: healed.prompt,
          generatedCount: 0,
          eosTokenIds: model().tokenizer.eosTokenIds,
        })
        expect(finiteIds(first)).toEqual(allowedByDefinition(model(), healed.prefixBytes))
        expect(finiteIds(first)).toContain(healed.removedTokens[0])
        expect(first).not.toBe(logits)
      })
    }

    it('backs up several tokens with maxRemovedTokens, continuing the constraint until the text is covered', () => {
      const ids = encodePrompt(model(), 'Ava has 23 app')
      const healed = healPrompt(model().tokenizer, ids, { maxRemovedTokens: 2 })
      expect(healed.removedTokens).toEqual(ids.slice(-2))
      expect(healed.prefix.endsWith('pp')).toBe(true)
      const processor = createTokenHealingProcessor(model().tokenizer, healed.prefixBytes)
      const logits = new Float32Array(model().vocabSize)
      const context = (generated: number[]) => ({
        tokens: [...healed.prompt, ...generated],
        generatedCount: generated.length,
        eosTokenIds: model().tokenizer.eosTokenIds,
      })
      // After the first removed token, only tokens agreeing with the second one's bytes remain.
      const first = healed.removedTokens[0]!
      const rest = healed.prefixBytes.subarray(model().tokenizer.tokenBytes()[first]!.length)
      expect(finiteIds(processor(logits, context([first])))).toEqual(
        allowedByDefinition(model(), rest),
      )
      // Once the removed bytes are covered, the row is left alone.
      const after = processor(Float32Array.from(logits), context(healed.removedTokens))
      expect(finiteIds(after)).toHaveLength(model().vocabSize)
    })

    it('never removes a special token or the only token', () => {
      const single = encodePrompt(model(), 'a')
      const healed = healPrompt(model().tokenizer, single)
      expect(healed.prompt.length).toBeGreaterThanOrEqual(1)
      if (modelName === 'llama') {
        // [BOS, ▁a]: the text token goes, BOS stays.
        expect(healed.prompt).toEqual([single[0]])
        expect(healed.prefix).toBe(' a')
        const onlyBos = healPrompt(model().tokenizer, [single[0]!])
        expect(onlyBos.removedTokens).toEqual([])
      } else {
        expect(healed.removedTokens).toEqual([])
      }
      expect(() => healPrompt(model().tokenizer, [])).toThrow(/prompt/)
      expect(() => healPrompt(model().tokenizer, single, { maxRemovedTokens: 0 })).toThrow(
        /maxRemovedTokens/,
      )
    })

    it('generates through createTokenLanguageModel: the output re-spells the removed text, which is cut from the text', async () => {
      const healing = createTokenLanguageModel(model(), { tokenHealing: true })
      for (const { text } of prompts) {
        const ids = encodePrompt(model(), text)
        const healed = healPrompt(model().tokenizer, ids)
        const result = await healing.generate({
          prompt: text,
          n: 4,
          maxTokens: 12,
          seed: 3,
          temperature: 1,
        })
        // The prompt was prefilled without its last token.
        expect(result.usage.inputTokens).toBe(ids.length - 1)
        for (const output of result.outputs) {
          const generated = bytesOf(model(), output.tokenIds!)
          const common = Math.min(generated.length, healed.prefixBytes.length)
          expect(generated.subarray(0, common)).toEqual(
            Buffer.from(healed.prefixBytes.subarray(0, common)),
          )
          expect(output.text).toBe(
            healedText(model().tokenizer, output.tokenIds!, healed.prefixBytes),
          )
          if (generated.length > healed.prefixBytes.length) {
            expect(output.text).toBe(
              new TextDecoder().decode(generated.subarray(healed.prefixBytes.length)),
            )
          }
        }
      }
    })
  })
}

describe('token healing on tinymath-generator (greedy)', () => {
  it('a prompt with a trailing space gives the natural prompt`s solution without its leading space', async () => {
    const problems = (await loadDevSet()).slice(0, 5)
    const plain = createTokenLanguageModel(tinymath)
    const healing = createTokenLanguageModel(tinymath, { tokenHealing: true })
    for (const problem of problems) {
      const natural = await plain.generate({
        prompt: formatPrompt(problem.question),
        temperature: 0,
        maxTokens: 48,
      })
      const healed = await healing.generate({
        prompt: `${formatPrompt(problem.question)} `,
        temperature: 0,
        maxTokens: 48,
      })
      // The healed prompt is the natural one and the model's own first token starts with a space.
      expect(natural.outputs[0]!.text.startsWith(' ')).toBe(true)
      expect(healed.outputs[0]!.text).toBe(natural.outputs[0]!.text.slice(1))
      expect(healed.outputs[0]!.tokenIds).toEqual(natural.outputs[0]!.tokenIds)
    }
  })

  it('cuts at stop strings after the re-spelt text only, and keeps the tokens that spelt the kept text', async () => {
    const healing = createTokenLanguageModel(tinymath, { tokenHealing: true })
    const problem = (await loadDevSet())[0]!
    // The prompt ends in '\n' and the stop string is '\n': the healed '\n' must not stop it.
    const result = await healing.generate({
      prompt: `Q: ${problem.question}\n`,
      temperature: 0,
      maxTokens: 64,
      stop: ['\n', '.'],
    })
    const output = result.outputs[0]!
    expect(output.finishReason).toBe('stop')
    expect(output.text.length).toBeGreaterThan(0)
    expect(output.text.includes('.')).toBe(false)
    expect(output.text.includes('\n')).toBe(false)
    expect(
      healedText(tinymath.tokenizer, output.tokenIds!, utf8('\n')).startsWith(output.text),
    ).toBe(true)
  })

  it('warns that healing is not applied with a responseFormat, and rejects bad options', async () => {
    const healing = createTokenLanguageModel(tinymath, { tokenHealing: true })
    const result = await healing.generate({
      prompt: 'Q: 1+1?\nA: ',
      maxTokens: 4,
      temperature: 0,
      responseFormat: { type: 'json_schema', schema: { type: 'integer' } },
    })
    expect(result.warnings.some((warning) => warning.message.includes('Token healing'))).toBe(true)
    expect(() =>
      createTokenLanguageModel(tinymath, { tokenHealing: { maxRemovedTokens: 0 } }),
    ).toThrow(/tokenHealing.maxRemovedTokens/)
  })
})
