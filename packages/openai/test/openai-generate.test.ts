// The real openai SDK against a fake OpenAI server on 127.0.0.1: request parameters, headers and
// the mapping of choices, logprobs, n and usage (chat and completions, JSON and SSE).
import {
  BudgetExhaustedError,
  callModel,
  createRunContext,
  type LanguageModel,
} from '@metagen/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAI } from '../src/index.js'
import { type FakeOpenAIServer, startFakeOpenAIServer } from '../src/testing/index.js'

let server: FakeOpenAIServer

beforeAll(async () => {
  server = await startFakeOpenAIServer({
    apiKey: 'test-key',
    respond: ({ question, sampleIndex }) =>
      `Q was ${question ?? 'none'}. Sample ${sampleIndex}. The answer is 7.`,
  })
})
afterAll(() => server.close())

function provider(extra: Parameters<typeof createOpenAI>[0] = {}) {
  return createOpenAI({
    baseURL: server.baseURL,
    apiKey: 'test-key',
    retry: { initialDelayMs: 1 },
    ...extra,
  })
}

describe('chat completions', () => {
  it('sends the mapped parameters with auth and custom headers', async () => {
    server.reset()
    const model = provider({ headers: { 'x-team': 'metagen' }, compatibility: 'strict' })(
      'gpt-4o-mini',
    )
    const result = await model.generate({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Q: What is 3+4?\nA:' },
      ],
      n: 3,
      maxTokens: 50,
      temperature: 0.7,
      topP: 0.9,
      seed: 11,
      stop: ['\n\n'],
      logprobs: true,
      topLogprobs: 2,
      providerOptions: {
        openai: { logitBias: { '50256': -100 }, presencePenalty: 0.5, user: 'u1' },
      },
    })
    expect(server.requests).toHaveLength(1)
    const request = server.requests[0]
    expect(request?.path).toBe('/v1/chat/completions')
    expect(request?.headers.authorization).toBe('Bearer test-key')
    expect(request?.headers['x-team']).toBe('metagen')
    expect(request?.body).toMatchObject({
      model: 'gpt-4o-mini',
      n: 3,
      max_tokens: 50,
      temperature: 0.7,
      top_p: 0.9,
      seed: 11,
      stop: ['\n\n'],
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '50256': -100 },
      presence_penalty: 0.5,
      user: 'u1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Q: What is 3+4?\nA:' },
      ],
    })
    expect(result.outputs.map((output) => output.text)).toEqual([
      'Q was What is 3+4?. Sample 0. The answer is 7.',
      'Q was What is 3+4?. Sample 1. The answer is 7.',
      'Q was What is 3+4?. Sample 2. The answer is 7.',
    ])
    const first = result.outputs[0]
    expect(first?.finishReason).toBe('stop')
    expect(first?.logprobs?.map((entry) => entry.token).join('')).toBe(first?.text)
    expect(first?.logprobs?.[0]?.topLogprobs).toHaveLength(2)
    expect(first?.logprobs?.[0]?.logprob).toBeLessThan(0)
    expect(first?.logprobs?.[0]?.topLogprobs?.[0]?.token).toBe(first?.logprobs?.[0]?.token)
    // usage: the fake counts 3 + tokens per message + 3; output = sum over the three choices
    const outputTokens = result.outputs.reduce(
      (total, output) => total + (output.logprobs?.length ?? 0),
      0,
    )
    expect(result.usage.outputTokens).toBe(outputTokens)
    expect(result.usage.calls).toBe(1)
    expect(result.usage.inputTokens).toBeGreaterThan(10)
    expect(result.usage.cachedInputTokens).toBe(0)
    // gpt-4o-mini: $0.15 / 1M input, $0.60 / 1M output
    expect(result.usage.costUsd).toBeCloseTo(
      (result.usage.inputTokens * 0.15 + outputTokens * 0.6) / 1e6,
      12,
    )
    expect(result.warnings).toEqual([])
  })

  it('maps a prompt to one user message, max_tokens to finishReason length, and cached tokens', async () => {
    const model = provider()('gpt-4o')
    const request = { prompt: 'Q: 1+1?\nA:', maxTokens: 3 }
    const first = await model.generate(request)
    expect(first.outputs[0]?.finishReason).toBe('length')
    expect(first.outputs[0]?.text).toBe('Q was 1')
    expect(first.usage.outputTokens).toBe(3)
    const second = await model.generate(request)
    expect(second.usage.cachedInputTokens).toBe(second.usage.inputTokens)
    // cached tokens are billed at the cached rate ($1.25 instead of $2.50 per 1M for gpt-4o)
    expect(second.usage.costUsd).toBeCloseTo((second.usage.inputTokens * 1.25 + 3 * 10) / 1e6, 12)
  })

  it('streams SSE deltas and returns the same result shape', async () => {
    const model = provider()('gpt-4o-mini')
    const deltas: string[] = ['', '']
    let finish: Awaited<ReturnType<typeof model.generate>> | undefined
    for await (const part of model.stream({ prompt: 'Q: 2+2?\nA:', n: 2, logprobs: true })) {
      if (part.type === 'text-delta') deltas[part.index] += part.text
      else finish = part.result
    }
    expect(finish?.outputs.map((output) => output.text)).toEqual(deltas)
    expect(deltas[1]).toBe('Q was 2+2?. Sample 1. The answer is 7.')
    expect(finish?.outputs[1]?.logprobs?.map((entry) => entry.token).join('')).toBe(deltas[1])
    expect(finish?.usage.outputTokens).toBe(
      (finish?.outputs[0]?.logprobs?.length ?? 0) + (finish?.outputs[1]?.logprobs?.length ?? 0),
    )
    const last = server.requests.at(-1)
    expect(last?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      n: 2,
    })
  })

  it('generate with the model option stream: true parses SSE responses', async () => {
    const model = provider()('gpt-4o-mini', { stream: true })
    const result = await model.generate({ prompt: 'Q: 5+5?\nA:', n: 2, stop: ['Sample 1'] })
    expect(server.requests.at(-1)?.body?.stream).toBe(true)
    expect(result.outputs[0]?.text).toBe('Q was 5+5?. Sample 0. The answer is 7.')
    expect(result.outputs[1]?.text).toBe('Q was 5+5?. ')
    expect(result.usage.calls).toBe(1)
  })
})

