// The playground API over real HTTP (Node's fetch) against the real server and the real
// tinymath models: models, strategies with their JSON Schemas, examples, a run followed over
// server-sent events from start to end, replay, cancel, bad input, API key and admission.
import { formatPrompt, loadDevSet } from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createMetagenServer,
  type MetagenServer,
  type PlaygroundMessage,
  type RequestLogEntry,
} from '../src/index.js'

let server: MetagenServer
let url: string

beforeAll(async () => {
  server = createMetagenServer({ log: false, limits: { maxStrategySamples: 4096 } })
  url = await server.listen(0, '127.0.0.1')
})

afterAll(async () => {
  await server?.close()
})

const question =
  'Raj has 40 books. He buys 8 jars with 85 books each. How many books does Raj have now?'

/** A JSON Schema, read loosely. */
interface SchemaLike {
  properties: Record<string, { anyOf?: unknown[] } & Record<string, unknown>>
}

/** The fields of the JSON answers these tests read. */
interface Answer {
  id: string
  status: string
  cancelled: boolean
  spec: Record<string, unknown>
  label: string
  error: { param: string | null; code: string | null; message: string }
}

async function post(path: string, body: unknown, base = url, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Answer }
}

/** Reads a run's event stream to its end (or until `until` returns true, then stops reading). */
async function readEvents(
  id: string,
  until?: (message: PlaygroundMessage) => boolean,
  base = url,
): Promise<{ messages: PlaygroundMessage[]; sawDone: boolean }> {
  const response = await fetch(`${base}/api/runs/${id}/events`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/event-stream')
  const reader = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader()
  const messages: PlaygroundMessage[] = []
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return { messages, sawDone: false }
    buffer += value
    const parts = buffer.split('\n\n')
    buffer = parts.pop() ?? ''
    for (const part of parts) {
      const data = part.replace(/^data: /, '')
      if (data === '[DONE]') return { messages, sawDone: true }
      const message = JSON.parse(data) as PlaygroundMessage
      messages.push(message)
      if (until?.(message)) {
        await reader.cancel()
        return { messages, sawDone: false }
      }
    }
  }
}

