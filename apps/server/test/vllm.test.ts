// vLLM's extensions on `metagen serve`, and @metagen/openai in `compatibility: 'vllm'` mode
// against it: echo scoring, prompt_logprobs, guided decoding, best_of, and the orchestrator's
// log-prob scorer and JSON-schema constrained strategy on a `vllm:` remote model. Real server on
// 127.0.0.1, real tinymath models, the real `openai` SDK underneath.
import { createOpenAI } from '@metagen/openai'
import {
  createDefaultStrategyRegistry,
  createStrategyEnvironment,
  run,
} from '@metagen/orchestrator'
import { formatPrompt, loadDevSet, type TinymathProblem } from '@metagen/tinymath'
import OpenAI, { BadRequestError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetagenServer, type MetagenServer } from '../src/index.js'

let server: MetagenServer
let client: OpenAI
let baseURL: string
let problem: TinymathProblem

beforeAll(async () => {
  server = createMetagenServer({ log: false })
  baseURL = `${await server.listen(0, '127.0.0.1')}/v1`
  client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 })
  problem = (await loadDevSet())[5] as TinymathProblem
})

afterAll(async () => {
  await server?.close()
})

type Extended = OpenAI.CompletionCreateParamsNonStreaming & Record<string, unknown>

describe('vLLM request extensions', () => {
  it('echoes the prompt with its token logprobs (max_tokens 0 scores only)', async () => {
    const prompt = formatPrompt(problem.question)
    const scored = await client.completions.create({
      model: 'tinymath-generator',
      prompt,
      echo: true,
      logprobs: 0,
      max_tokens: 0,
    })
    const choice = scored.choices[0]
    expect(choice?.text).toBe(prompt)
    const logprobs = choice?.logprobs
    expect(logprobs?.tokens?.join('')).toBe(prompt)
    expect(logprobs?.token_logprobs?.[0]).toBeNull()
    for (const value of logprobs?.token_logprobs?.slice(1) ?? [])
      expect(value).toBeLessThanOrEqual(0)
    expect(logprobs?.text_offset?.[0]).toBe(0)
    expect(scored.usage?.completion_tokens).toBe(0)

    const continued = await client.completions.create({
      model: 'tinymath-generator',
      prompt,
      echo: true,
      logprobs: 1,
      max_tokens: 8,
      temperature: 0,
    })
    const text = continued.choices[0]?.text ?? ''
    expect(text.startsWith(prompt)).toBe(true)
    expect(continued.choices[0]?.logprobs?.tokens?.join('')).toBe(text)

    const vllm = (await client.completions.create({
      model: 'tinymath-generator',
      prompt,
      prompt_logprobs: 0,
      max_tokens: 1,
    } as Extended)) as OpenAI.Completion & {
      choices: Array<{ prompt_logprobs: Array<Record<string, { logprob: number }> | null> }>
    }
    const entries = vllm.choices[0]?.prompt_logprobs ?? []
    expect(entries[0]).toBeNull()
    expect(entries.length).toBe(logprobs?.tokens?.length)
    const first = Object.values(entries[1] ?? {})[0]?.logprob
    expect(first).toBeCloseTo(logprobs?.token_logprobs?.[1] ?? Number.NaN, 5)
  })

  it('guides the output by choice, regex, JSON schema and response_format', async () => {
    const prompt = formatPrompt(problem.question)
    const choices = ['yes', 'no', 'maybe']
    const chosen = await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      n: 4,
      seed: 1,
      guided_choice: choices,
    } as Extended)
    for (const choice of chosen.choices) expect(choices).toContain(choice.text)

    const regex = await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      temperature: 0,
      guided_regex: ' [0-9]+\\*[0-9]+=[0-9]+\\.',
    } as Extended)
    expect(regex.choices[0]?.text).toMatch(/^ \d+\*\d+=\d+\.$/)

    const schema = {
      type: 'object',
      properties: { answer: { type: 'integer' } },
      required: ['answer'],
      additionalProperties: false,
    }
    const json = await client.completions.create({
      model: 'tinymath-generator',
      prompt,
      seed: 3,
      max_tokens: 32,
      guided_json: schema,
    } as Extended)
    const parsed = JSON.parse(json.choices[0]?.text ?? '') as { answer: unknown }
    expect(Number.isInteger(parsed.answer)).toBe(true)

    const chat = await client.chat.completions.create({
      model: 'tinymath-generator',
      messages: [{ role: 'user', content: problem.question }],
      max_tokens: 32,
      seed: 3,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
    })
    expect(Number.isInteger(JSON.parse(chat.choices[0]?.message.content ?? '').answer)).toBe(true)

    const invalid = await client.completions
      .create({ model: 'tinymath-draft', prompt, guided_regex: '(a' } as Extended)
      .catch((error: unknown) => error)
    expect(invalid).toBeInstanceOf(BadRequestError)
    expect((invalid as BadRequestError).param).toBe('guided_regex')
  })

  it('guides the output by structured_outputs (vLLM >= 0.10.2) and guided_grammar', async () => {
    const prompt = formatPrompt(problem.question)
    const regex = await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      temperature: 0,
      structured_outputs: { regex: ' [0-9]+\\+[0-9]+=[0-9]+\\.' },
    } as Extended)
    expect(regex.choices[0]?.text).toMatch(/^ \d+\+\d+=\d+\.$/)

    const grammar = 'root ::= " " expr "."\nexpr ::= [0-9]+ ("+" [0-9]+)*'
    for (const body of [{ structured_outputs: { grammar } }, { guided_grammar: grammar }]) {
      const derived = await client.completions.create({
        model: 'tinymath-draft',
        prompt,
        seed: 2,
        max_tokens: 24,
        ...body,
      } as Extended)
      expect(derived.choices[0]?.text).toMatch(/^ \d+(\+\d+)*\.$/)
    }
    const lark = await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      seed: 2,
      max_tokens: 24,
      structured_outputs: { grammar: 'start: " " NUMBER "."\n%import common.INT -> NUMBER' },
    } as Extended)
    expect(lark.choices[0]?.text).toMatch(/^ \d+\.$/)

    for (const [body, param] of [
      [{ structured_outputs: { regex: '(a' } }, 'structured_outputs.regex'],
      [{ structured_outputs: { json: {}, regex: 'a' } }, 'structured_outputs'],
      [{ structured_outputs: { grammar: 'root ::= missing' } }, 'structured_outputs.grammar'],
      [{ structured_outputs: { choice: ['a'] }, guided_regex: 'a' }, 'guided_regex'],
    ] as const) {
      const error = await client.completions
        .create({ model: 'tinymath-draft', prompt, ...body } as Extended)
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(BadRequestError)
      expect((error as BadRequestError).param).toBe(param)
    }
  })

  it('returns the most likely n of best_of samples, and takes min_p, top_k, repetition_penalty, min_tokens', async () => {
    const prompt = formatPrompt(problem.question)
    const best = await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      n: 2,
      best_of: 6,
      seed: 9,
      max_tokens: 48,
      logprobs: 0,
    })
    expect(best.choices).toHaveLength(2)
    const totals = best.choices.map((choice) =>
      (choice.logprobs?.token_logprobs ?? []).reduce((sum: number, value) => sum + (value ?? 0), 0),
    )
    expect(totals[0]).toBeGreaterThanOrEqual(totals[1] ?? Number.NaN)
    const sampled = await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      seed: 2,
      max_tokens: 16,
      min_p: 0.05,
      top_k: 20,
      repetition_penalty: 1.1,
      min_tokens: 4,
    } as Extended)
    expect(sampled.usage?.completion_tokens).toBeGreaterThanOrEqual(4)
  })
})

