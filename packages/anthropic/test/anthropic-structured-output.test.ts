// JSON-schema output through Anthropic's tool input: the real @anthropic-ai/sdk against the fake
// Messages API server on 127.0.0.1, which answers a forced tool with a tool_use block.
import { InvalidArgumentError, UnsupportedCapabilityError } from '@metagen/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createAnthropic } from '../src/index.js'
import { type FakeAnthropicServer, startFakeAnthropicServer } from '../src/testing/index.js'

let server: FakeAnthropicServer

// The fixture answers with JSON when a tool is forced: an object for an object schema, the
// wrapped `{ value }` for a wrapped one (what a model that follows input_schema sends).
beforeAll(async () => {
  server = await startFakeAnthropicServer({
    apiKey: 'ant-key',
    respond: ({ body }) => {
      const tools = body.tools as Array<{ input_schema: { properties?: object } }> | undefined
      if (!tools) return 'The answer is 5.'
      const wrapped = 'value' in (tools[0]?.input_schema.properties ?? {})
      return wrapped ? '{"value": [1, 2]}' : `{"answer": 5, "unit": "apples"}`
    },
  })
})
afterAll(() => server.close())
beforeEach(() => server.reset())

function provider() {
  return createAnthropic({
    baseURL: server.baseURL,
    apiKey: 'ant-key',
    retry: { initialDelayMs: 1 },
  })
}

const schema = {
  type: 'object',
  properties: { answer: { type: 'integer' }, unit: { type: 'string' } },
  required: ['answer'],
}

describe('responseFormat json_schema on Anthropic', () => {
  it('forces one tool whose input_schema is the schema and returns its input as the text', async () => {
    const model = provider()('claude-haiku-4-5')
    const result = await model.generate({
      messages: [{ role: 'user', content: 'Q: 2+3 apples?' }],
      maxTokens: 64,
      stop: ['}'],
      responseFormat: { type: 'json_schema', schema, name: 'math_answer' },
    })
    expect(server.requests).toHaveLength(1)
    const body = server.requests[0]?.body
    expect(body?.tools).toEqual([
      {
        name: 'math_answer',
        description: 'Give the response as this tool input.',
        input_schema: schema,
      },
    ])
    expect(body?.tool_choice).toEqual({
      type: 'tool',
      name: 'math_answer',
      disable_parallel_tool_use: true,
    })
    expect(body).not.toHaveProperty('stop_sequences')
    expect(result.outputs).toEqual([{ text: '{"answer":5,"unit":"apples"}', finishReason: 'stop' }])
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported-setting', setting: 'stop' }),
    ])
  })

  it('wraps a non-object schema as `value` (keeping $defs) and unwraps the output, also streamed', async () => {
    const arraySchema = {
      type: 'array',
      items: { $ref: '#/$defs/count' },
      $defs: { count: { type: 'integer' } },
    }
    const model = provider()('claude-haiku-4-5')
    const result = await model.generate({
      prompt: 'Two counts',
      n: 2,
      responseFormat: { type: 'json_schema', schema: arraySchema },
    })
    const body = server.requests[0]?.body
    expect(body?.tools).toEqual([
      {
        name: 'response',
        description: 'Give the response as the `value` of this tool input.',
        input_schema: {
          type: 'object',
          properties: { value: { type: 'array', items: { $ref: '#/$defs/count' } } },
          required: ['value'],
          additionalProperties: false,
          $defs: { count: { type: 'integer' } },
        },
      },
    ])
    expect(result.outputs.map((output) => output.text)).toEqual(['[1,2]', '[1,2]'])

    const deltas: string[] = []
    for await (const part of model.stream({
      prompt: 'Two counts',
      responseFormat: { type: 'json_schema', schema: arraySchema },
    })) {
      if (part.type === 'text-delta') deltas.push(part.text)
      else expect(part.result.outputs).toEqual([{ text: '[1,2]', finishReason: 'stop' }])
    }
    expect(deltas).toEqual(['[1,2]'])
  })

  it('streams an object schema as the raw input_json_delta pieces', async () => {
    const model = provider()('claude-haiku-4-5')
    const deltas: string[] = []
    let text = ''
    for await (const part of model.stream({
      prompt: 'Q: 2+3 apples?',
      responseFormat: { type: 'json_schema', schema },
    })) {
      if (part.type === 'text-delta') deltas.push(part.text)
      else text = part.result.outputs[0]?.text ?? ''
    }
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.join('')).toBe(text)
    expect(JSON.parse(text)).toEqual({ answer: 5, unit: 'apples' })
  })

  it('an answer cut by max_tokens has no tool call: empty text, finish reason length', async () => {
    const result = await provider()('claude-haiku-4-5').generate({
      prompt: 'Q',
      maxTokens: 2,
      responseFormat: { type: 'json_schema', schema },
    })
    expect(result.outputs).toEqual([{ text: '', finishReason: 'length' }])
  })

  it('refuses grammars, false schemas and extended thinking before sending', async () => {
    const model = provider()('claude-haiku-4-5')
    const grammar = model.generate({
      prompt: 'x',
      responseFormat: { type: 'grammar', grammar: 'root ::= "a"' },
    })
    await expect(grammar).rejects.toBeInstanceOf(UnsupportedCapabilityError)
    await expect(grammar).rejects.toThrow(/the Anthropic API has no grammar-constrained output/)
    await expect(
      model.generate({ prompt: 'x', responseFormat: { type: 'json_schema', schema: false } }),
    ).rejects.toThrow(/responseFormat\.schema: expected a satisfiable JSON Schema/)
    const thinking = model.generate({
      prompt: 'x',
      responseFormat: { type: 'json_schema', schema },
      providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 1024 } } },
    })
    await expect(thinking).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(thinking).rejects.toThrow(/providerOptions\.anthropic\.thinking/)
    expect(server.requests).toHaveLength(0)
  })
})