describe('the playground API', () => {
  it('lists the served models, the strategies with JSON Schemas, and tinymath examples', async () => {
    const models = (await (await fetch(`${url}/api/models`)).json()) as {
      data: unknown[]
      defaultMaxTokens: number
    }
    expect(models.data).toEqual([
      { id: 'tinymath-generator', kind: 'local' },
      { id: 'tinymath-draft', kind: 'local' },
    ])
    expect(models.defaultMaxTokens).toBe(128)
    const strategies = (await (await fetch(`${url}/api/strategies`)).json()) as {
      data: Array<{ name: string; scalable: boolean; schema: SchemaLike }>
    }
    const rebase = strategies.data.find((strategy) => strategy.name === 'rebase')
    expect(rebase?.schema.properties.strategy).toEqual({ const: 'rebase' })
    expect(rebase?.schema.properties.width).toMatchObject({ type: 'integer', minimum: 1 })
    const vote = strategies.data.find((strategy) => strategy.name === 'self-consistency')
    expect(vote?.scalable).toBe(true)
    expect(vote?.schema.properties.base?.anyOf).toHaveLength(2)
    const examples = (await (await fetch(`${url}/api/examples`)).json()) as {
      data: Array<{ question: string; answer: string }>
    }
    const devSet = await loadDevSet()
    expect(examples.data[0]).toEqual({
      question: devSet[0]?.question,
      answer: String(devSet[0]?.answer),
    })
  })

  it('runs REBASE and streams its trace, usage and end; a later stream replays it', async () => {
    const started = await post('/api/runs', {
      model: 'tinymath-draft',
      strategy: { strategy: 'rebase', width: 4 },
      question,
      budget: { outputTokens: 4000 },
    })
    expect(started.status).toBe(201)
    expect(started.body.id).toMatch(/^run-/)
    const { messages, sawDone } = await readEvents(started.body.id)
    expect(sawDone).toBe(true)
    const first = messages[0]
    expect(first?.type).toBe('run')
    if (first?.type === 'run') {
      expect(first.run.prompt).toBe(formatPrompt(question))
      expect(first.run.strategy).toMatchObject({
        strategy: 'rebase',
        width: 4,
        scorer: 'step-checker',
      })
      expect(first.run.budget).toEqual({ outputTokens: 4000, wallTimeMs: 120_000 })
    }
    expect(
      messages
        .filter((message) => message.type === 'status')
        .map((m) => (m as { status: string }).status),
    ).toEqual(['queued', 'running'])
    const events = messages.flatMap((message) => (message.type === 'trace' ? [message.event] : []))
    const nodes = events.filter((event) => event.kind === 'node')
    // The root's first layer holds the `width` samples (identical steps merged, with their count),
    // and the tree reaches a finished solution.
    const firstLayer = nodes.filter((node) => node.data?.depth === 1)
    const multiplicity = (node: (typeof nodes)[number]) =>
      typeof node.data?.multiplicity === 'number' ? node.data.multiplicity : 1
    expect(firstLayer.reduce((sum, node) => sum + multiplicity(node), 0)).toBe(4)
    expect(nodes.some((node) => node.data?.finished === true)).toBe(true)
    const calls = events.filter((event) => event.kind === 'model-call')
    const usages = messages.flatMap((message) => (message.type === 'usage' ? [message] : []))
    expect(usages.length).toBeGreaterThanOrEqual(calls.length)
    const end = messages[messages.length - 1]
    expect(end?.type).toBe('end')
    if (end?.type !== 'end') return
    expect(end.status).toBe('done')
    expect(end.output?.answer).toMatch(/^\d+$/)
    const generated = calls.reduce((sum, call) => sum + (call.usage?.outputTokens ?? 0), 0)
    expect(end.usage?.outputTokens).toBe(generated)
    expect(usages[usages.length - 1]?.usage.outputTokens).toBe(generated)

    const summary = (await (await fetch(`${url}/api/runs/${started.body.id}`)).json()) as Record<
      string,
      unknown
    >
    expect(summary.status).toBe('done')
    const replay = await readEvents(started.body.id)
    expect(replay.messages).toEqual(messages)
  })

  it('cancels a running run: the stream ends with status cancelled', async () => {
    // Far more work than can finish before the cancel arrives (rounds of 512 expansions).
    const started = await post('/api/runs', {
      model: 'tinymath-generator',
      strategy: { strategy: 'rebase', width: 512, maxSteps: 16 },
      question,
      maxTokens: 32,
    })
    expect(started.status).toBe(201)
    const { messages } = await readEvents(started.body.id, (message) => message.type === 'trace')
    expect(messages.some((message) => message.type === 'trace')).toBe(true)
    const cancelled = await post(`/api/runs/${started.body.id}/cancel`, {})
    expect(cancelled.status).toBe(200)
    expect(cancelled.body).toEqual({ id: started.body.id, status: 'cancelled', cancelled: true })
    const replay = await readEvents(started.body.id)
    const end = replay.messages[replay.messages.length - 1]
    expect(end).toMatchObject({ type: 'end', status: 'cancelled', error: { code: 'cancelled' } })
    // Cancelling again is a no-op that says so.
    expect((await post(`/api/runs/${started.body.id}/cancel`, {})).body.cancelled).toBe(false)
  })

  it('answers bad run requests with 400 naming the field', async () => {
    const base = { model: 'tinymath-draft', strategy: 'greedy', question }
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, temperature: 1 }, 'temperature'],
      [{ ...base, strategy: { strategy: 'rebase', width: 0 } }, 'strategy.width'],
      [{ ...base, strategy: { strategy: 'no-such' } }, 'strategy.strategy'],
      [{ ...base, model: 'gpt-5' }, 'model'],
      [{ ...base, prompt: 'Q: 1+1?\nA:' }, 'prompt'],
      [{ model: 'tinymath-draft', strategy: 'greedy' }, 'question'],
      [{ ...base, budget: { seconds: 1e6 } }, 'budget.seconds'],
      [{ ...base, budget: { tokens: 5 } }, 'budget.tokens'],
      [{ ...base, maxTokens: 1.5 }, 'maxTokens'],
      [{ ...base, maxTokens: 100_000 }, 'maxTokens'],
      [{ ...base, strategy: { strategy: 'self-consistency', n: 5000 } }, 'strategy.n'],
    ]
    for (const [body, param] of cases) {
      const answer = await post('/api/runs', body)
      expect({ param, status: answer.status }).toEqual({ param, status: 400 })
      expect(answer.body.error.param).toBe(param)
    }
    const missing = await fetch(`${url}/api/runs/run-nope/events`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as Answer).error.code).toBe('run_not_found')
    expect((await fetch(`${url}/api/nothing`)).status).toBe(404)
    expect((await fetch(`${url}/api/runs`)).status).toBe(405)
  })

  it('scales a spec with the strategy scaling knob', async () => {
    const scaled = await post('/api/scaled-spec', { strategy: 'self-consistency', budget: 4 })
    expect(scaled.status).toBe(200)
    expect(scaled.body.spec).toMatchObject({ strategy: 'self-consistency', n: 4 })
    expect(scaled.body.label).toBe('n=4')
    const bad = await post('/api/scaled-spec', { strategy: 'greedy', budget: 4 })
    expect(bad.status).toBe(400)
    expect(bad.body.error.param).toBe('strategy')
  })

  it('serves the page and the bundle without the key, the API only with it', async () => {
    const guarded = createMetagenServer({ log: false, apiKey: 'sesame' })
    const base = await guarded.listen(0, '127.0.0.1')
    try {
      const page = await fetch(`${base}/`)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toContain('text/html')
      const html = await page.text()
      expect(html).toContain('/playground/playground.js')
      const script = await fetch(`${base}/playground/playground.js`)
      expect(script.headers.get('content-type')).toContain('text/javascript')
      expect((await script.text()).length).toBeGreaterThan(10_000)
      expect((await fetch(`${base}/playground/missing.js`)).status).toBe(401)
      expect((await fetch(`${base}/api/models`)).status).toBe(401)
      const run = await post(
        '/api/runs',
        { model: 'tinymath-draft', strategy: 'greedy', question },
        base,
      )
      expect(run.status).toBe(401)
      const authorised = await fetch(`${base}/api/models`, {
        headers: { authorization: 'Bearer sesame' },
      })
      expect(authorised.status).toBe(200)
    } finally {
      await guarded.close()
    }
  })

  it('admits runs like completions: 429 when nothing fits and the queue is full', async () => {
    const entries: RequestLogEntry[] = []
    const small = createMetagenServer({
      log: (entry) => entries.push(entry),
      limits: { maxInFlightWork: 16_384, maxQueued: 0, maxStrategySamples: 4096 },
    })
    const base = await small.listen(0, '127.0.0.1')
    try {
      const big = await post(
        '/api/runs',
        {
          model: 'tinymath-generator',
          strategy: { strategy: 'rebase', width: 512 },
          question,
          maxTokens: 32,
        },
        base,
      )
      expect(big.status).toBe(201)
      const tooMuch = await post(
        '/api/runs',
        { model: 'tinymath-draft', strategy: 'greedy', question, maxTokens: 64 },
        base,
      )
      expect(tooMuch.status).toBe(429)
      expect(tooMuch.body.error.code).toBe('rate_limit_exceeded')
      const oversized = await post(
        '/api/runs',
        { model: 'tinymath-draft', strategy: { strategy: 'self-consistency', n: 1024 }, question },
        base,
      )
      expect(oversized.status).toBe(400)
      expect(oversized.body.error.param).toBe('strategy')
      await post(`/api/runs/${big.body.id}/cancel`, {}, base)
      // Each finished run is one log entry, with the status it ended with.
      const runs = entries.filter((entry) => entry.method === 'RUN')
      expect(runs.find((entry) => entry.id === big.body.id)).toMatchObject({
        status: 499,
        model: 'tinymath-generator',
        strategy: 'rebase',
      })
      expect(runs.some((entry) => entry.status === 429)).toBe(true)
    } finally {
      await small.close()
    }
  })
})