describe('reasoning models and capability warnings', () => {
  it('drops temperature, top_p and logprobs for reasoning models with warnings and applies stop client-side', async () => {
    const model = provider()('o4-mini')
    expect(model.capabilities.logprobs).toBe(false)
    const result = await model.generate({
      prompt: 'Q: 9+9?\nA:',
      temperature: 0.3,
      topP: 0.5,
      logprobs: true,
      maxTokens: 100,
      stop: ['Sample'],
    })
    const body = server.requests.at(-1)?.body ?? {}
    expect(body.temperature).toBeUndefined()
    expect(body.top_p).toBeUndefined()
    expect(body.logprobs).toBeUndefined()
    expect(body.stop).toBeUndefined()
    expect(body.max_completion_tokens).toBe(100)
    expect(body.max_tokens).toBeUndefined()
    expect(result.warnings.map((warning) => warning.setting).sort()).toEqual([
      'logprobs',
      'stop',
      'temperature',
      'topP',
    ])
    expect(result.outputs[0]?.text).toBe('Q was 9+9?. ')
    expect(result.outputs[0]?.finishReason).toBe('stop')
  })

  it('drops compatible-server extensions against api.openai.com-like servers and sends them to compatible ones', async () => {
    const extensions = { openai: { minP: 0.05, repetitionPenalty: 1.1, topK: 20, madeUp: 1 } }
    const strict = provider({ compatibility: 'strict' })('gpt-4o-mini')
    const strictResult = await strict.generate({ prompt: 'hi', providerOptions: extensions })
    const strictBody = server.requests.at(-1)?.body ?? {}
    expect(strictBody.min_p).toBeUndefined()
    expect(strictBody.top_k).toBeUndefined()
    expect(strictResult.warnings.map((warning) => warning.setting)).toEqual(
      expect.arrayContaining([
        'providerOptions.openai.madeUp',
        'providerOptions.openai.topK',
        'providerOptions.openai.minP',
        'providerOptions.openai.repetitionPenalty',
      ]),
    )
    const compatible = provider({
      prices: { 'my-llama': { inputPerMillion: 0, outputPerMillion: 0 } },
    })('my-llama')
    const compatibleResult = await compatible.generate({
      prompt: 'hi',
      topK: 5,
      providerOptions: {
        openai: { minP: 0.05, repetitionPenalty: 1.1, extraBody: { guided_regex: '\\d+' } },
      },
    })
    expect(server.requests.at(-1)?.body).toMatchObject({
      top_k: 5,
      min_p: 0.05,
      repetition_penalty: 1.1,
      guided_regex: '\\d+',
    })
    expect(compatibleResult.warnings).toEqual([])
    expect(compatibleResult.usage.costUsd).toBe(0)
  })

  it('passes structured-output response_format through', async () => {
    const model = provider()('gpt-4o-mini')
    const responseFormat = {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object' } },
    }
    await model.generate({ prompt: 'hi', providerOptions: { openai: { responseFormat } } })
    expect(server.requests.at(-1)?.body?.response_format).toEqual(responseFormat)
  })

  it('advertises its price, so a costUsd budget holds concurrent calls under it', async () => {
    const model = provider()('gpt-4o-mini')
    expect(model.price).toEqual({
      inputPerMillion: 0.15,
      outputPerMillion: 0.6,
      maxInputPerMillion: 0.15,
    })
    expect(provider()('unknown-model-x').price).toBeUndefined()
    const budget = 4e-5
    const context = createRunContext({ budget: { costUsd: budget }, concurrency: 8 })
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        callModel(context, model, { prompt: 'Q: 1+1?\nA:', maxTokens: 16 }),
      ),
    )
    // Each call reserves its prompt's bound (a compatible server's chat template: 10 bytes +
    // 16 per message + 64 per request = 90 tokens) at the input rate and its 16 output tokens
    // before it starts: eight of those cost more than the budget, so some calls are refused.
    expect(outcomes.some((outcome) => outcome.status === 'rejected')).toBe(true)
    expect(context.budget.spent.costUsd ?? 0).toBeGreaterThan(0)
    expect(context.budget.spent.costUsd ?? 0).toBeLessThanOrEqual(budget)
  })

  it('bounds prompt tokens with its endpoint’s template overhead, and budgets reserve that bound', async () => {
    const strict = provider({ compatibility: 'strict' })
    const chat = strict('gpt-4o-mini')
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Q: What is 3+4?\nA:' },
    ]
    // OpenAI's cookbook: 3 (at most 4) tokens per message, 3 priming the reply.
    const bound = chat.maxInputTokens({ messages })
    expect(bound).toBe(3 + (9 + 4) + (18 + 4))
    const result = await chat.generate({ messages, maxTokens: 8 })
    expect(result.usage.inputTokens).toBeLessThanOrEqual(bound)
    // A prompt is sent as one user message.
    expect(chat.maxInputTokens({ prompt: 'Q: 1+1?\nA:', n: 2 })).toBe(2 * (3 + 10 + 4))
    const prompted = await chat.generate({ prompt: 'Q: 1+1?\nA:', maxTokens: 8 })
    expect(prompted.usage.inputTokens).toBeLessThanOrEqual(3 + 10 + 4)
    // The legacy completions API adds nothing to the prompt.
    const completion = strict('gpt-3.5-turbo-instruct')
    expect(completion.maxInputTokens({ prompt: 'Q: 1+1?\nA:' })).toBe(10)
    const completed = await completion.generate({ prompt: 'Q: 1+1?\nA:', maxTokens: 8 })
    expect(completed.usage.inputTokens).toBeLessThanOrEqual(10)
    // A compatible server's chat template may add a default system prompt: 64 per request.
    expect(provider()('local-model').maxInputTokens({ messages })).toBe(64 + (9 + 16) + (18 + 16))
    expect(provider()('local-model', { api: 'completion' }).maxInputTokens({ prompt: 'hi' })).toBe(
      2 + 16,
    )
    // A server whose template adds more declares it.
    const declared = provider()('local-model', {
      promptTokenOverhead: { perMessage: 8, perRequest: 200 },
    })
    expect(declared.maxInputTokens({ messages })).toBe(200 + (9 + 8) + (18 + 8))
    expect(() =>
      provider()('local-model', { promptTokenOverhead: { perMessage: 8, perRequest: -1 } }),
    ).toThrow(/options\.promptTokenOverhead\.perRequest: expected an integer >= 0/)
    expect(() => provider()('local-model', { promptTokenOverhead: 5 as never })).toThrow(
      /options\.promptTokenOverhead: expected an object/,
    )
    // Budgets reserve the model's bound: 17 tokens fit a 20-token input budget, where core's
    // default bound (10 + 16 + 16 = 42) would refuse the call before it starts.
    const context = createRunContext({ budget: { inputTokens: 20 } })
    const reserved = await callModel(context, chat, { prompt: 'Q: 1+1?\nA:', maxTokens: 4 })
    expect(reserved.usage.inputTokens).toBeLessThanOrEqual(20)
    expect(context.budget.spent.inputTokens).toBe(reserved.usage.inputTokens)
    const withoutBound: LanguageModel = {
      specificationVersion: 'v1',
      provider: chat.provider,
      modelId: chat.modelId,
      capabilities: chat.capabilities,
      generate: (request) => chat.generate(request),
    }
    await expect(
      callModel(createRunContext({ budget: { inputTokens: 20 } }), withoutBound, {
        prompt: 'Q: 1+1?\nA:',
        maxTokens: 4,
      }),
    ).rejects.toThrow(BudgetExhaustedError)
  })

  it('warns and leaves costUsd out for a model without a price', async () => {
    const result = await provider()('unknown-model-x').generate({ prompt: 'hi' })
    expect(result.usage.costUsd).toBeUndefined()
    expect(result.warnings.some((warning) => warning.setting === 'costUsd')).toBe(true)
  })

  it('rejects bad arguments with InvalidArgumentError naming them', async () => {
    const model = provider()('gpt-4o-mini')
    await expect(model.generate({ prompt: 'hi', n: 0 })).rejects.toThrow(/Invalid argument n/)
    await expect(
      model.generate({ prompt: 'hi', providerOptions: { openai: { minP: 2 } } }),
    ).rejects.toThrow(/providerOptions\.openai\.minP/)
    await expect(
      model.generate({ prompt: 'hi', providerOptions: { openai: { logitBias: { abc: 1 } } } }),
    ).rejects.toThrow(/logitBias/)
  })
})

