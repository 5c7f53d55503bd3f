// The real @anthropic-ai/sdk against a fake Messages API server on 127.0.0.1: request
// parameters and headers, N concurrent samples, prompt caching, usage, streaming and failures.
import {
  AbortedError,
  ApiCallError,
  callModel,
  createRunContext,
  InvalidArgumentError,
} from '@metagen/core'
import { fakeTokenize } from '@metagen/provider-utils/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { anthropicPromptTokenOverhead, createAnthropic } from '../src/index.js'
import { type FakeAnthropicServer, startFakeAnthropicServer } from '../src/testing/index.js'

let server: FakeAnthropicServer

beforeAll(async () => {
  server = await startFakeAnthropicServer({
    apiKey: 'ant-key',
    respond: ({ question, requestIndex }) =>
      `Q: ${question ?? '-'} #${requestIndex}. The answer is 5.`,
  })
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const errorBody = (type: string, message: string) => ({ type: 'error', error: { type, message } })

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function provider(extra: Parameters<typeof createAnthropic>[0] = {}) {
  return createAnthropic({
    baseURL: server.baseURL,
    apiKey: 'ant-key',
    retry: { initialDelayMs: 1 },
    ...extra,
  })
}

describe('messages', () => {
  it('sends the Messages API request with auth, anthropic-version and mapped fields', async () => {
    const model = provider({ headers: { 'anthropic-beta': 'test-beta' } })('claude-haiku-4-5')
    const result = await model.generate({
      messages: [
        { role: 'system', content: 'You solve math.' },
        { role: 'user', content: 'Q: 2+3?\nA:' },
      ],
      maxTokens: 64,
      stop: ['\n\n'],
    })
    expect(server.requests).toHaveLength(1)
    const request = server.requests[0]
    expect(request?.path).toBe('/v1/messages')
    expect(request?.headers.authorization).toBe('Bearer ant-key')
    expect(request?.headers['anthropic-version']).toBe('2026-10-21')
    expect(request?.headers['anthropic-beta']).toBe('test-beta')
    expect(request?.headers['x-stainless-retry-count']).toBe('0')
    expect(request?.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      system: 'You solve math.',
      stop_sequences: ['\n\n'],
      messages: [{ role: 'user', content: 'Q: 2+3?\nA:' }],
    })
    expect(result.outputs).toEqual([{ text: 'Q: 2+3? #0. The answer is 5.', finishReason: 'stop' }])
    expect(result.usage).toMatchObject({ calls: 1, cachedInputTokens: 0, cacheWriteInputTokens: 0 })
    const outputTokens = fakeTokenize('Q: 2+3? #0. The answer is 5.').length
    expect(result.usage.outputTokens).toBe(outputTokens)
    // claude-haiku-4-5: $1 / 1M input, $5 / 1M output
    expect(result.usage.costUsd).toBeCloseTo(
      (result.usage.inputTokens * 1 + outputTokens * 5) / 1e6,
      12,
    )
    expect(result.warnings).toEqual([])
  })

  it('has no logprobs, no seed, no n and no scoreContinuations; sampling options are warned and dropped', async () => {
    const model = provider()('claude-haiku-4-5')
    expect(model.capabilities).toEqual({
      logprobs: false,
      nativeN: false,
      seed: false,
      scoring: false,
      chat: true,
      continuation: 'assistant-prefill',
    })
    expect('scoreContinuations' in model).toBe(false)
    const result = await model.generate({
      prompt: 'hi',
      temperature: 0.5,
      topP: 0.9,
      topK: 4,
      seed: 3,
      logprobs: true,
    })
    const body = server.requests.at(-1)?.body ?? {}
    expect(body.temperature).toBeUndefined()
    expect(body.top_p).toBeUndefined()
    expect(body.top_k).toBeUndefined()
    expect(result.warnings.map((warning) => warning.setting).sort()).toEqual([
      'logprobs',
      'seed',
      'temperature',
      'topK',
      'topP',
    ])
    expect(result.outputs[0]?.logprobs).toBeUndefined()
  })

  it('sends sampling parameters when sendSamplingParameters is set', async () => {
    const model = provider()('claude-haiku-4-5', { sendSamplingParameters: true })
    const result = await model.generate({ prompt: 'hi', temperature: 0.5, topP: 0.9, topK: 4 })
    expect(server.requests.at(-1)?.body).toMatchObject({ temperature: 0.5, top_p: 0.9, top_k: 4 })
    expect(result.warnings).toEqual([])
  })

  it('maps max_tokens to finishReason length and the default max_tokens', async () => {
    const model = provider()('claude-haiku-4-5', { defaultMaxTokens: 3 })
    const result = await model.generate({ prompt: 'Q: 1?\nA:' })
    expect(server.requests.at(-1)?.body?.max_tokens).toBe(3)
    expect(result.outputs[0]).toEqual({ text: 'Q: 1', finishReason: 'length' })
  })

  it('streams SSE events (stream() and the stream option)', async () => {
    const model = provider()('claude-haiku-4-5', { promptCaching: 'off' })
    const deltas = ['', '', '']
    let finish: Awaited<ReturnType<typeof model.generate>> | undefined
    for await (const part of model.stream({ prompt: 'Q: 7?\nA:', n: 3 })) {
      if (part.type === 'text-delta') deltas[part.index] += part.text
      else finish = part.result
    }
    expect(server.requests.every((request) => request.body?.stream === true)).toBe(true)
    expect(finish?.outputs.map((output) => output.text)).toEqual(deltas)
    expect(new Set(deltas).size).toBe(3)
    expect(deltas.every((text) => /^Q: 7\? #\d+\. The answer is 5\.$/.test(text))).toBe(true)
    expect(finish?.usage.calls).toBe(3)
    expect(finish?.usage.outputTokens).toBe(
      deltas.reduce((total, text) => total + fakeTokenize(text).length, 0),
    )
    const streamed = await provider()('claude-haiku-4-5', { stream: true }).generate({
      prompt: 'Q: 7?\nA:',
      stop: ['The'],
    })
    expect(streamed.outputs[0]?.text).toMatch(/^Q: 7\? #\d+\. $/)
    expect(streamed.outputs[0]?.finishReason).toBe('stop')
  })
})

describe('N samples and prompt caching', () => {
  const longPrompt = `Context: ${'the shop sells apples and pears. '.repeat(20)}\nQ: How many?\nA:`

  it('warms the cache with one request, then fans out the other N-1 (JSON)', async () => {
    const slow = await startFakeAnthropicServer({ latencyMs: 40 })
    try {
      const model = createAnthropic({ baseURL: slow.baseURL, apiKey: 'k' })('claude-haiku-4-5', {
        promptCaching: 'always',
      })
      const result = await model.generate({ prompt: longPrompt, n: 4 })
      expect(slow.requests).toHaveLength(4)
      for (const request of slow.requests) {
        const messages = request.body?.messages as Array<{
          content: Array<Record<string, unknown>>
        }>
        expect(messages[0]?.content[0]).toMatchObject({
          type: 'text',
          text: longPrompt,
          cache_control: { type: 'ephemeral' },
        })
      }
      const prefixTokens = result.usage.cacheWriteInputTokens ?? 0
      expect(prefixTokens).toBeGreaterThan(100)
      expect(result.usage.cachedInputTokens).toBe(3 * prefixTokens)
      // the cache write costs 1.25x and the three reads 0.1x of the $1 / 1M input price
      const uncached = result.usage.inputTokens - 4 * prefixTokens
      expect(result.usage.costUsd).toBeCloseTo(
        (uncached * 1 +
          prefixTokens * 1.25 +
          3 * prefixTokens * 0.1 +
          result.usage.outputTokens * 5) /
          1e6,
        12,
      )
    } finally {
      await slow.close()
    }
  })

  it('without warming, concurrent requests all write the cache', async () => {
    const slow = await startFakeAnthropicServer({ latencyMs: 40 })
    try {
      const model = createAnthropic({ baseURL: slow.baseURL, apiKey: 'k' })('claude-haiku-4-5', {
        promptCaching: 'off',
      })
      const result = await model.generate({ prompt: longPrompt, n: 4 })
      expect(slow.requests[0]?.body?.messages).toEqual([{ role: 'user', content: longPrompt }])
      expect(result.usage.cachedInputTokens).toBe(0)
      expect(result.usage.cacheWriteInputTokens).toBe(0)
    } finally {
      await slow.close()
    }
  })

  it('streaming fans out at message_start of the warming request', async () => {
    const slow = await startFakeAnthropicServer({ latencyMs: 30, chunkDelayMs: 20 })
    try {
      const model = createAnthropic({ baseURL: slow.baseURL, apiKey: 'k' })('claude-haiku-4-5', {
        promptCaching: 'always',
        stream: true,
        cacheTtl: '1h',
      })
      const result = await model.generate({ prompt: longPrompt, n: 3 })
      const prefixTokens = result.usage.cacheWriteInputTokens ?? 0
      expect(result.usage.cachedInputTokens).toBe(2 * prefixTokens)
      // the fan-out started while the first stream was still running
      expect(slow.peakInFlight).toBe(3)
      const messages = slow.requests[0]?.body?.messages as Array<{
        content: Array<Record<string, unknown>>
      }>
      expect(messages[0]?.content[0]?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' })
    } finally {
      await slow.close()
    }
  })

  it('auto caching only marks prompts long enough to be cached', async () => {
    const model = provider()('claude-haiku-4-5', { minCacheTokens: 50 })
    await model.generate({ prompt: 'short', n: 2 })
    expect(server.requests.at(-1)?.body?.messages).toEqual([{ role: 'user', content: 'short' }])
    await model.generate({ prompt: longPrompt, n: 2 })
    const messages = server.requests.at(-1)?.body?.messages as Array<{ content: unknown }>
    expect(Array.isArray(messages[0]?.content)).toBe(true)
    await model.generate({ prompt: longPrompt, n: 1 })
    expect(server.requests.at(-1)?.body?.messages).toEqual([{ role: 'user', content: longPrompt }])
  })

  it('holds at most `concurrency` requests in flight, also through callModel', async () => {
    const slow = await startFakeAnthropicServer({ latencyMs: 50 })
    try {
      const model = createAnthropic({ baseURL: slow.baseURL, apiKey: 'k', concurrency: 4 })(
        'claude-haiku-4-5',
      )
      const result = await callModel(createRunContext({ concurrency: 2 }), model, {
        prompt: 'hi',
        n: 12,
      })
      expect(result.outputs).toHaveLength(12)
      expect(slow.requests).toHaveLength(12)
      expect(slow.peakInFlight).toBeLessThanOrEqual(4)
      expect(slow.peakInFlight).toBeGreaterThanOrEqual(2)
      expect(model.stats()).toMatchObject({ requests: 12, peakInFlight: 4, inFlight: 0 })
    } finally {
      await slow.close()
    }
  })
})

describe('failures', () => {
  it('keeps the other samples when one of N requests fails', async () => {
    server.enqueue({ status: 400, body: errorBody('invalid_request_error', 'prompt is too long') })
    const model = provider()('claude-haiku-4-5', { concurrency: 1 })
    const result = await model.generate({ prompt: 'hi', n: 3 })
    const failed = result.outputs.filter((output) => output.error)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ text: '', finishReason: 'error' })
    expect(failed[0]?.error).toBeInstanceOf(ApiCallError)
    expect(failed[0]?.error?.message).toMatch(/400.*prompt is too long/)
    expect(result.outputs.filter((output) => !output.error)).toHaveLength(2)
    expect(result.usage.calls).toBe(2)
  })

  it('retries 429 (retry-after) and 529 overloaded, counting retries', async () => {
    server.enqueue(
      {
        status: 429,
        headers: { 'retry-after': '0.1' },
        body: errorBody('rate_limit_error', 'slow down'),
      },
      {
        status: 529,
        headers: { 'retry-after-ms': '20' },
        body: errorBody('overloaded_error', 'Overloaded'),
      },
    )
    const model = provider()('claude-haiku-4-5')
    const result = await model.generate({ prompt: 'hi' })
    expect(result.outputs[0]?.error).toBeUndefined()
    expect(server.requests).toHaveLength(3)
    expect(model.stats()).toMatchObject({
      requests: 3,
      retries: 2,
      failedRequests: 2,
      retryWaitMs: 120,
    })
  })

  it('401 is not retried and names the key variable', async () => {
    const model = provider({ apiKey: 'wrong' })('claude-haiku-4-5')
    const error = await model.generate({ prompt: 'hi' }).catch((caught: unknown) => caught)
    expect((error as ApiCallError).status).toBe(401)
    expect((error as Error).message).toMatch(/ANTHROPIC_API_KEY/)
    expect(model.stats().retries).toBe(0)
  })

  it('500 exhausts the retries and throws a retryable error', async () => {
    server.enqueue(
      ...Array.from({ length: 3 }, () => ({
        status: 500,
        body: errorBody('api_error', 'internal'),
      })),
    )
    const model = provider({ retry: { maxRetries: 2, initialDelayMs: 1 } })('claude-haiku-4-5')
    const error = await model.generate({ prompt: 'hi' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiCallError)
    expect((error as ApiCallError).isRetryable).toBe(true)
    expect(model.stats().requests).toBe(3)
  })

  it('times out hanging requests', async () => {
    server.enqueue({ hang: true })
    const model = provider({ timeoutMs: 100, retry: { maxRetries: 0 } })('claude-haiku-4-5')
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/timed out after 100 ms/)
  })

  it('AbortSignal cancels every in-flight request', async () => {
    server.enqueue({ hang: true }, { hang: true }, { hang: true })
    const controller = new AbortController()
    const model = provider()('claude-haiku-4-5', { promptCaching: 'off' })
    const pending = model.generate({ prompt: 'hi', n: 3, signal: controller.signal })
    await waitFor(() => server.inFlight === 3)
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortedError)
    await waitFor(() => server.inFlight === 0)
    expect(server.abortedRequests).toBeGreaterThanOrEqual(3)
  })

  it('malformed bodies are reported, not retried', async () => {
    server.enqueue(
      { body: '{"type": "message", "content": [' },
      { body: { type: 'message', id: 'x' } },
    )
    const model = provider()('claude-haiku-4-5')
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/malformed response/)
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/no content array/)
    expect(model.stats().retries).toBe(0)
  })

  it('an error event inside an SSE stream becomes an ApiCallError; invalid SSE JSON is malformed', async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }
    server.enqueue({
      contentType: 'text/event-stream',
      body: `event: error\ndata: ${JSON.stringify(overloaded)}\n\n`,
    })
    const model = provider({ retry: { maxRetries: 0 } })('claude-haiku-4-5', { stream: true })
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/Overloaded/)
    server.enqueue({
      contentType: 'text/event-stream',
      body: 'event: message_start\ndata: {"type": "mess\n\n',
    })
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/malformed response/)
  })

  it('a server without anthropic-version support answers 400 (checked by the fake)', async () => {
    const response = await fetch(`${server.baseURL}/v1/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer ant-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'x', max_tokens: 1, messages: [] }),
    })
    expect(response.status).toBe(400)
  })
})

describe('settings', () => {
  it('requires an API key', () => {
    const saved = process.env.ANTHROPIC_API_KEY
    delete process.env.ANTHROPIC_API_KEY
    try {
      expect(() => createAnthropic({})).toThrow(InvalidArgumentError)
      expect(() => createAnthropic({})).toThrow(/settings\.apiKey.*ANTHROPIC_API_KEY/)
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved
    }
  })

  it('reads ANTHROPIC_API_KEY', async () => {
    const saved = process.env.ANTHROPIC_API_KEY
    process.env.ANTHROPIC_API_KEY = 'ant-key'
    try {
      const result = await createAnthropic({ baseURL: server.baseURL })(
        'claude-haiku-4-5',
      ).generate({ prompt: 'hi' })
      expect(result.outputs[0]?.error).toBeUndefined()
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY
      else process.env.ANTHROPIC_API_KEY = saved
    }
  })

  it('prefers settings.apiKey to ANTHROPIC_API_KEY', async () => {
    const saved = process.env.ANTHROPIC_API_KEY
    process.env.ANTHROPIC_API_KEY = 'wrong-key'
    try {
      const result = await createAnthropic({ baseURL: server.baseURL, apiKey: 'ant-key' })(
        'claude-haiku-4-5',
      ).generate({ prompt: 'hi' })
      expect(result.outputs[0]?.error).toBeUndefined()
      expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer ant-key')
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY
      else process.env.ANTHROPIC_API_KEY = saved
    }
  })

  it('sends providerOptions.anthropic as wire fields and rejects values of the wrong kind', async () => {
    const model = provider()('claude-haiku-4-5')
    const result = await model.generate({
      prompt: 'hi',
      providerOptions: {
        anthropic: {
          thinking: { type: 'enabled', budget_tokens: 2048 },
          outputConfig: { effort: 'low' },
          metadata: { user_id: 'u1' },
          serviceTier: 'standard_only',
          extraBody: { custom_field: 1 },
          madeUp: true,
        },
      },
    })
    expect(server.requests.at(-1)?.body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 2048 },
      output_config: { effort: 'low' },
      metadata: { user_id: 'u1' },
      service_tier: 'standard_only',
      custom_field: 1,
    })
    expect(result.warnings.map((warning) => warning.setting)).toContain(
      'providerOptions.anthropic.madeUp',
    )
    await expect(
      model.generate({ prompt: 'hi', providerOptions: { anthropic: { thinking: 'on' } } }),
    ).rejects.toThrow(
      'Invalid argument providerOptions.anthropic.thinking: expected an object, received "on".',
    )
    await expect(
      model.generate({ prompt: 'hi', providerOptions: { anthropic: { stream: 'yes' } } }),
    ).rejects.toThrow(/providerOptions\.anthropic\.stream: expected a boolean/)
  })

  it('advertises its price (cache writes at up to 2x are the highest prompt rate) and bounds tool-use prompts', async () => {
    const model = provider()('claude-haiku-4-5')
    expect(model.price).toEqual({ inputPerMillion: 1, outputPerMillion: 5, maxInputPerMillion: 2 })
    expect(provider()('claude-opus-5').price).toBeUndefined()
    const request = { prompt: 'Q: 2+3?\nA:' }
    const plain = model.maxInputTokens(request)
    // The declared overhead (anthropicPromptTokenOverhead): 16 per message (a prompt is one user
    // message) and 16 per request, beyond one token per byte.
    expect(anthropicPromptTokenOverhead).toEqual({ perMessage: 16, perRequest: 16 })
    expect(plain).toBe(16 + 10 + 16)
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Q: 2+3?\nA:' },
    ]
    expect(model.maxInputTokens({ messages, n: 2 })).toBe(2 * (16 + (9 + 16) + (10 + 16)))
    const chat = await model.generate({ messages, maxTokens: 8 })
    expect(chat.usage.inputTokens).toBeLessThanOrEqual(model.maxInputTokens({ messages }))
    const result = await model.generate({ ...request, maxTokens: 8 })
    expect(result.usage.inputTokens).toBeLessThanOrEqual(plain)
    const schema = { type: 'object', properties: { answer: { type: 'number' } } }
    expect(
      model.maxInputTokens({ ...request, responseFormat: { type: 'json_schema', schema } }),
    ).toBe(plain + JSON.stringify(schema).length + 512)
  })

  it('warns and omits costUsd for a model without a price', async () => {
    const result = await provider()('claude-opus-5').generate({ prompt: 'hi' })
    expect(result.usage.costUsd).toBeUndefined()
    expect(result.warnings.some((warning) => warning.setting === 'costUsd')).toBe(true)
  })

  it('rejects bad arguments', async () => {
    const model = provider()('claude-haiku-4-5')
    await expect(model.generate({ messages: [{ role: 'system', content: 'x' }] })).rejects.toThrow(
      /argument messages/,
    )
    expect(() => provider()('claude-haiku-4-5', { promptCaching: 'sometimes' as never })).toThrow(
      /promptCaching/,
    )
  })
})
