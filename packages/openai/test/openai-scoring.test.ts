// scoreContinuations through the real SDK: echo + logprobs and vLLM prompt_logprobs.
import { UnsupportedCapabilityError } from '@metagen/core'
import { fakeLogprob, fakeTokenize } from '@metagen/provider-utils/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAI } from '../src/index.js'
import { type FakeOpenAIServer, startFakeOpenAIServer } from '../src/testing/index.js'

let server: FakeOpenAIServer
beforeAll(async () => {
  server = await startFakeOpenAIServer()
})
afterAll(() => server.close())

describe('scoreContinuations', () => {
  it('scores continuations with echo + logprobs in one request', async () => {
    const model = createOpenAI({ baseURL: server.baseURL })('davinci-002')
    expect(model.capabilities.scoring).toBe(true)
    const prompt = 'Q: 2+3?\nA:'
    const result = await model.scoreContinuations({
      prompt,
      continuations: [' 2+3=5.', ' The answer is 6.'],
    })
    const request = server.requests.at(-1)
    expect(request?.path).toBe('/v1/completions')
    expect(request?.body).toMatchObject({
      echo: true,
      logprobs: 0,
      max_tokens: 0,
      prompt: [`${prompt} 2+3=5.`, `${prompt} The answer is 6.`],
    })
    const first = result.continuations[0]?.logprobs ?? []
    expect(first.map((entry) => entry.token).join('')).toBe(' 2+3=5.')
    // the fake's log-probability of each echoed token at its position in prompt + continuation
    const promptTokens = fakeTokenize(prompt).length
    expect(first[0]?.logprob).toBe(fakeLogprob(' 2', promptTokens, 0))
    expect(result.continuations[1]?.logprobs.map((entry) => entry.token).join('')).toBe(
      ' The answer is 6.',
    )
    expect(result.usage.calls).toBe(1)
  })

  it('scores continuations with prompt_logprobs (vLLM)', async () => {
    const model = createOpenAI({ baseURL: server.baseURL })('local', {
      api: 'completion',
      scoring: 'prompt-logprobs',
    })
    const result = await model.scoreContinuations({
      prompt: 'Q: 1+1?\nA:',
      continuations: [' 2.', ' 11.'],
    })
    expect(server.requests.at(-1)?.body).toMatchObject({
      prompt_logprobs: 0,
      prompt: ['Q: 1+1?\nA:', 'Q: 1+1?\nA: 2.', 'Q: 1+1?\nA: 11.'],
    })
    expect(result.continuations[0]?.logprobs.map((entry) => entry.token)).toEqual([' 2', '.'])
    expect(result.continuations[1]?.logprobs.map((entry) => entry.token)).toEqual([' 1', '1', '.'])
    expect(typeof result.continuations[1]?.logprobs[0]?.tokenId).toBe('number')
  })

  it('chat models cannot score: UnsupportedCapabilityError', async () => {
    const model = createOpenAI({ baseURL: server.baseURL })('gpt-4o-mini')
    expect(model.capabilities.scoring).toBe(false)
    await expect(
      model.scoreContinuations({ prompt: 'a', continuations: ['b'] }),
    ).rejects.toBeInstanceOf(UnsupportedCapabilityError)
  })

  it('rejects empty inputs', async () => {
    const model = createOpenAI({ baseURL: server.baseURL })('davinci-002')
    await expect(model.scoreContinuations({ prompt: '', continuations: ['b'] })).rejects.toThrow(
      /argument prompt/,
    )
    await expect(model.scoreContinuations({ prompt: 'a', continuations: [] })).rejects.toThrow(
      /continuations/,
    )
  })
})
