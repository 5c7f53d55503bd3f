import { describe, expect, it } from 'vitest'
import { AbortedError, ApiCallError, InvalidArgumentError } from '../errors.js'
import {
  applyFakeLimits,
  createFakeLanguageModel,
  createScriptedLanguageModel,
  splitFakeTokens,
} from './fake-language-model.js'

describe('applyFakeLimits', () => {
  it('cuts before the earliest stop sequence with finish stop', () => {
    expect(applyFakeLimits('a b. c d. e', { stop: ['d.', 'b.'] }, 'word')).toEqual({
      text: 'a ',
      finishReason: 'stop',
      tokens: 1,
    })
  })

  it('truncates to maxTokens words keeping the original spacing, with finish length', () => {
    expect(applyFakeLimits('one  two\nthree four', { maxTokens: 3 }, 'word')).toEqual({
      text: 'one  two\nthree',
      finishReason: 'length',
      tokens: 3,
    })
    expect(applyFakeLimits('abcdef', { maxTokens: 4 }, 'character')).toEqual({
      text: 'abcd',
      finishReason: 'length',
      tokens: 4,
    })
  })

  it('applies the stop sequence before the token limit, as a backend generates', () => {
    expect(applyFakeLimits('abc|defgh', { stop: ['|'], maxTokens: 3 }, 'character')).toEqual({
      text: 'abc',
      finishReason: 'stop',
      tokens: 3,
    })
    expect(splitFakeTokens(' a  b ', 'word')).toEqual(['a', 'b'])
  })
})

