// Streaming (`stream: true`) checked with the official `openai` SDK's streaming helpers against
// the real server and the real tinymath models: the streamed text equals the non-streamed one.
import { formatPrompt, isCorrect, loadDevSet, type TinymathProblem } from '@metagen/tinymath'
import OpenAI, { BadRequestError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetagenServer, type MetagenServer } from '../src/index.js'

let server: MetagenServer
let client: OpenAI
let problems: TinymathProblem[]

beforeAll(async () => {
  server = createMetagenServer({ log: false })
  const url = await server.listen(0, '127.0.0.1')
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 })
  problems = (await loadDevSet()).slice(0, 4)
})

afterAll(async () => {
  await server?.close()
})

describe('streaming over the openai SDK', () => {
  it('streams a chat answer token by token (ChatCompletionStream helper)', async () => {
    const problem = problems[0] as TinymathProblem
    const messages = [{ role: 'user' as const, content: problem.question }]
    const stream = client.chat.completions.stream({
      model: 'tinymath-generator',
      messages,
      temperature: 0,
      stream_options: { include_usage: true },
    })
    const deltas: string[] = []
    stream.on('content', (delta) => deltas.push(delta))
    const final = await stream.finalChatCompletion()
    const text = final.choices[0]?.message.content ?? ''
    expect(deltas.length).toBeGreaterThan(3)
    expect(deltas.join('')).toBe(text)
    expect(final.choices[0]?.finish_reason).toBe('stop')
    expect(isCorrect(text, problem.answer)).toBe(true)
    expect(final.usage?.completion_tokens).toBeGreaterThan(0)

    const plain = await client.chat.completions.create({
      model: 'tinymath-generator',
      messages,
      temperature: 0,
    })
    expect(text).toBe(plain.choices[0]?.message.content)
    expect(final.usage?.completion_tokens).toBe(plain.usage?.completion_tokens)
  })

  it('streams completions with stop sequences cut, n > 1, logprobs and usage', async () => {
    const prompt = formatPrompt((problems[1] as TinymathProblem).question)
    const request = { model: 'tinymath-generator', prompt, temperature: 0, stop: ['The answer'] }
    const chunks: OpenAI.Completion[] = []
    for await (const chunk of await client.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    })) {
      chunks.push(chunk)
    }
    const streamed = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.text)).join('')
    const plain = await client.completions.create(request)
    expect(streamed).toBe(plain.choices[0]?.text)
    expect(streamed).not.toContain('The answer')
    const last = chunks.at(-1)
    expect(last?.choices).toEqual([])
    expect(last?.usage?.completion_tokens).toBe(plain.usage?.completion_tokens)
    const finishes = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason))
    expect(finishes.filter((reason) => reason !== null)).toEqual(['stop'])

    const many: Record<number, string> = {}
    for await (const chunk of await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      n: 3,
      seed: 5,
      max_tokens: 24,
      logprobs: 1,
      stream: true,
    })) {
      for (const choice of chunk.choices) {
        many[choice.index] = (many[choice.index] ?? '') + choice.text
        if (choice.text !== '') expect(choice.logprobs?.tokens).toEqual([choice.text])
      }
    }
    const reference = await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      n: 3,
      seed: 5,
      max_tokens: 24,
    })
    expect(Object.values(many)).toEqual(reference.choices.map((choice) => choice.text))
  })

  it('streams a strategy: progress chunks, then the answer with the metagen fields', async () => {
    const problem = problems[2] as TinymathProblem
    const chunks: Array<Record<string, unknown>> = []
    const stream = await client.completions.create({
      model: 'tinymath-draft',
      prompt: formatPrompt(problem.question),
      stream: true,
      metagen: { strategy: { strategy: 'best-of-n', n: 4, scorer: 'step-checker' } },
    } as unknown as OpenAI.CompletionCreateParamsStreaming)
    for await (const chunk of stream) chunks.push(chunk as unknown as Record<string, unknown>)
    const choices = chunks.flatMap(
      (chunk) =>
        chunk.choices as Array<{
          text: string
          finish_reason: string | null
          metagen?: { candidates?: number }
        }>,
    )
    expect(choices.map((choice) => choice.text).join('').length).toBeGreaterThan(0)
    const last = choices.at(-1)
    expect(last?.finish_reason).toMatch(/stop|length/)
    expect(last?.metagen?.candidates).toBe(4)
    const progress = chunks.filter((chunk) => chunk.metagen !== undefined)
    expect(progress.length).toBeGreaterThan(0)
    for (const chunk of progress) {
      expect(chunk.choices).toEqual([])
      expect((chunk.metagen as { progress: { calls: number } }).progress.calls).toBeGreaterThan(0)
    }
  })

  it('reports the depth of a search in its progress chunks', async () => {
    const chunks: Array<Record<string, unknown>> = []
    const stream = await client.completions.create({
      model: 'tinymath-draft',
      prompt: formatPrompt((problems[3] as TinymathProblem).question),
      stream: true,
      metagen: { strategy: { strategy: 'step-beam', beams: 4, beamWidth: 2 } },
    } as unknown as OpenAI.CompletionCreateParamsStreaming)
    for await (const chunk of stream) chunks.push(chunk as unknown as Record<string, unknown>)
    const depths = chunks
      .map(
        (chunk) =>
          (chunk.metagen as { progress?: { depth?: number } } | undefined)?.progress?.depth,
      )
      .filter((depth): depth is number => depth !== undefined)
    expect(depths.length).toBeGreaterThan(0)
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(1)
  })

  it('answers errors before the stream as plain 4xx responses', async () => {
    const error = await client.chat.completions
      .create({
        model: 'tinymath-generator',
        messages: [{ role: 'user', content: 'What is 2 + 2?' }],
        stream: true,
        max_tokens: 100_000,
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BadRequestError)
    expect((error as BadRequestError).param).toBe('max_tokens')
  })
})