describe('n handling', () => {
  it('splits n above maxNPerRequest into several requests with offset seeds', async () => {
    server.reset()
    const model = provider()('gpt-4o-mini', { maxNPerRequest: 2 })
    const result = await model.generate({ prompt: 'hi', n: 5, seed: 100 })
    expect(server.requests.map((request) => request.body?.n ?? 1).sort()).toEqual([1, 2, 2])
    expect(server.requests.map((request) => request.body?.seed).sort()).toEqual([100, 102, 104])
    expect(result.outputs).toHaveLength(5)
    expect(result.usage.calls).toBe(3)
  })

  it('tops up when a server ignores n', async () => {
    const ignoring = await startFakeOpenAIServer({ ignoreN: true })
    try {
      const model = createOpenAI({ baseURL: ignoring.baseURL })('local-model')
      const result = await model.generate({ prompt: 'hi', n: 3 })
      expect(result.outputs.map((output) => output.text)).toHaveLength(3)
      expect(result.outputs.every((output) => output.error === undefined)).toBe(true)
      expect(ignoring.requests).toHaveLength(3)
      expect(result.usage.calls).toBe(3)
      expect(result.warnings.some((warning) => warning.setting === 'n')).toBe(true)
      // compatible servers need no key: the placeholder is sent
      expect(ignoring.requests[0]?.headers.authorization).toBe('Bearer none')
    } finally {
      await ignoring.close()
    }
  })
})