describe('a served remote model', () => {
  it('passes chat messages on to the remote chat API', async () => {
    const front = createMetagenServer({
      models: ['openai:tinymath-generator'],
      remoteBaseUrl: baseURL,
      maxTokens: 64,
      log: false,
    })
    const frontUrl = await front.listen(0, '127.0.0.1')
    try {
      const sdk = new OpenAI({ baseURL: `${frontUrl}/v1`, apiKey: 'unused', maxRetries: 0 })
      const messages = [{ role: 'user' as const, content: problem.question }]
      const relayed = await sdk.chat.completions.create({
        model: 'openai:tinymath-generator',
        messages,
        temperature: 0,
      })
      const direct = await client.chat.completions.create({
        model: 'tinymath-generator',
        messages,
        temperature: 0,
        max_tokens: 64,
      })
      expect(relayed.choices[0]?.message.content).toBe(direct.choices[0]?.message.content)
    } finally {
      await front.close()
    }
  })
})

describe("@metagen/openai with compatibility 'vllm' against metagen serve", () => {
  it('scores continuations by echo as the local model does', async () => {
    const remote = createOpenAI({ baseURL, compatibility: 'vllm' })('tinymath-generator', {
      api: 'completion',
    })
    expect(remote.compatibility).toBe('vllm')
    const prompt = formatPrompt(problem.question)
    const continuations = [' 2+2=4.', ` The answer is ${problem.answer}.`]
    const scored = await remote.scoreContinuations({ prompt, continuations })
    const environment = createStrategyEnvironment({
      modelId: 'tinymath-generator',
      registry: createDefaultStrategyRegistry(),
    })
    try {
      const local = await (await environment.languageModel()).scoreContinuations?.({
        prompt,
        continuations,
      })
      scored.continuations.forEach((continuation, index) => {
        const expected = local?.continuations[index]?.logprobs ?? []
        expect(continuation.logprobs.map((entry) => entry.token)).toEqual(
          expected.map((entry) => entry.token),
        )
        continuation.logprobs.forEach((entry, position) => {
          expect(entry.logprob).toBeCloseTo(expected[position]?.logprob ?? Number.NaN, 4)
        })
      })
    } finally {
      await environment.close()
    }
  })

  it('sends responseFormat (JSON schema, grammar) as structured_outputs, which the server enforces', async () => {
    const prompt = formatPrompt(problem.question)
    const remote = createOpenAI({ baseURL, compatibility: 'vllm' })('tinymath-generator', {
      api: 'completion',
    })
    const schema = {
      type: 'object',
      properties: { answer: { type: 'integer' } },
      required: ['answer'],
      additionalProperties: false,
    }
    const json = await remote.generate({
      prompt,
      n: 2,
      seed: 7,
      maxTokens: 32,
      responseFormat: { type: 'json_schema', schema },
    })
    for (const output of json.outputs) {
      expect(Number.isInteger((JSON.parse(output.text) as { answer: unknown }).answer)).toBe(true)
    }
    const chat = createOpenAI({ baseURL, compatibility: 'vllm' })('tinymath-generator')
    const expression = await chat.generate({
      messages: [{ role: 'user', content: problem.question }],
      seed: 7,
      maxTokens: 24,
      responseFormat: { type: 'grammar', grammar: 'root ::= [0-9]+ ("*" [0-9]+)* "."' },
    })
    expect(expression.outputs[0]?.text).toMatch(/^\d+(\*\d+)*\.$/)
  })

  it('runs the log-prob scorer and a JSON-schema constrained strategy on a vllm: model', async () => {
    const environment = createStrategyEnvironment({
      modelId: 'vllm:tinymath-generator',
      registry: createDefaultStrategyRegistry(),
      baseUrl: baseURL,
      // Remote models default to 512 tokens, beyond the 384-token context: the server says 400.
      maxTokens: 128,
    })
    try {
      const prompt = formatPrompt(problem.question)
      const bestOfN = await environment.build({
        strategy: 'best-of-n',
        n: 3,
        scorer: 'logprob',
      })
      const scored = await run(bestOfN, { prompt }, { seed: 4 })
      expect(scored.output.text.length).toBeGreaterThan(0)
      expect(scored.output.score).toBeLessThanOrEqual(0)
      expect(scored.output.candidates).toHaveLength(3)

      const constrained = await environment.build({
        strategy: 'constrained',
        jsonSchema: JSON.stringify({
          type: 'object',
          properties: { answer: { type: 'integer' } },
          required: ['answer'],
          additionalProperties: false,
        }),
      })
      const result = await run(constrained, { prompt, request: { maxTokens: 32 } }, { seed: 5 })
      expect(Number.isInteger((JSON.parse(result.output.text) as { answer: unknown }).answer)).toBe(
        true,
      )
    } finally {
      await environment.close()
    }
  })
})