describe('createFakeLanguageModel', () => {
  it('answers n samples in one call, records requests and counts usage in words', async () => {
    const model = createFakeLanguageModel({
      reply: ({ sampleIndex, outputIndex }) => `answer ${sampleIndex} of ${outputIndex}`,
    })
    const first = await model.generate({ prompt: 'two words', n: 2 })
    const second = await model.generate({ prompt: 'x', n: 1 })
    expect(first.outputs.map((output) => output.text)).toEqual(['answer 0 of 0', 'answer 1 of 1'])
    expect(second.outputs[0]?.text).toBe('answer 2 of 0')
    expect(first.usage).toEqual({ inputTokens: 2, outputTokens: 8, calls: 1 })
    expect(model.requests.map((request) => request.prompt)).toEqual(['two words', 'x'])
    expect(model.capabilities).toEqual({
      logprobs: false,
      nativeN: true,
      seed: true,
      chat: true,
      scoring: false,
      continuation: 'native',
    })
    expect(model.scoreContinuations).toBeUndefined()
  })

  it('gives each sample an RNG that replays for the same seed and differs across samples', async () => {
    const model = createFakeLanguageModel({ reply: ({ rng }) => String(rng.nextInt(1000)) })
    const a = await model.generate({ prompt: 'p', n: 3, seed: 7 })
    const b = await model.generate({ prompt: 'p', n: 3, seed: 7 })
    const c = await model.generate({ prompt: 'p', n: 3, seed: 8 })
    const texts = (result: typeof a) => result.outputs.map((output) => output.text)
    expect(texts(a)).toEqual(texts(b))
    expect(texts(a)).not.toEqual(texts(c))
    expect(new Set(texts(a)).size).toBeGreaterThan(1)
  })

  it('applies stop and maxTokens, and joins chat messages into the prompt text', async () => {
    const model = createFakeLanguageModel({ reply: ({ prompt }) => `${prompt} END tail` })
    const result = await model.generate({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      stop: [' END'],
    })
    expect(result.outputs[0]).toEqual({ text: 'be brief\nhi', finishReason: 'stop' })
    const short = await model.generate({ prompt: 'a b c', maxTokens: 2 })
    expect(short.outputs[0]).toEqual({ text: 'a b', finishReason: 'length' })
    expect(short.usage.outputTokens).toBe(2)
  })

  it('fails one sample with an Error reply and a whole call with failCall', async () => {
    const model = createFakeLanguageModel({
      reply: ({ outputIndex }) => (outputIndex === 1 ? new Error('sample broke') : 'ok'),
      failCall: (_, callIndex) =>
        callIndex === 1 ? new ApiCallError({ message: 'HTTP 500', isRetryable: true }) : undefined,
    })
    const result = await model.generate({ prompt: 'p', n: 3 })
    expect(result.outputs.map((output) => output.finishReason)).toEqual(['stop', 'error', 'stop'])
    expect(result.outputs[1]?.error?.message).toBe('sample broke')
    expect(result.usage.outputTokens).toBe(2)
    await expect(model.generate({ prompt: 'p' })).rejects.toBeInstanceOf(ApiCallError)
    expect(model.requests).toHaveLength(2)
  })

  it('validates requests like a backend and honours an aborted signal', async () => {
    const model = createFakeLanguageModel({ reply: 'x' })
    await expect(model.generate({ prompt: 'p', n: 0 })).rejects.toThrow(/\bn\b/)
    await expect(model.generate({})).rejects.toBeInstanceOf(InvalidArgumentError)
    const controller = new AbortController()
    controller.abort()
    await expect(model.generate({ prompt: 'p', signal: controller.signal })).rejects.toBeInstanceOf(
      AbortedError,
    )
    expect(() => createFakeLanguageModel({} as never)).toThrow(/options\.reply/)
  })

  it('measures its peak concurrency', async () => {
    const model = createFakeLanguageModel({ reply: 'x', delayMs: 5 })
    await Promise.all([1, 2, 3].map(() => model.generate({ prompt: 'p' })))
    await model.generate({ prompt: 'p' })
    expect(model.peakConcurrency).toBe(3)
  })

  it('returns logprobs only when requested and advertised; a reply may bring its own', async () => {
    const model = createFakeLanguageModel({
      capabilities: { logprobs: true },
      tokenLogprob: (token, position) => -token.length - position,
      reply: ({ callIndex }) =>
        callIndex === 0
          ? 'ab c'
          : { text: 'x y z', logprobs: ['x', 'y', 'z'].map((token) => ({ token, logprob: -1 })) },
    })
    const own = await model.generate({ prompt: 'p', logprobs: true })
    expect(own.outputs[0]?.logprobs).toEqual([
      { token: 'ab', logprob: -2 },
      { token: 'c', logprob: -2 },
    ])
    const given = await model.generate({ prompt: 'p', logprobs: true, maxTokens: 2 })
    expect(given.outputs[0]?.logprobs).toHaveLength(2)
    const none = await model.generate({ prompt: 'p' })
    expect(none.outputs[0]?.logprobs).toBeUndefined()
  })

  it('scores continuations with tokenLogprob, or with a replacement function', async () => {
    const model = createFakeLanguageModel({
      reply: 'x',
      tokenUnit: 'character',
      scoreContinuations: true,
      tokenLogprob: (token) => (token === 'a' ? -1 : -2),
    })
    expect(model.capabilities.scoring).toBe(true)
    const result = await model.scoreContinuations?.({ prompt: 'pq', continuations: ['ab', ''] })
    expect(
      result?.continuations.map((entry) => entry.logprobs.map((item) => item.logprob)),
    ).toEqual([[-1, -2], []])
    expect(result?.usage).toEqual({ inputTokens: 4, outputTokens: 0, calls: 1 })
    expect(model.scoreRequests).toHaveLength(1)
    const replaced = createFakeLanguageModel({
      reply: 'x',
      scoreContinuations: async () => {
        throw new ApiCallError({ message: 'down', isRetryable: false })
      },
    })
    await expect(
      replaced.scoreContinuations?.({ prompt: 'p', continuations: ['a'] }),
    ).rejects.toBeInstanceOf(ApiCallError)
  })
})

describe('createScriptedLanguageModel', () => {
  it('replies from the script in sample order and says when the script runs out', async () => {
    const model = createScriptedLanguageModel({
      script: ['first', ({ prompt }) => `echo ${prompt}`, new Error('third fails')],
    })
    const result = await model.generate({ prompt: 'p', n: 2 })
    expect(result.outputs.map((output) => output.text)).toEqual(['first', 'echo p'])
    const failed = await model.generate({ prompt: 'p' })
    expect(failed.outputs[0]?.finishReason).toBe('error')
    await expect(model.generate({ prompt: 'p' })).rejects.toThrow(/reply for sample 3/)
  })
})
