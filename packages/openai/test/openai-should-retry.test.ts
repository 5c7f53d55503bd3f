// `x-should-retry` through the real openai SDK against the fake server: the header decides
// whether an HTTP error is retried, before the status rule (as the official SDKs do).
import { ApiCallError } from '@metagen/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createOpenAI } from '../src/index.js'
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

const model = () =>
  createOpenAI({
    baseURL: server.baseURL,
    apiKey: 'k',
    retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 },
  })('gpt-4o-mini')

describe('x-should-retry', () => {
  it('false: a 503 is not retried', async () => {
    server.enqueue({
      status: 503,
      headers: { 'x-should-retry': 'false' },
      body: errorBody('overloaded', 'server_error'),
    })
    const openai = model()
    const error = await openai.generate({ prompt: 'hi' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiCallError)
    expect((error as ApiCallError).status).toBe(503)
    expect((error as ApiCallError).isRetryable).toBe(false)
    expect(server.requests).toHaveLength(1)
  })

  it('true: a 400 is retried, and the retry succeeds', async () => {
    server.enqueue({
      status: 400,
      headers: { 'x-should-retry': 'true' },
      body: errorBody('try again'),
    })
    const openai = model()
    const result = await openai.generate({ prompt: 'hi' })
    expect(result.outputs[0]?.text).toContain('The answer is 42')
    expect(server.requests).toHaveLength(2)
    expect(openai.stats()).toMatchObject({ requests: 2, retries: 1 })
  })
})
