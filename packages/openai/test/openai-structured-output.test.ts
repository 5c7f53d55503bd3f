// Structured outputs through the real openai SDK against a fake server on 127.0.0.1: the
// request's `responseFormat` becomes OpenAI Structured Outputs (`response_format: json_schema`)
// on the chat API and vLLM's `structured_outputs` (or legacy `guided_*`) fields on vLLM servers;
// endpoints without an equivalent refuse it with a clear error.
import { InvalidArgumentError, UnsupportedCapabilityError } from '@metagen/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createOpenAI } from '../src/index.js'
import { type FakeOpenAIServer, startFakeOpenAIServer } from '../src/testing/index.js'

let server: FakeOpenAIServer

// The fixture server answers JSON when the request asks for a schema, an expression for a
// grammar, and prose otherwise (what a server that honours the fields would send).
beforeAll(async () => {
  server = await startFakeOpenAIServer({
    apiKey: 'test-key',
    respond: ({ body, sampleIndex }) => {
      const guide = body.structured_outputs as Record<string, unknown> | undefined
      if (body.response_format || guide?.json || body.guided_json)
        return `{"answer":${7 + sampleIndex}}`
      if (guide?.grammar || body.guided_grammar) return '(1+2)*3'
      return 'The answer is 7.'
    },
  })
})
afterAll(() => server.close())
beforeEach(() => server.reset())

function provider(extra: Parameters<typeof createOpenAI>[0] = {}) {
  return createOpenAI({
    baseURL: server.baseURL,
    apiKey: 'test-key',
    retry: { initialDelayMs: 1 },
    ...extra,
  })
}

const schema = {
  type: 'object',
  properties: { answer: { type: 'integer' } },
  required: ['answer'],
  additionalProperties: false,
}
const grammar =
  'root ::= expr\nexpr ::= term ("*" term)*\nterm ::= [0-9]+ | "(" expr ("+" expr)* ")"'

describe('responseFormat on OpenAI (strict)', () => {
  it('sends Structured Outputs on the chat API and returns the JSON text', async () => {
    const model = provider({ compatibility: 'strict' })('gpt-4o-mini')
    const result = await model.generate({
      prompt: 'Q: 3+4?',
      n: 2,
      responseFormat: { type: 'json_schema', schema, name: 'math_answer' },
    })
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0]?.path).toBe('/v1/chat/completions')
    expect(server.requests[0]?.body?.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'math_answer', schema, strict: true },
    })
    expect(server.requests[0]?.body).not.toHaveProperty('structured_outputs')
    expect(result.outputs.map((output) => JSON.parse(output.text))).toEqual([
      { answer: 7 },
      { answer: 8 },
    ])
    expect(result.warnings).toEqual([])
  })

  it('names the schema `response` by default, takes strictJsonSchema, and drops stop with a warning', async () => {
    const model = provider({ compatibility: 'strict' })('gpt-4o-mini')
    const result = await model.generate({
      prompt: 'Q: 3+4?',
      stop: ['}'],
      responseFormat: { type: 'json_schema', schema: { type: 'object' } },
      providerOptions: { openai: { strictJsonSchema: false } },
    })
    const body = server.requests[0]?.body
    expect(body?.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: { type: 'object' }, strict: false },
    })
    expect(body).not.toHaveProperty('stop')
    expect(result.outputs[0]?.text).toBe('{"answer":7}')
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported-setting', setting: 'stop' }),
    ])
  })

  it('refuses grammars, completions models, boolean schemas and conflicting options before sending', async () => {
    const chat = provider({ compatibility: 'strict' })('gpt-4o-mini')
    const grammarRequest = chat.generate({
      prompt: 'x',
      responseFormat: { type: 'grammar', grammar },
    })
    await expect(grammarRequest).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    await expect(grammarRequest).rejects.toThrow(
      /openai:gpt-4o-mini: the OpenAI API has no grammar/,
    )
    const completion = provider({ compatibility: 'strict' })('davinci-002')
    await expect(
      completion.generate({ prompt: 'x', responseFormat: { type: 'json_schema', schema } }),
    ).rejects.toThrow(/completions API, which has no response_format/)
    await expect(
      chat.generate({ prompt: 'x', responseFormat: { type: 'json_schema', schema: true } }),
    ).rejects.toThrow(/responseFormat\.schema: expected an object schema/)
    await expect(
      chat.generate({ prompt: 'x', responseFormat: { type: 'json_schema', schema: false } }),
    ).rejects.toThrow(/responseFormat\.schema: expected a satisfiable JSON Schema/)
    const conflicting = chat.generate({
      prompt: 'x',
      responseFormat: { type: 'json_schema', schema },
      providerOptions: { openai: { responseFormat: { type: 'json_object' } } },
    })
    await expect(conflicting).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(conflicting).rejects.toThrow(
      /providerOptions\.openai\.responseFormat: expected to be absent when the request sets responseFormat/,
    )
    await expect(
      chat.generate({
        prompt: 'x',
        responseFormat: { type: 'json_schema', schema, name: 'has space' },
      }),
    ).rejects.toThrow(/responseFormat\.name/)
    expect(server.requests).toHaveLength(0)
  })

  it('a compatible (non-vLLM) server gets response_format and refuses grammars', async () => {
    const model = provider()('local-model')
    expect(model.compatibility).toBe('compatible')
    const result = await model.generate({
      messages: [{ role: 'user', content: 'Q: 3+4?' }],
      responseFormat: { type: 'json_schema', schema },
    })
    expect(server.requests[0]?.body?.response_format).toMatchObject({ type: 'json_schema' })
    expect(result.outputs[0]?.text).toBe('{"answer":7}')
    await expect(
      model.generate({ prompt: 'x', responseFormat: { type: 'grammar', grammar } }),
    ).rejects.toThrow(/this OpenAI-compatible server has no grammar-constrained output/)
  })
})

