// The fake-server harness over real HTTP (node:http server, fetch client).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  extractQuestion,
  type FakeServerHarness,
  fakeTokenize,
  sendJson,
  sendServerSentEvents,
  startFakeServerHarness,
} from '../src/testing/index.js'

let harness: FakeServerHarness

beforeAll(async () => {
  harness = await startFakeServerHarness({
    isApiPath: (path) => path.startsWith('/v1/'),
    handle: async (context) => {
      if (context.request.path === '/v1/sse') {
        await sendServerSentEvents(
          context,
          [{ event: 'start', data: { n: 1 } }, { data: { n: 2 } }],
          { final: 'data: [DONE]\n\n' },
        )
        return
      }
      sendJson(context.response, 200, { echo: context.request.body })
    },
  })
})

afterAll(() => harness.close())

describe('startFakeServerHarness', () => {
  it('records requests and answers with the handler', async () => {
    harness.reset()
    const response = await fetch(`${harness.origin}/v1/echo?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: JSON.stringify({ prompt: 'hi' }),
    })
    expect(await response.json()).toEqual({ echo: { prompt: 'hi' } })
    expect(harness.requests).toHaveLength(1)
    expect(harness.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/echo',
      body: { prompt: 'hi' },
      aborted: false,
    })
    expect(harness.requests[0]?.headers['x-test']).toBe('yes')
  })

  it('replays scripted responses in order for API paths only', async () => {
    harness.enqueue({ status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow down' } })
    harness.enqueue({ status: 200, body: '{not json' })
    const outside = await fetch(`${harness.origin}/health`, { method: 'POST', body: '{}' })
    expect(outside.status).toBe(200)
    const limited = await fetch(`${harness.origin}/v1/a`, { method: 'POST', body: '{}' })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(await limited.json()).toEqual({ error: 'slow down' })
    const broken = await fetch(`${harness.origin}/v1/a`, { method: 'POST', body: '{}' })
    expect(await broken.text()).toBe('{not json')
    const normal = await fetch(`${harness.origin}/v1/a`, { method: 'POST', body: '{"k":1}' })
    expect(await normal.json()).toEqual({ echo: { k: 1 } })
  })

  it('counts a client that disconnects from a hanging response as aborted', async () => {
    harness.reset()
    harness.enqueue({ hang: true })
    const controller = new AbortController()
    const pending = fetch(`${harness.origin}/v1/hang`, {
      method: 'POST',
      body: '{}',
      signal: controller.signal,
    })
    while (harness.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const before = harness.abortedRequests
    controller.abort()
    await expect(pending).rejects.toThrow()
    while (harness.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(harness.abortedRequests).toBe(before + 1)
    expect(harness.requests[0]?.aborted).toBe(true)
    expect(harness.peakInFlight).toBe(1)
  })

  it('drops the connection when scripted to', async () => {
    harness.enqueue({ dropConnection: true })
    await expect(
      fetch(`${harness.origin}/v1/drop`, { method: 'POST', body: '{}' }),
    ).rejects.toThrow()
  })
})

describe('sendServerSentEvents', () => {
  it('writes named and unnamed events, then the final text', async () => {
    const response = await fetch(`${harness.origin}/v1/sse`, { method: 'POST', body: '{}' })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(await response.text()).toBe(
      'event: start\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n',
    )
  })
})

describe('fake token helpers', () => {
  it('tokenizes words with their leading space, digits and punctuation', () => {
    expect(fakeTokenize('The answer is 42.')).toEqual(['The', ' answer', ' is', ' 4', '2', '.'])
  })

  it('extracts the last tinymath question', () => {
    expect(extractQuestion('Q: 1+1?\nA: 2\n\nQ: What is 3+4?\nA:')).toBe('What is 3+4?')
    expect(extractQuestion('no question')).toBeUndefined()
  })
})
