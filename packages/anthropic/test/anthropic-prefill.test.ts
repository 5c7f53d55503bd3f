// Assistant prefill with the real @anthropic-ai/sdk against the fake Messages API server on
// 127.0.0.1: a trailing assistant message is continued, and its trailing whitespace (which the
// API rejects) is cut from the request and from the start of the output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAnthropic } from '../src/index.js'
import { type FakeAnthropicServer, startFakeAnthropicServer } from '../src/testing/index.js'

let server: FakeAnthropicServer

beforeAll(async () => {
  // continues the prefill: a space when it ends without one, then the next step
  server = await startFakeAnthropicServer({
    respond: ({ messages }) => {
      const last = messages.at(-1)
      const prefill = last?.role === 'assistant' ? last.content : ''
      return `${prefill === '' || prefill.endsWith(' ') ? '' : ' '}2*3=6. The answer is 6.`
    },
  })
})
afterAll(() => server.close())

const model = () =>
  createAnthropic({ baseURL: server.baseURL, apiKey: 'k', retry: { initialDelayMs: 1 } })(
    'claude-haiku-4-5',
  )

describe('assistant prefill', () => {
  it('sends a trailing assistant message and returns only the continuation', async () => {
    server.reset()
    const messages = [
      { role: 'user' as const, content: 'Q: (1+1)*3?\nA:' },
      { role: 'assistant' as const, content: ' 1+1=2.' },
    ]
    const result = await model().generate({ messages, maxTokens: 16, stop: ['.'] })
    expect(server.requests.at(-1)?.body?.messages).toEqual(messages)
    expect(result.outputs[0]).toEqual({ text: ' 2*3=6', finishReason: 'stop' })
  })

  it('cuts trailing whitespace from the prefill and from the start of the output', async () => {
    server.reset()
    const result = await model().generate({
      messages: [
        { role: 'user', content: 'Q: (1+1)*3?\nA:' },
        { role: 'assistant', content: ' 1+1=2. ' },
      ],
      maxTokens: 16,
      stop: ['.'],
    })
    const sent = server.requests.at(-1)?.body?.messages as Array<{ content: unknown }>
    expect(sent.at(-1)?.content).toBe(' 1+1=2.')
    // the server continued ' 1+1=2.' with ' 2*3=6': the space the prefill had is not repeated
    expect(result.outputs[0]?.text).toBe('2*3=6')
  })
})
