// Failures through the real openai SDK against the fake server: HTTP errors, retries honouring
// retry-after, timeouts, aborts, malformed bodies, partial failure of fan-out and concurrency.
import {
  AbortedError,
  ApiCallError,
  callModel,
  createRunContext,
  InvalidArgumentError,
} from '@metagen/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createOpenAI,
  OpenAIChatLanguageModel,
  OpenAICompletionLanguageModel,
} from '../src/index.js'
import { type FakeOpenAIServer, startFakeOpenAIServer } from '../src/testing/index.js'

let server: FakeOpenAIServer

beforeAll(async () => {
  server = await startFakeOpenAIServer()
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const errorBody = (message: string, type = 'invalid_request_error') => ({
  error: { message, type, param: null, code: null },
})

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function provider(extra: Parameters<typeof createOpenAI>[0] = {}) {
  return createOpenAI({
    baseURL: server.baseURL,
    apiKey: 'k',
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  })
}

describe('HTTP errors', () => {
  it('400 is not retried and names the status and message', async () => {
    server.enqueue({ status: 400, body: errorBody("Unsupported parameter: 'top_k'") })
    const model = provider()('gpt-4o-mini')
    const error = await model.generate({ prompt: 'hi' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiCallError)
    expect((error as ApiCallError).status).toBe(400)
    expect((error as ApiCallError).isRetryable).toBe(false)
    expect((error as ApiCallError).message).toMatch(/400.*top_k/)
    expect(server.requests).toHaveLength(1)
    expect(model.stats()).toMatchObject({ requests: 1, retries: 0, failedRequests: 1 })
  })

  it('401 explains where the key comes from', async () => {
    server.enqueue({ status: 401, body: errorBody('Incorrect API key provided') })
    const error = await provider()('gpt-4o-mini')
      .generate({ prompt: 'hi' })
      .catch((caught: unknown) => caught)
    expect((error as ApiCallError).status).toBe(401)
    expect((error as Error).message).toMatch(/OPENAI_API_KEY/)
  })

  it('429 is retried after the retry-after delay, and retries are counted', async () => {
    server.enqueue(
      {
        status: 429,
        headers: { 'retry-after': '0.2' },
        body: errorBody('Rate limit', 'rate_limit_error'),
      },
      {
        status: 429,
        headers: { 'retry-after-ms': '50' },
        body: errorBody('Rate limit', 'rate_limit_error'),
      },
    )
    const model = provider()('gpt-4o-mini')
    const result = await model.generate({ prompt: 'hi' })
    expect(result.outputs[0]?.text).toContain('The answer is 42')
    expect(server.requests).toHaveLength(3)
    // the waits are the server's (200 ms + 50 ms), not the 1 ms backoff of this policy
    expect(model.stats()).toMatchObject({
      requests: 3,
      retries: 2,
      failedRequests: 2,
      retryWaitMs: 250,
    })
    expect(result.usage.calls).toBe(1)
  })

  it('500 is retried with backoff until maxRetries, then throws a retryable ApiCallError', async () => {
    server.enqueue(
      { status: 500, body: errorBody('boom', 'server_error') },
      { status: 503, body: errorBody('overloaded', 'server_error') },
      { status: 500, body: errorBody('boom again', 'server_error') },
    )
    const model = provider({ retry: { maxRetries: 2, initialDelayMs: 1 } })('gpt-4o-mini')
    const error = await model.generate({ prompt: 'hi' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiCallError)
    expect((error as ApiCallError).isRetryable).toBe(true)
    expect((error as ApiCallError).status).toBe(500)
    expect(model.stats()).toMatchObject({ requests: 3, retries: 2 })
  })

  it('a retry-after longer than maxRetryAfterMs fails at once', async () => {
    server.enqueue({
      status: 429,
      headers: { 'retry-after': '3600' },
      body: errorBody('slow down'),
    })
    const model = provider({ retry: { maxRetryAfterMs: 1000 } })('gpt-4o-mini')
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/429/)
    expect(model.stats().retries).toBe(0)
  })
})

describe('timeouts, aborts and malformed bodies', () => {
  it('times out a hanging request, retries it, and reports the timeout', async () => {
    server.enqueue({ hang: true }, { hang: true })
    const model = provider({ timeoutMs: 150, retry: { maxRetries: 1, initialDelayMs: 1 } })(
      'gpt-4o-mini',
    )
    const error = await model.generate({ prompt: 'hi' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiCallError)
    expect((error as Error).message).toMatch(/timed out after 150 ms/)
    expect(model.stats()).toMatchObject({ requests: 2, retries: 1 })
  })

  it('a timeout followed by success returns the sample', async () => {
    server.enqueue({ hang: true })
    const model = provider({ timeoutMs: 150 })('gpt-4o-mini')
    const result = await model.generate({ prompt: 'hi' })
    expect(result.outputs[0]?.error).toBeUndefined()
    expect(model.stats().retries).toBe(1)
  })

  it('AbortSignal cancels the in-flight request (the server sees the connection close)', async () => {
    server.enqueue({ hang: true })
    const controller = new AbortController()
    const model = provider()('gpt-4o-mini')
    const pending = model.generate({ prompt: 'hi', signal: controller.signal })
    await waitFor(() => server.inFlight === 1)
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortedError)
    await waitFor(() => server.inFlight === 0)
    expect(server.requests[0]?.aborted).toBe(true)
    expect(model.stats().retries).toBe(0)
  })

  it('an already-aborted signal sends nothing', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(
      provider()('gpt-4o-mini').generate({ prompt: 'hi', signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError)
    expect(server.requests).toHaveLength(0)
  })

  it('invalid JSON and bodies without choices are malformed, not retried', async () => {
    server.enqueue({ status: 200, body: '{"id": "x", "choices": [' })
    const model = provider()('gpt-4o-mini')
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/malformed response/)
    server.enqueue({ status: 200, body: { id: 'x', object: 'chat.completion' } })
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(
      /malformed response: the body has no choices/,
    )
    expect(model.stats().retries).toBe(0)
  })
})

describe('malformed and failing SSE streams', () => {
  it('an invalid JSON event in a stream is a malformed-response error', async () => {
    server.enqueue({ contentType: 'text/event-stream', body: 'data: {"id": "x", "choices": [\n\n' })
    const model = provider()('gpt-4o-mini', { stream: true })
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/malformed response/)
    expect(model.stats().retries).toBe(0)
  })

  it('an error event inside a stream becomes an ApiCallError', async () => {
    server.enqueue({
      contentType: 'text/event-stream',
      body: `data: ${JSON.stringify({ error: { message: 'model crashed', type: 'server_error' } })}\n\n`,
    })
    const model = provider({ retry: { maxRetries: 0 } })('gpt-4o-mini', { stream: true })
    await expect(model.generate({ prompt: 'hi' })).rejects.toThrow(/model crashed/)
  })

  it('a stream that ends without events yields an empty sample, not a crash', async () => {
    server.enqueue({ contentType: 'text/event-stream', body: 'data: [DONE]\n\n' })
    const model = provider()('gpt-4o-mini', { stream: true })
    const result = await model.generate({ prompt: 'hi' })
    expect(result.outputs).toHaveLength(1)
    expect(result.warnings.map((warning) => warning.setting)).toEqual(
      expect.arrayContaining(['n', 'usage']),
    )
  })
})

describe('partial failure and concurrency', () => {
  it('keeps the other samples when one request of a fan-out fails', async () => {
    server.enqueue({ status: 400, body: errorBody('bad sample') })
    const model = provider()('gpt-4o-mini', { nativeN: false, concurrency: 1 })
    const result = await model.generate({ prompt: 'hi', n: 4 })
    expect(result.outputs).toHaveLength(4)
    const failed = result.outputs.filter((output) => output.error !== undefined)
    expect(failed).toHaveLength(1)
    expect(failed[0]?.finishReason).toBe('error')
    expect(failed[0]?.text).toBe('')
    expect(failed[0]?.error?.message).toMatch(/bad sample/)
    expect(result.outputs.filter((output) => output.text.includes('42'))).toHaveLength(3)
    expect(result.usage.calls).toBe(3)
  })

  it('throws when every sample fails', async () => {
    server.enqueue(...Array.from({ length: 2 }, () => ({ status: 400, body: errorBody('nope') })))
    const model = provider()('gpt-4o-mini', { nativeN: false })
    await expect(model.generate({ prompt: 'hi', n: 2 })).rejects.toThrow(/nope/)
  })

  it('holds at most `concurrency` requests in flight per model instance', async () => {
    const slow = await startFakeOpenAIServer({ latencyMs: 60 })
    try {
      const model = createOpenAI({ baseURL: slow.baseURL, concurrency: 3 })('local', {
        nativeN: false,
      })
      const result = await model.generate({ prompt: 'hi', n: 12 })
      expect(result.outputs.every((output) => output.error === undefined)).toBe(true)
      expect(slow.requests).toHaveLength(12)
      expect(slow.peakInFlight).toBeLessThanOrEqual(3)
      expect(slow.peakInFlight).toBeGreaterThanOrEqual(2)
      expect(model.stats().peakInFlight).toBe(3)
    } finally {
      await slow.close()
    }
  })

  it('honours the run limiter of callModel across concurrent generate calls', async () => {
    const slow = await startFakeOpenAIServer({ latencyMs: 60 })
    try {
      const model = createOpenAI({ baseURL: slow.baseURL, concurrency: 8 })('local')
      const context = createRunContext({ concurrency: 2, seed: 3 })
      const results = await Promise.all(
        Array.from({ length: 8 }, () => callModel(context, model, { prompt: 'hi' })),
      )
      expect(results).toHaveLength(8)
      expect(slow.peakInFlight).toBeLessThanOrEqual(2)
      expect(context.limiter.peak).toBe(2)
      // callModel draws a seed from the run's RNG for every call
      expect(slow.requests.every((request) => typeof request.body?.seed === 'number')).toBe(true)
    } finally {
      await slow.close()
    }
  })
})

describe('settings', () => {
  it('requires an API key for api.openai.com', () => {
    const saved = process.env.OPENAI_API_KEY
    delete process.env.OPENAI_API_KEY
    try {
      expect(() => createOpenAI({})).toThrow(InvalidArgumentError)
      expect(() => createOpenAI({})).toThrow(/settings\.apiKey.*OPENAI_API_KEY/)
      expect(() => createOpenAI({ apiKey: 'sk-x' })).not.toThrow()
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved
    }
  })

  it('reads the key from OPENAI_API_KEY', async () => {
    const saved = process.env.OPENAI_API_KEY
    process.env.OPENAI_API_KEY = 'from-env'
    try {
      await createOpenAI({ baseURL: server.baseURL })('gpt-4o-mini').generate({ prompt: 'hi' })
      expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer from-env')
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY
      else process.env.OPENAI_API_KEY = saved
    }
  })

  it('prefers settings.apiKey to OPENAI_API_KEY', async () => {
    const saved = process.env.OPENAI_API_KEY
    process.env.OPENAI_API_KEY = 'from-env'
    try {
      await createOpenAI({ baseURL: server.baseURL, apiKey: 'explicit' })('gpt-4o-mini').generate({
        prompt: 'hi',
      })
      expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer explicit')
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY
      else process.env.OPENAI_API_KEY = saved
    }
  })

  it('creates a chat or a completions model by options.api (default from the model id)', () => {
    const provider = createOpenAI({ baseURL: server.baseURL })
    expect(provider('gpt-4o-mini')).toBeInstanceOf(OpenAIChatLanguageModel)
    expect(provider('davinci-002')).toBeInstanceOf(OpenAICompletionLanguageModel)
    expect(provider('gpt-3.5-turbo-instruct').api).toBe('completion')
    expect(provider('my-model', { api: 'completion' })).toBeInstanceOf(
      OpenAICompletionLanguageModel,
    )
    expect(provider('davinci-002', { api: 'chat' }).capabilities.chat).toBe(true)
    expect(() => provider('gpt-4o-mini', { api: 'responses' as 'chat' })).toThrow(
      /Invalid argument options\.api: expected "chat" or "completion", received "responses"/,
    )
  })

  it('validates settings', () => {
    expect(() => createOpenAI({ apiKey: 'k', concurrency: 0 })).toThrow(/settings\.concurrency/)
    expect(() => createOpenAI({ apiKey: 'k', retry: { maxRetries: -1 } })).toThrow(
      /retry\.maxRetries/,
    )
    expect(() => createOpenAI({ baseURL: 'localhost-without-scheme' })).toThrow(/settings\.baseURL/)
  })

  it('uses an injected fetch', async () => {
    const seen: string[] = []
    const model = createOpenAI({
      baseURL: server.baseURL,
      fetch: (input, init) => {
        seen.push(String(input instanceof Request ? input.url : input))
        return fetch(input, init)
      },
    })('gpt-4o-mini')
    await model.generate({ prompt: 'hi' })
    expect(seen).toEqual([`${server.baseURL}/chat/completions`])
  })
})
