// Integration tests: the real server on a free port, the real tinymath models through the ONNX
// backend, and the real `openai` SDK as the client.
import { createOpenAI } from '@metagen/openai'
import { formatPrompt, isCorrect, loadDevSet, type TinymathProblem } from '@metagen/tinymath'
import OpenAI, { BadRequestError, NotFoundError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetagenServer, type MetagenServer } from '../src/index.js'

let server: MetagenServer
let client: OpenAI
let problems: TinymathProblem[]

beforeAll(async () => {
  server = createMetagenServer({ log: false })
  const url = await server.listen(0, '127.0.0.1')
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 })
  problems = (await loadDevSet()).slice(0, 12)
})

afterAll(async () => {
  await server?.close()
})

describe('metagen server over the openai SDK', () => {
  it('lists the served models', async () => {
    const page = await client.models.list()
    expect(page.data.map((model) => model.id)).toEqual(['tinymath-generator', 'tinymath-draft'])
    const model = await client.models.retrieve('tinymath-draft')
    expect(model.id).toBe('tinymath-draft')
  })

  it('answers a dev question greedily with the generator', async () => {
    const problem = problems[0] as TinymathProblem
    const completion = await client.completions.create({
      model: 'tinymath-generator',
      prompt: formatPrompt(problem.question),
      temperature: 0,
      max_tokens: 128,
    })
    expect(completion.object).toBe('text_completion')
    expect(completion.model).toBe('tinymath-generator')
    expect(completion.choices).toHaveLength(1)
    const choice = completion.choices[0]
    expect(choice?.index).toBe(0)
    expect(choice?.finish_reason).toBe('stop')
    expect(isCorrect(choice?.text ?? '', problem.answer)).toBe(true)
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0)
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0)
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    )
  })

  it('answers a bare question in chat format like the same prompt in completions', async () => {
    const problem = problems[1] as TinymathProblem
    const chat = await client.chat.completions.create({
      model: 'tinymath-generator',
      messages: [{ role: 'user', content: problem.question }],
      temperature: 0,
    })
    expect(chat.object).toBe('chat.completion')
    const message = chat.choices[0]?.message
    expect(message?.role).toBe('assistant')
    const completion = await client.completions.create({
      model: 'tinymath-generator',
      prompt: formatPrompt(problem.question),
      temperature: 0,
    })
    expect(message?.content).toBe(completion.choices[0]?.text)
    expect(isCorrect(message?.content ?? '', problem.answer)).toBe(true)
  })

  it('continues a partial assistant answer with continue_final_message, as vLLM clients send it', async () => {
    const problem = problems[3] as TinymathProblem
    const prompt = formatPrompt(problem.question)
    const whole = await client.completions.create({
      model: 'tinymath-generator',
      prompt,
      temperature: 0,
      max_tokens: 128,
    })
    const text = whole.choices[0]?.text ?? ''
    const partial = text.slice(0, text.indexOf('.') + 1)
    expect(partial.length).toBeGreaterThan(1)
    const body = {
      model: 'tinymath-generator',
      messages: [
        { role: 'user' as const, content: problem.question },
        { role: 'assistant' as const, content: partial },
      ],
      temperature: 0,
      max_tokens: 128,
      continue_final_message: true,
      add_generation_prompt: false,
    }
    const continued = await client.chat.completions.create(body)
    // The rest of the greedy answer: the partial turn was continued, not answered afresh.
    expect(continued.choices[0]?.message.content).toBe(text.slice(partial.length))
    expect(continued.usage?.prompt_tokens).toBeGreaterThan(whole.usage?.prompt_tokens ?? 0)
    // Without the flag a trailing assistant message cannot be answered (no multi-turn format).
    const { continue_final_message: _flag, add_generation_prompt: _prompt, ...plain } = body
    const refused = await client.chat.completions.create(plain).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(BadRequestError)
    expect((refused as BadRequestError).message).toMatch(
      /messages\[1\]\.role.*continue_final_message/,
    )
    // metagen's own OpenAI adapter on a vLLM-compatible server continues it the same way.
    const vllm = createOpenAI({ baseURL: client.baseURL, apiKey: 'unused', compatibility: 'vllm' })
    const model = vllm('tinymath-generator', { api: 'chat' })
    expect(model.capabilities.continuation).toBe('assistant-prefill')
    const adapted = await model.generate({
      messages: body.messages,
      temperature: 0,
      maxTokens: 128,
    })
    expect(adapted.outputs[0]?.text).toBe(text.slice(partial.length))
    const both = await client.chat.completions
      .create(Object.assign({}, body, { add_generation_prompt: true }))
      .catch((error: unknown) => error)
    expect((both as BadRequestError).message).toMatch(/add_generation_prompt/)
  })

  it('returns n = 4 samples with index 0..3', async () => {
    const completion = await client.completions.create({
      model: 'tinymath-draft',
      prompt: formatPrompt((problems[2] as TinymathProblem).question),
      n: 4,
      temperature: 1,
      seed: 7,
      max_tokens: 64,
    })
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2, 3])
    for (const choice of completion.choices) expect(choice.text.length).toBeGreaterThan(0)
    const again = await client.completions.create({
      model: 'tinymath-draft',
      prompt: formatPrompt((problems[2] as TinymathProblem).question),
      n: 4,
      temperature: 1,
      seed: 7,
      max_tokens: 64,
    })
    expect(again.choices.map((choice) => choice.text)).toEqual(
      completion.choices.map((choice) => choice.text),
    )
  })

  it('returns token logprobs in the completions and chat formats', async () => {
    const prompt = formatPrompt((problems[3] as TinymathProblem).question)
    const completion = await client.completions.create({
      model: 'tinymath-generator',
      prompt,
      temperature: 0,
      max_tokens: 16,
      logprobs: 2,
    })
    const logprobs = completion.choices[0]?.logprobs
    expect(logprobs?.tokens?.join('')).toBe(completion.choices[0]?.text)
    expect(logprobs?.token_logprobs).toHaveLength(logprobs?.tokens?.length ?? -1)
    for (const value of logprobs?.token_logprobs ?? []) expect(value).toBeLessThanOrEqual(0)
    for (const top of logprobs?.top_logprobs ?? []) expect(Object.keys(top)).toHaveLength(2)
    expect(logprobs?.text_offset?.[0]).toBe(prompt.length)

    const chat = await client.chat.completions.create({
      model: 'tinymath-generator',
      messages: [{ role: 'user', content: (problems[3] as TinymathProblem).question }],
      temperature: 0,
      max_tokens: 16,
      logprobs: true,
      top_logprobs: 3,
    })
    const content = chat.choices[0]?.logprobs?.content ?? []
    expect(content.map((entry) => entry.token).join('')).toBe(chat.choices[0]?.message.content)
    for (const entry of content) {
      expect(entry.top_logprobs).toHaveLength(3)
      // Greedy: the chosen token is the most likely one.
      expect(entry.logprob).toBeCloseTo(entry.top_logprobs[0]?.logprob ?? Number.NaN, 4)
    }
  })

  it('cuts the tokens of a stop sequence from the logprobs as from the text', async () => {
    const prompt = formatPrompt((problems[3] as TinymathProblem).question)
    const completion = await client.completions.create({
      model: 'tinymath-generator',
      prompt,
      temperature: 0,
      stop: [' The answer'],
      logprobs: 0,
    })
    const choice = completion.choices[0]
    expect(choice?.finish_reason).toBe('stop')
    expect(choice?.text).not.toContain('The answer')
    expect(choice?.logprobs?.tokens?.join('')).toBe(choice?.text)
    // logprobs: 0 still lists the sampled token at each position.
    for (const [index, top] of (choice?.logprobs?.top_logprobs ?? []).entries()) {
      expect(Object.keys(top)).toEqual([choice?.logprobs?.tokens?.[index]])
    }
    const chat = await client.chat.completions.create({
      model: 'tinymath-generator',
      messages: [{ role: 'user', content: (problems[3] as TinymathProblem).question }],
      temperature: 0,
      stop: [' The answer'],
      logprobs: true,
    })
    const content = chat.choices[0]?.logprobs?.content ?? []
    expect(content.map((entry) => entry.token).join('')).toBe(chat.choices[0]?.message.content)
  })

  it('runs a metagen strategy (best-of-n with the step checker)', async () => {
    const problem = problems[4] as TinymathProblem
    const body = {
      model: 'tinymath-draft',
      prompt: formatPrompt(problem.question),
      max_tokens: 128,
      metagen: { strategy: { strategy: 'best-of-n', n: 4, scorer: 'step-checker' } },
    }
    const completion = (await client.completions.create(
      body as unknown as OpenAI.CompletionCreateParamsNonStreaming,
    )) as OpenAI.Completion & {
      choices: Array<{ metagen?: { score?: number; answer?: string; candidates?: number } }>
    }
    expect(completion.choices).toHaveLength(1)
    const choice = completion.choices[0]
    expect(choice?.metagen?.candidates).toBe(4)
    expect(choice?.metagen?.score).toBeGreaterThanOrEqual(0)
    expect(choice?.metagen?.score).toBeLessThanOrEqual(1)
    expect(choice?.text.length).toBeGreaterThan(0)
    // The chosen text is one of four samples: the usage counts all four.
    const single = await client.completions.create({
      model: 'tinymath-draft',
      prompt: formatPrompt(problem.question),
      temperature: 0,
    })
    expect(completion.usage?.completion_tokens).toBeGreaterThan(
      2 * (single.usage?.completion_tokens ?? 0),
    )
  })

  it('maps invalid arguments to 400 and unknown models to 404', async () => {
    const prompt = formatPrompt((problems[0] as TinymathProblem).question)
    const invalid = await client.completions
      .create({ model: 'tinymath-generator', prompt, n: 0 })
      .catch((error: unknown) => error)
    expect(invalid).toBeInstanceOf(BadRequestError)
    expect((invalid as BadRequestError).status).toBe(400)
    expect((invalid as BadRequestError).param).toBe('n')
    expect((invalid as BadRequestError).message).toMatch(/Invalid argument n/)

    const badStrategy = await client.completions
      .create({
        model: 'tinymath-draft',
        prompt,
        metagen: { strategy: { strategy: 'no-such-strategy' } },
      } as unknown as OpenAI.CompletionCreateParamsNonStreaming)
      .catch((error: unknown) => error)
    expect(badStrategy).toBeInstanceOf(BadRequestError)

    const notJson = await fetch(`${server.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    })
    expect(notJson.status).toBe(400)
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json')

    const unknown = await client.chat.completions
      .create({ model: 'gpt-unknown', messages: [{ role: 'user', content: 'What is 2 + 2?' }] })
      .catch((error: unknown) => error)
    expect(unknown).toBeInstanceOf(NotFoundError)
    expect((unknown as NotFoundError).code).toBe('model_not_found')
  })

  it('answers several concurrent requests', async () => {
    const batch = problems.slice(4, 12)
    const completions = await Promise.all(
      batch.map((problem) =>
        client.completions.create({
          model: 'tinymath-generator',
          prompt: formatPrompt(problem.question),
          temperature: 0,
        }),
      ),
    )
    expect(completions).toHaveLength(batch.length)
    const correct = completions.filter((completion, index) =>
      isCorrect(completion.choices[0]?.text ?? '', (batch[index] as TinymathProblem).answer),
    ).length
    // The generator scores 0.983 greedy on the dev set; all but at most one should be right.
    expect(correct).toBeGreaterThanOrEqual(batch.length - 1)
  })
})
