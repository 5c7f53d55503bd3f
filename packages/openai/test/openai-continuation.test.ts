// How OpenAI models continue a partial assistant turn, with the real openai SDK against the fake
// server on 127.0.0.1: completions natively, vLLM chat with continue_final_message, OpenAI chat
// not at all (a warning when a trailing assistant message is sent anyway).
import { InvalidArgumentError } from '@metagen/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAI } from '../src/index.js'
import { type FakeOpenAIServer, startFakeOpenAIServer } from '../src/testing/index.js'

let server: FakeOpenAIServer

beforeAll(async () => {
  server = await startFakeOpenAIServer({ respond: () => ' 2+3=5. The answer is 5.' })
})
afterAll(() => server.close())

const partial = [
  { role: 'user' as const, content: 'Q: 2+3?\nA:' },
  { role: 'assistant' as const, content: ' Let me add.' },
]

describe('continuation capability', () => {
  it('is native for completions, none for OpenAI chat, assistant-prefill for vLLM chat', () => {
    const compatible = createOpenAI({ baseURL: server.baseURL })
    const vllm = createOpenAI({ baseURL: server.baseURL, compatibility: 'vllm' })
    const strict = createOpenAI({ baseURL: server.baseURL, compatibility: 'strict', apiKey: 'k' })
    expect(compatible('m', { api: 'completion' }).capabilities.continuation).toBe('native')
    expect(strict('gpt-4o-mini').capabilities.continuation).toBe('none')
    expect(compatible('my-llama').capabilities.continuation).toBe('none')
    expect(vllm('my-llama').capabilities.continuation).toBe('assistant-prefill')
    expect(compatible('my-llama', { continueFinalMessage: true }).capabilities.continuation).toBe(
      'assistant-prefill',
    )
    expect(vllm('my-llama', { continueFinalMessage: false }).capabilities.continuation).toBe('none')
  })

  it('rejects continueFinalMessage on api.openai.com and non-boolean values', () => {
    const strict = createOpenAI({ baseURL: server.baseURL, compatibility: 'strict', apiKey: 'k' })
    const error = (() => {
      try {
        strict('gpt-4o-mini', { continueFinalMessage: true })
      } catch (caught) {
        return caught
      }
    })()
    expect(InvalidArgumentError.isInstance(error)).toBe(true)
    expect((error as InvalidArgumentError).argument).toBe('options.continueFinalMessage')
    expect(() =>
      createOpenAI({ baseURL: server.baseURL })('m', {
        continueFinalMessage: 'yes' as unknown as boolean,
      }),
    ).toThrow(/options\.continueFinalMessage/)
  })

  it('sends continue_final_message with a trailing assistant message on a vLLM chat model', async () => {
    server.reset()
    const model = createOpenAI({ baseURL: server.baseURL, compatibility: 'vllm' })('my-llama')
    const result = await model.generate({ messages: partial, maxTokens: 32 })
    const body = server.requests.at(-1)?.body
    expect(body?.messages).toEqual(partial)
    expect(body?.continue_final_message).toBe(true)
    expect(body?.add_generation_prompt).toBe(false)
    expect(result.warnings.filter((warning) => warning.setting === 'messages')).toEqual([])
    // a request that ends with a user turn is an ordinary chat request
    await model.generate({ messages: partial.slice(0, 1), maxTokens: 32 })
    expect(server.requests.at(-1)?.body?.continue_final_message).toBeUndefined()
  })

  it('warns that OpenAI chat answers a trailing assistant message as a new turn', async () => {
    server.reset()
    const model = createOpenAI({ baseURL: server.baseURL, compatibility: 'strict', apiKey: 'k' })(
      'gpt-4o-mini',
    )
    const result = await model.generate({ messages: partial, maxTokens: 32 })
    expect(server.requests.at(-1)?.body?.continue_final_message).toBeUndefined()
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ setting: 'messages', message: expect.stringMatching(/new turn/) }),
    )
  })
})
