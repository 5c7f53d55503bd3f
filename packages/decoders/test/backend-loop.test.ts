// sampleSequences runs plain requests through the backend's own loop (TokenModel.sampleTokens,
// one worker round trip per generation on the ONNX backend). Its results must equal the
// step-by-step loop's exactly: same tokens, logprobs, texts, finish reasons and stats.
import type { TokenModel } from '@metagen/core'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createModelDrafter,
  type SampleSequencesOptions,
  sampleSequences,
  speculativeDecode,
} from '../src/index.js'

let model: TokenModel
let draft: TokenModel
let prompts: number[][]
let extendCalls = 0
let backendCalls = 0
/** The real model, counting which entry point the decoder used. */
let counted: TokenModel

beforeAll(async () => {
  model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { threads: 1 })
  draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], { threads: 1 })
  const problems = (await loadDevSet()).filter((_, index) => index % 75 === 0).slice(0, 3)
  prompts = problems.map((problem) => model.tokenizer.encode(formatPrompt(problem.question)))
  counted = new Proxy(model, {
    get(target, key) {
      const value = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (key === 'extend') extendCalls++
        if (key === 'sampleTokens') backendCalls++
        return value.apply(target, args)
      }
    },
  })
})

afterAll(async () => {
  await Promise.all([model.close(), draft.close()])
})

/** `target` without its backend loop: decoders must take the step-by-step path. */
function withoutBackendLoop(target: TokenModel): TokenModel {
  return new Proxy(target, {
    get(object, key) {
      if (key === 'sampleTokens') return undefined
      const value = Reflect.get(object, key, object)
      return typeof value === 'function' ? value.bind(object) : value
    },
  })
}

/** A processor that changes nothing but forces the step-by-step loop. */
const identity = (logits: Float32Array) => logits

describe('sampleSequences through the backend loop', () => {
  const cases: Array<Partial<SampleSequencesOptions>> = [
    { sampling: { temperature: 0 }, maxTokens: 60 },
    { sampling: { temperature: 1 }, n: 5, seed: 7, maxTokens: 50 },
    { sampling: { temperature: 0.6 }, n: 3, seed: 99, maxTokens: 20 },
  ]
  for (const options of cases) {
    it(`equals the step loop exactly (${JSON.stringify(options)})`, async () => {
      for (const prompt of prompts) {
        extendCalls = 0
        backendCalls = 0
        const fast = await sampleSequences({ models: [counted], prompt, ...options })
        // The prompt's prefill is the only extend call; the loop ran in the backend.
        expect(extendCalls).toBe(1)
        expect(backendCalls).toBeGreaterThanOrEqual(1)
        const stepped = await sampleSequences({
          models: [model],
          prompt,
          ...options,
          logitsProcessor: identity,
        })
        expect(fast).toEqual(stepped)
      }
    })
  }

  it('keeps the step loop for requests with a per-step hook', async () => {
    const prompt = prompts[0] as number[]
    for (const options of [
      { sampling: { temperature: 0 }, stop: ['='] },
      { sampling: { temperature: 0 }, topLogprobs: 2 },
      { sampling: { temperature: 1, topK: 5 }, seed: 1 },
    ] satisfies Array<Partial<SampleSequencesOptions>>) {
      backendCalls = 0
      await sampleSequences({ models: [counted], prompt, maxTokens: 8, ...options })
      expect(backendCalls).toBe(0)
    }
  })

  it('greedy speculative decoding drafts inside the draft backend with the same result and stats', async () => {
    for (const prompt of prompts) {
      for (const k of [2, 5]) {
        const options = { target: model, prompt, maxTokens: 80, k, sampling: { temperature: 0 } }
        const fast = await speculativeDecode({ ...options, drafter: createModelDrafter(draft) })
        const stepped = await speculativeDecode({
          ...options,
          drafter: createModelDrafter(withoutBackendLoop(draft)),
        })
        expect(fast).toEqual(stepped)
        const plain = await sampleSequences({
          models: [model],
          prompt,
          maxTokens: 80,
          sampling: { temperature: 0 },
        })
        expect(fast.sequences[0]?.tokenIds).toEqual(plain.sequences[0]?.tokenIds)
      }
    }
  })
})
