import { startFakeAnthropicServer } from '@metagen/anthropic/testing'
import { startFakeOpenAIServer } from '@metagen/openai/testing'
import { describe, expect, it } from 'vitest'
import { remoteModelFactories } from './remote.js'

describe('remoteModelFactories', () => {
  it('openai:<id> with a base URL talks to an OpenAI-compatible server without a key', async () => {
    const server = await startFakeOpenAIServer({ respond: () => 'The answer is 4.' })
    try {
      const model = await remoteModelFactories.openai('local-model', {
        baseURL: server.baseURL,
        concurrency: 2,
      })
      const result = await model.generate({ prompt: 'Q: 2+2?\nA:', n: 2 })
      expect(result.outputs.map((output) => output.text)).toEqual([
        'The answer is 4.',
        'The answer is 4.',
      ])
      expect(server.requests[0]?.body?.model).toBe('local-model')
    } finally {
      await server.close()
    }
  })

  it('anthropic:<id> with baseUrl and apiKey', async () => {
    const server = await startFakeAnthropicServer({
      apiKey: 'k',
      respond: () => 'The answer is 4.',
    })
    try {
      const model = await remoteModelFactories.anthropic('claude-haiku-4-5', {
        baseUrl: server.baseURL,
        apiKey: 'k',
      })
      const result = await model.generate({ prompt: 'Q: 2+2?\nA:', n: 3 })
      expect(result.outputs.every((output) => output.text === 'The answer is 4.')).toBe(true)
      expect(server.requests).toHaveLength(3)
    } finally {
      await server.close()
    }
  })
})
