import {
  AbortedError,
  InvalidArgumentError,
  logSoftmax,
  UnsupportedCapabilityError,
} from '@metagen/core'
import { createFakeTokenModel, hashedLogits } from '@metagen/core/testing'
import { describe, expect, it } from 'vitest'
import { createRegexConstraint } from './constrained/constraint.js'
import { createConstraintProcessor } from './constrained/constraint-processor.js'
import { createTokenLanguageModel } from './token-language-model.js'

describe('createTokenLanguageModel', () => {
  it('reports the capabilities and ids', () => {
    const model = createTokenLanguageModel(createFakeTokenModel({ modelId: 'm' }))
    expect(model.modelId).toBe('m')
    expect(model.provider).toBe('metagen')
    expect(model.capabilities).toEqual({
      logprobs: true,
      nativeN: true,
      seed: true,
      scoring: true,
      chat: false,
      continuation: 'native',
    })
  })

  it('decodes greedily at temperature 0, matching a step-by-step argmax', async () => {
    const tokenModel = createFakeTokenModel()
    const model = createTokenLanguageModel(tokenModel)
    const result = await model.generate({
      prompt: 'abc',
      temperature: 0,
      maxTokens: 6,
      logprobs: true,
    })
    const output = result.outputs[0]!
    // Reference: recompute argmax along the generated path with the model's logits function.
    const tokens = tokenModel.tokenizer.encode('abc')
    const expected: number[] = []
    for (let step = 0; step < 6; step++) {
      const probe = tokenModel.createSequence()
      await tokenModel.extend([{ sequence: probe, tokens }])
      const row = probe.lastLogits!
      probe.dispose()
      let best = 0
      for (let index = 1; index < row.length; index++) if (row[index]! > row[best]!) best = index
      expected.push(best)
      tokens.push(best)
      if (best === 0) break
    }
    expect(output.tokenIds).toEqual(expected)
    expect(output.finishReason).toBe(expected.at(-1) === 0 ? 'stop' : 'length')
    expect(output.logprobs!.length).toBe(expected.length)
    for (const entry of output.logprobs!) expect(entry.logprob).toBeLessThanOrEqual(0)
    expect(tokenModel.stats().liveSequences).toBe(0)
  })

  it('batches n samples after one prefill and disposes every state', async () => {
    const tokenModel = createFakeTokenModel({ vocabSize: 8 })
    const model = createTokenLanguageModel(tokenModel)
    const result = await model.generate({ prompt: 'abcd', n: 5, maxTokens: 10, seed: 7 })
    expect(result.outputs).toHaveLength(5)
    // First call is the single prefill of 4 prompt tokens; every later call is a decode batch.
    expect(tokenModel.calls[0]).toEqual({ batch: 1, tokens: 4 })
    expect(tokenModel.calls.slice(1).every((call) => call.batch === call.tokens)).toBe(true)
    expect(tokenModel.calls[1]!.batch).toBeLessThanOrEqual(5)
    expect(tokenModel.stats().sequencesCreated).toBe(1)
    expect(tokenModel.stats().liveSequences).toBe(0)
    const generated = result.outputs.reduce((total, output) => total + output.tokenIds!.length, 0)
    expect(result.usage.inputTokens).toBe(4)
    expect(result.usage.outputTokens).toBe(generated)
    expect(result.usage.calls).toBe(1)
    expect(result.usage.flops).toBe(2 * 1000 * tokenModel.stats().tokensProcessed)
  })

  it('gives sample i the same tokens whatever n is, and replays a seed exactly', async () => {
    const model = createTokenLanguageModel(createFakeTokenModel())
    const four = await model.generate({ prompt: 'ab', n: 4, maxTokens: 8, seed: 123 })
    const two = await model.generate({ prompt: 'ab', n: 2, maxTokens: 8, seed: 123 })
    const again = await model.generate({ prompt: 'ab', n: 4, maxTokens: 8, seed: 123 })
    expect(two.outputs.map((output) => output.tokenIds)).toEqual(
      four.outputs.slice(0, 2).map((output) => output.tokenIds),
    )
    expect(again.outputs.map((output) => output.tokenIds)).toEqual(
      four.outputs.map((output) => output.tokenIds),
    )
    const other = await model.generate({ prompt: 'ab', n: 4, maxTokens: 8, seed: 124 })
    expect(other.outputs.map((output) => output.tokenIds)).not.toEqual(
      four.outputs.map((output) => output.tokenIds),
    )
  })

  it('stops at eos with finishReason stop and at maxTokens with length', async () => {
    // Always eos after two letters.
    const tokenModel = createFakeTokenModel({
      logits: (tokens) => {
        const row = new Float32Array(8)
        row[tokens.length >= 4 ? 0 : 3] = 10
        return row
      },
    })
    const model = createTokenLanguageModel(tokenModel)
    const stopped = await model.generate({ prompt: 'ab', temperature: 0 })
    expect(stopped.outputs[0]).toMatchObject({
      text: 'cc',
      finishReason: 'stop',
      tokenIds: [3, 3, 0],
    })
    const cut = await model.generate({ prompt: 'ab', temperature: 0, maxTokens: 1 })
    expect(cut.outputs[0]).toMatchObject({ text: 'c', finishReason: 'length' })
  })

  it('removes a text-level stop sequence and everything after it', async () => {
    const letters = [1, 2, 3, 4, 5, 6, 7]
    const tokenModel = createFakeTokenModel({
      logits: (tokens) => {
        const row = new Float32Array(8)
        row[letters[(tokens.length - 1) % letters.length]!] = 10
        return row
      },
    })
    const model = createTokenLanguageModel(tokenModel)
    const result = await model.generate({
      prompt: 'a',
      temperature: 0,
      stop: ['de', 'zz'],
      maxTokens: 20,
    })
    // Generates a, b, c, d, e, ...: the text 'abcde' is cut before 'de', and so are the tokens
    // of the stop sequence (d, e).
    expect(result.outputs[0]).toMatchObject({ text: 'abc', finishReason: 'stop' })
    expect(result.outputs[0]!.tokenIds).toEqual([1, 2, 3])
    const withLogprobs = await model.generate({
      prompt: 'a',
      temperature: 0,
      stop: ['de'],
      maxTokens: 20,
      logprobs: true,
    })
    expect(withLogprobs.outputs[0]!.logprobs!.map((entry) => entry.token).join('')).toBe('abc')
  })

  it('reports logprobs of the distribution actually sampled from, with top alternatives', async () => {
    const row = Float32Array.from([0, 1, 2, 3, 0.5, -1, 2.5, 1.5])
    const model = createTokenLanguageModel(createFakeTokenModel({ logits: () => row }))
    const result = await model.generate({
      prompt: 'a',
      maxTokens: 1,
      seed: 3,
      temperature: 0.5,
      topK: 2,
      logprobs: true,
      topLogprobs: 2,
    })
    const entry = result.outputs[0]!.logprobs![0]!
    // top-2 of row/0.5 keeps ids 3 (6) and 6 (5): p = softmax([6, 5]).
    const reference = logSoftmax([6, 5])
    expect([3, 6]).toContain(entry.tokenId)
    expect(entry.logprob).toBeCloseTo(reference[entry.tokenId === 3 ? 0 : 1]!, 6)
    expect(entry.topLogprobs!.map((top) => top.token)).toEqual(['c', 'f'])
    expect(entry.topLogprobs![0]!.logprob).toBeCloseTo(reference[0]!, 6)
  })

  it('validates requests and options with clear errors', async () => {
    const model = createTokenLanguageModel(createFakeTokenModel({ maxSequenceLength: 8 }))
    await expect(model.generate({ prompt: 'ab', temperature: -1 })).rejects.toThrow(
      InvalidArgumentError,
    )
    await expect(model.generate({ prompt: 'ab', topP: 0 })).rejects.toThrow(/topP/)
    await expect(
      model.generate({ prompt: 'ab', providerOptions: { metagen: { minP: 2 } } }),
    ).rejects.toThrow(/providerOptions\.metagen\.minP/)
    await expect(
      model.generate({ prompt: 'ab', providerOptions: { metagen: { topQ: 2 } } }),
    ).rejects.toThrow(/topQ/)
    await expect(model.generate({ prompt: 'abcdefgabcdefg' })).rejects.toThrow(
      /context of 8 tokens/,
    )
    await expect(model.generate({ messages: [{ role: 'user', content: 'ab' }] })).rejects.toThrow(
      UnsupportedCapabilityError,
    )
    expect(() =>
      createTokenLanguageModel(createFakeTokenModel(), { sampling: { topK: 0 } }),
    ).toThrow(/options\.sampling\.topK/)
  })

  it('caps maxTokens at the context with a warning, and uses min(256, room) by default', async () => {
    const tokenModel = createFakeTokenModel({
      maxSequenceLength: 8,
      logits: () => Float32Array.from([-9, 1, 0, 0, 0, 0, 0, 0]),
    })
    const model = createTokenLanguageModel(tokenModel)
    const byDefault = await model.generate({ prompt: 'abc', temperature: 0 })
    expect(byDefault.outputs[0]!.tokenIds).toHaveLength(5)
    expect(byDefault.warnings).toEqual([])
    const capped = await model.generate({ prompt: 'abc', temperature: 0, maxTokens: 50 })
    expect(capped.outputs[0]!.tokenIds).toHaveLength(5)
    expect(capped.outputs[0]!.finishReason).toBe('length')
    expect(capped.warnings[0]!.setting).toBe('maxTokens')
  })

  it('accepts chat messages with a chat template', async () => {
    const model = createTokenLanguageModel(createFakeTokenModel(), {
      chatTemplate: (messages) => messages.map((message) => message.content).join(''),
    })
    expect(model.capabilities.chat).toBe(true)
    const result = await model.generate({
      messages: [{ role: 'user', content: 'ab' }],
      maxTokens: 2,
      seed: 1,
    })
    expect(result.usage.inputTokens).toBe(2)
  })

  it('keeps the other samples when one fails', async () => {
    const tokenModel = createFakeTokenModel({
      failOnToken: 5,
      logits: () => Float32Array.from([-9, 0, 0, 0, 0, 0, 0, 0]),
    })
    const model = createTokenLanguageModel(tokenModel)
    const result = await model.generate({ prompt: 'a', n: 16, maxTokens: 3, seed: 5 })
    const failed = result.outputs.filter((output) => output.finishReason === 'error')
    const fine = result.outputs.filter((output) => output.finishReason !== 'error')
    expect(failed.length).toBeGreaterThan(0)
    expect(fine.length).toBeGreaterThan(0)
    for (const output of failed) expect(output.error?.message).toMatch(/fake failure/)
    for (const output of fine) expect(output.tokenIds!.slice(0, -1)).not.toContain(5)
    expect(tokenModel.stats().liveSequences).toBe(0)
  })

  it('honours an AbortSignal between steps and frees the states', async () => {
    const controller = new AbortController()
    const tokenModel = createFakeTokenModel({
      logits: (tokens) => {
        if (tokens.length >= 5) controller.abort()
        return Float32Array.from([-9, 0, 0, 0, 0, 0, 0, 0])
      },
    })
    const model = createTokenLanguageModel(tokenModel)
    const pending = model.generate({
      prompt: 'a',
      n: 3,
      maxTokens: 40,
      signal: controller.signal,
      seed: 1,
    })
    await expect(pending).rejects.toThrow(AbortedError)
    expect(tokenModel.stats().forwardPasses).toBeLessThan(10)
    expect(tokenModel.stats().liveSequences).toBe(0)
  })

  it('scores continuations by teacher forcing', async () => {
    const tokenModel = createFakeTokenModel()
    const model = createTokenLanguageModel(tokenModel)
    const result = await model.scoreContinuations!({ prompt: 'ab', continuations: ['cd', '', 'e'] })
    // Reference: the fake's logits are a function of the ids so far.
    const expected = (prefix: string, token: number) =>
      logSoftmax(hashedLogits(8)(tokenModel.tokenizer.encode(prefix)))[token]!
    expect(result.continuations[0]!.logprobs.map((entry) => entry.logprob)).toEqual([
      expect.closeTo(expected('ab', 3), 6),
      expect.closeTo(expected('abc', 4), 6),
    ])
    expect(result.continuations[0]!.logprobs.map((entry) => entry.token)).toEqual(['c', 'd'])
    expect(result.continuations[1]!.logprobs).toEqual([])
    expect(result.continuations[2]!.logprobs[0]!.logprob).toBeCloseTo(expected('ab', 5), 6)
    expect(result.usage.inputTokens).toBe(2)
    expect(tokenModel.stats().forwardPasses).toBe(2)
    expect(tokenModel.stats().liveSequences).toBe(0)
  })

  it('applies a logitsProcessor option to every sample (a constraint processor)', async () => {
    const model = createFakeTokenModel()
    const processor = createConstraintProcessor(
      createRegexConstraint(/(?:ab|cd)+g/),
      model.tokenizer,
      {
        maxTokens: 9,
      },
    )
    const languageModel = createTokenLanguageModel(model, { logitsProcessor: processor })
    const result = await languageModel.generate({ prompt: 'a', n: 5, maxTokens: 9, seed: 1 })
    expect(result.outputs).toHaveLength(5)
    for (const output of result.outputs) expect(output.text).toMatch(/^(?:ab|cd)+g$/)
    expect(() => createTokenLanguageModel(model, { logitsProcessor: {} as never })).toThrow(
      /options\.logitsProcessor/,
    )
  })
})