describe('legacy completions', () => {
  it('maps prompt, logprobs count and top_logprobs dictionaries', async () => {
    const model = provider()('gpt-3.5-turbo-instruct')
    expect(model.api).toBe('completion')
    const result = await model.generate({
      prompt: 'Q: 4+4?\nA:',
      logprobs: true,
      topLogprobs: 3,
      n: 2,
      maxTokens: 4,
    })
    const request = server.requests.at(-1)
    expect(request?.path).toBe('/v1/completions')
    expect(request?.body).toMatchObject({ prompt: 'Q: 4+4?\nA:', logprobs: 3, n: 2, max_tokens: 4 })
    const output = result.outputs[1]
    expect(output?.text).toBe('Q was 4+')
    expect(output?.finishReason).toBe('length')
    expect(output?.logprobs).toHaveLength(4)
    const top = output?.logprobs?.[0]?.topLogprobs ?? []
    expect(top).toHaveLength(3)
    expect(top[0]?.logprob).toBeGreaterThanOrEqual(top[1]?.logprob ?? 0)
    await expect(model.generate({ messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow(
      /completions API/,
    )
  })

  it('streams legacy completions', async () => {
    const model = provider()('gpt-3.5-turbo-instruct', { stream: true })
    const result = await model.generate({ prompt: 'Q: 4+4?\nA:', logprobs: true })
    expect(result.outputs[0]?.text).toBe('Q was 4+4?. Sample 0. The answer is 7.')
    expect(result.outputs[0]?.logprobs?.map((entry) => entry.token).join('')).toBe(
      result.outputs[0]?.text,
    )
    expect(result.usage.outputTokens).toBe(result.outputs[0]?.logprobs?.length)
  })
})