describe('responseFormat on vLLM servers', () => {
  it('sends structured_outputs.json and structured_outputs.grammar on chat and completions', async () => {
    const vllm = provider({ compatibility: 'vllm' })
    const chat = vllm('qwen', { api: 'chat' })
    const json = await chat.generate({
      prompt: 'Q: 3+4?',
      responseFormat: { type: 'json_schema', schema },
    })
    expect(server.requests[0]?.body?.structured_outputs).toEqual({ json: schema })
    expect(server.requests[0]?.body).not.toHaveProperty('response_format')
    expect(JSON.parse(json.outputs[0]?.text ?? '')).toEqual({ answer: 7 })

    const completion = vllm('qwen', { api: 'completion' })
    const expression = await completion.generate({
      prompt: 'Expression:',
      responseFormat: { type: 'grammar', grammar, syntax: 'gbnf' },
    })
    expect(server.requests[1]?.path).toBe('/v1/completions')
    expect(server.requests[1]?.body?.structured_outputs).toEqual({ grammar })
    expect(expression.outputs[0]?.text).toBe('(1+2)*3')

    await completion.generate({
      prompt: 'x',
      responseFormat: { type: 'json_schema', schema: true },
    })
    expect(server.requests[2]?.body?.structured_outputs).toEqual({ json: {} })
  })

  it('maps the guided* provider options to structured_outputs, or to legacy guided_* fields', async () => {
    const modern = provider({ compatibility: 'vllm' })('qwen')
    await modern.generate({ prompt: 'x', providerOptions: { openai: { guidedRegex: '\\d+' } } })
    expect(server.requests[0]?.body?.structured_outputs).toEqual({ regex: '\\d+' })
    expect(server.requests[0]?.body).not.toHaveProperty('guided_regex')

    const legacy = provider({ compatibility: 'vllm' })('qwen', { vllmGuidedDecoding: 'guided' })
    const result = await legacy.generate({
      prompt: 'x',
      responseFormat: { type: 'grammar', grammar },
    })
    expect(server.requests[1]?.body?.guided_grammar).toBe(grammar)
    expect(server.requests[1]?.body).not.toHaveProperty('structured_outputs')
    expect(result.outputs[0]?.text).toBe('(1+2)*3')
    await legacy.generate({ prompt: 'x', responseFormat: { type: 'json_schema', schema } })
    expect(server.requests[2]?.body?.guided_json).toEqual(schema)

    // a compatible (non-vLLM) server keeps the guided_* fields as given
    await provider()('m').generate({
      prompt: 'x',
      providerOptions: { openai: { guidedChoice: ['a', 'b'] } },
    })
    expect(server.requests[3]?.body?.guided_choice).toEqual(['a', 'b'])

    expect(() =>
      provider({ compatibility: 'vllm' })('qwen', { vllmGuidedDecoding: 'x' as never }),
    ).toThrow(/options\.vllmGuidedDecoding: expected "structured_outputs" or "guided"/)
  })

  it('streams a structured output', async () => {
    const model = provider({ compatibility: 'vllm' })('qwen')
    const deltas: string[] = []
    for await (const part of model.stream({
      prompt: 'Q: 3+4?',
      responseFormat: { type: 'json_schema', schema },
    })) {
      if (part.type === 'text-delta') deltas.push(part.text)
      else expect(part.result.outputs[0]?.text).toBe('{"answer":7}')
    }
    expect(server.requests[0]?.body).toMatchObject({
      stream: true,
      structured_outputs: { json: schema },
    })
    expect(deltas.join('')).toBe('{"answer":7}')
  })
})
