// Step search over a chat API: step beam search with the real Anthropic adapter (the real
// @anthropic-ai/sdk) against the fake Messages API server on 127.0.0.1. Each expansion must send
// the partial solution as a trailing assistant message (prefill) so that the model continues it.

import { createAnthropic } from '@metagen/anthropic'
import { type FakeAnthropicServer, startFakeAnthropicServer } from '@metagen/anthropic/testing'
import { createRunContext, type GenerateRequest } from '@metagen/core'
import {
  arithmeticContinuation,
  createArithmeticCheckerScorer,
  createFakeLanguageModel,
} from '@metagen/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLanguageModelStepProposer } from '../src/language-model-step-proposer.js'
import { stepBeamSearch } from '../src/step-beam-search.js'

const chain = [
  { left: 4, operator: '*' as const, right: 17 },
  { left: 'previous' as const, operator: '+' as const, right: 23 },
]
const prompt = 'Q: 4*17+23?\nA:'
let server: FakeAnthropicServer

beforeAll(async () => {
  server = await startFakeAnthropicServer({
    // Continues the prefill (the trailing assistant message) like the scripted solver; every
    // third request slips by one on the step it writes first.
    respond: ({ messages, requestIndex }) => {
      const last = messages.at(-1)
      const soFar = last?.role === 'assistant' ? last.content : ''
      const slipAt = soFar.split('.').length - 1
      return arithmeticContinuation(
        {
          operations: chain,
          slip: (index) => (requestIndex % 3 === 0 && index === slipAt ? 1 : 0),
        },
        soFar,
        {} as GenerateRequest,
      )
    },
  })
})
afterAll(() => server.close())

describe('step search over a chat API', () => {
  it('step beam search over Anthropic continues each partial solution by assistant prefill', async () => {
    const model = createAnthropic({
      baseURL: server.baseURL,
      apiKey: 'k',
      retry: { initialDelayMs: 1 },
    })('claude-haiku-4-5')
    const proposer = createLanguageModelStepProposer({
      model,
      maxStepTokens: 16,
      isComplete: (text) => /The answer is -?\d+\.$/.test(text),
    })
    const search = stepBeamSearch({
      proposer,
      scorer: createArithmeticCheckerScorer(),
      beams: 4,
      beamWidth: 2,
      extractAnswer: (text) => /The answer is (-?\d+)\./.exec(text)?.[1],
    })
    const result = await search.run({ prompt }, createRunContext({ seed: 1 }))
    expect(result.output.text).toBe(' 4*17=68. 68+23=91. The answer is 91.')
    expect(result.output.answer).toBe('91')

    const bodies = server.requests.map(
      (request) => request.body as { messages: Array<{ role: string; content: string }> },
    )
    // the root expansion asks the question alone; every later one carries a partial solution
    expect(bodies[0]?.messages).toEqual([{ role: 'user', content: prompt }])
    const continued = bodies.filter((body) => body.messages.length === 2)
    expect(continued.length).toBeGreaterThan(0)
    for (const body of continued) {
      expect(body.messages[0]).toEqual({ role: 'user', content: prompt })
      expect(body.messages[1]?.role).toBe('assistant')
      expect(body.messages[1]?.content).toMatch(/^( -?\d+[+*]-?\d+=-?\d+\.)+$/)
    }
    // the final solution's last step was generated from its prefix as a trailing assistant turn
    expect(continued.map((body) => body.messages[1]?.content)).toContain(' 4*17=68. 68+23=91.')
  })

  it('refuses a chat model that cannot continue, suggesting a completion model', () => {
    const chat = createFakeLanguageModel({
      reply: 'x',
      provider: 'openai',
      modelId: 'gpt-4o-mini',
      capabilities: { continuation: 'none' },
    })
    expect(() => createLanguageModelStepProposer({ model: chat })).toThrow(
      /Invalid argument model: .*completion model.*openai:gpt-4o-mini \(capabilities.continuation: none\)/,
    )
  })
})
