// Integration tests of what makes the server safe to expose: the API key, Host/Origin/content
// type checks, only served models, request limits, admission control (429), the abusive
// requests of issue 21, /health, /metrics, the request log and the graceful drain on close().
// Real server on 127.0.0.1, real tinymath models, the real `openai` SDK.
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import OpenAI, { AuthenticationError, BadRequestError, RateLimitError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetagenServer, type MetagenServer, type RequestLogEntry } from '../src/index.js'

const apiKey = 'test-key-123'
let server: MetagenServer
let client: OpenAI
let prompt: string
const logged: RequestLogEntry[] = []

beforeAll(async () => {
  server = createMetagenServer({ apiKey, log: (entry) => logged.push(entry) })
  const url = await server.listen(0, '127.0.0.1')
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 })
  prompt = formatPrompt(((await loadDevSet())[0] as { question: string }).question)
})

afterAll(async () => {
  await server?.close()
})

/** POSTs a JSON body with the API key; returns status, headers and the parsed body. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as { error?: { message: string; param: string | null; code: string } },
  }
}

describe('auth and browser safety', () => {
  it('answers 401 in OpenAI shape without the right key (AuthenticationError in the SDK)', async () => {
    const wrong = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'nope', maxRetries: 0 })
    const error = await wrong.models.list().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as AuthenticationError).code).toBe('invalid_api_key')
    const missing = await fetch(`${server.url}/v1/models`)
    expect(missing.status).toBe(401)
    // /health stays open for load balancers.
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
    expect((await client.models.list()).data.length).toBe(2)
  })

  it('refuses a foreign Host header (DNS rebinding), foreign origins and non-JSON bodies', async () => {
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(server.url)
      const outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/v1/models',
          headers: { host: 'attacker.example:80', authorization: `Bearer ${apiKey}` },
        },
        (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        },
      )
      outgoing.on('error', reject)
      outgoing.end()
    })
    expect(status).toBe(421)

    const crossOrigin = await post(
      '/v1/completions',
      { model: 'tinymath-draft', prompt },
      { origin: 'https://evil.example' },
    )
    expect(crossOrigin.status).toBe(403)
    expect(crossOrigin.headers.get('access-control-allow-origin')).toBeNull()

    const textPlain = await post(
      '/v1/completions',
      JSON.stringify({ model: 'tinymath-draft', prompt }),
      {
        'content-type': 'text/plain',
      },
    )
    expect(textPlain.status).toBe(415)
    expect(textPlain.body.error?.code).toBe('unsupported_media_type')

    const preflight = await fetch(`${server.url}/v1/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(403)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('allows a configured CORS origin', async () => {
    const open = createMetagenServer({ corsOrigins: ['https://app.example'], log: false })
    const url = await open.listen(0, '127.0.0.1')
    try {
      const preflight = await fetch(`${url}/v1/chat/completions`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example')
      expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization')
      const models = await fetch(`${url}/v1/models`, { headers: { origin: 'https://app.example' } })
      expect(models.status).toBe(200)
      expect(models.headers.get('access-control-allow-origin')).toBe('https://app.example')
    } finally {
      await open.close()
    }
  })
})

describe('only served models', () => {
  it('rejects folder paths and remote providers in strategy options with a 400', async () => {
    const draftFolder = tinymathModelPaths['tinymath-draft']
    for (const draft of [draftFolder, `${draftFolder}/`, `${draftFolder}/../draft`, '/etc']) {
      const response = await post('/v1/completions', {
        model: 'tinymath-generator',
        prompt,
        max_tokens: 16,
        metagen: { strategy: { strategy: 'speculative', draft } },
      })
      expect(response.status).toBe(400)
      expect(response.body.error?.param).toBe('metagen.strategy')
      expect(response.body.error?.message).toMatch(
        /served model id \(tinymath-generator, tinymath-draft\)/,
      )
    }
    const judge = await post('/v1/completions', {
      model: 'tinymath-draft',
      prompt,
      max_tokens: 16,
      metagen: {
        strategy: { strategy: 'universal-self-consistency', n: 2, judge: 'openai:gpt-4o' },
      },
    })
    expect(judge.status).toBe(400)
    expect(judge.body.error?.message).toContain('openai:gpt-4o')
    // A served id in an option works.
    const speculative = await client.completions.create({
      model: 'tinymath-generator',
      prompt,
      max_tokens: 32,
      temperature: 0,
      metagen: { strategy: { strategy: 'speculative', draft: 'tinymath-draft' } },
    } as unknown as OpenAI.CompletionCreateParamsNonStreaming)
    expect(speculative.choices[0]?.text.length).toBeGreaterThan(0)
  })

  it('answers a model that fails to load with 503 and no path or native message', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const folder = mkdtempSync(join(tmpdir(), 'metagen-broken-'))
    writeFileSync(join(folder, 'config.json'), '{"model_type": "nothing"}')
    writeFileSync(join(folder, 'model.onnx'), 'not an onnx file')
    const broken = createMetagenServer({ models: [`broken=${folder}`], log: false })
    const url = await broken.listen(0, '127.0.0.1')
    try {
      const response = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'broken', prompt: 'Q: 1+1?\nA:', max_tokens: 4 }),
      })
      const body = (await response.json()) as { error: { message: string; type: string } }
      expect(response.status).toBe(503)
      expect(body.error.type).toBe('server_error')
      expect(body.error.message).not.toContain(folder)
      expect(body.error.message).not.toContain('/')
      const health = (await (await fetch(`${url}/health`)).json()) as {
        models: Record<string, string>
      }
      expect(health.models.broken).toBe('failed')
    } finally {
      await broken.close()
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('answers a malformed model path with 400, an unknown model with 404', async () => {
    const malformed = await fetch(`${server.url}/v1/models/%E0%A4%A`, {
      headers: { authorization: `Bearer ${apiKey}` },
    })
    expect(malformed.status).toBe(400)
    const folder = await post('/v1/completions', {
      model: tinymathModelPaths['tinymath-draft'],
      prompt,
    })
    expect(folder.status).toBe(404)
    expect(folder.body.error?.code).toBe('model_not_found')
  })
})

describe('a served model folder with its own chat template', () => {
  it('renders chat messages (system included) with the template and serves only that name', async () => {
    const { fileURLToPath } = await import('node:url')
    const folder = fileURLToPath(
      new URL('../../../packages/onnx/test/fixtures/qwen2', import.meta.url),
    )
    const own = createMetagenServer({ models: [`qwen=${folder}`], log: false })
    const url = await own.listen(0, '127.0.0.1')
    try {
      const sdk = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 })
      expect((await sdk.models.list()).data.map((model) => model.id)).toEqual(['qwen'])
      const chat = await sdk.chat.completions.create({
        model: 'qwen',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'What is 7 times 6?' },
        ],
        max_tokens: 4,
        temperature: 0,
      })
      expect(chat.choices[0]?.finish_reason).toMatch(/stop|length/)
      // The rendered template is the prompt: more tokens than the two messages' words.
      expect(chat.usage?.prompt_tokens).toBeGreaterThan(12)
      const tinymath = await sdk.completions
        .create({ model: 'tinymath-draft', prompt: 'Q: 1+1?\nA:' })
        .catch((error: unknown) => error)
      expect((tinymath as { status?: number }).status).toBe(404)
    } finally {
      await own.close()
    }
  })
})

describe('limits', () => {
  it('refuses the abusive requests of issue 21 with 4xx and stays up', async () => {
    const huge = await post('/v1/completions', {
      model: 'tinymath-draft',
      prompt,
      metagen: { strategy: { strategy: 'best-of-n', n: 1e9 } },
    })
    expect(huge.status).toBe(400)
    expect(huge.body.error?.param).toBe('metagen.strategy.n')

    const nested = await post('/v1/completions', {
      model: 'tinymath-draft',
      prompt,
      metagen: {
        strategy: { strategy: 'weighted-vote', n: 100, base: { strategy: 'best-of-n', n: 100 } },
      },
    })
    expect(nested.status).toBe(400)
    expect(nested.body.error?.param).toBe('metagen.strategy')

    const manyPrompts = await post('/v1/completions', {
      model: 'tinymath-draft',
      prompt: Array.from({ length: 2000 }, () => prompt),
      n: 128,
    })
    expect(manyPrompts.status).toBe(400)
    expect(manyPrompts.body.error?.param).toBe('prompt')

    const tooManySamples = await post('/v1/completions', {
      model: 'tinymath-draft',
      prompt,
      n: 129,
    })
    expect(tooManySamples.status).toBe(400)
    expect(tooManySamples.body.error?.param).toBe('n')

    const pastContext = await client.completions
      .create({ model: 'tinymath-draft', prompt, max_tokens: 1e9 })
      .catch((error: unknown) => error)
    expect(pastContext).toBeInstanceOf(BadRequestError)
    expect((pastContext as BadRequestError).param).toBe('max_tokens')
    expect((pastContext as BadRequestError).message).toMatch(/context is 384 tokens/)

    const bigBody = await post('/v1/completions', {
      model: 'tinymath-draft',
      prompt: 'x'.repeat(2 << 20),
    })
    expect(bigBody.status).toBe(413)

    const health = await fetch(`${server.url}/health`)
    expect(health.status).toBe(200)
    const answer = await client.completions.create({
      model: 'tinymath-draft',
      prompt,
      temperature: 0,
      max_tokens: 8,
    })
    expect(answer.choices).toHaveLength(1)
  })

  it('answers 413 to a body over the limit while the client still sends it, then keeps the connection', async () => {
    const { connect } = await import('node:net')
    const url = new URL(server.url)
    const socket = connect(Number(url.port), url.hostname)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    let received = ''
    socket.on('data', (chunk) => {
      received += String(chunk)
    })
    const responses = (count: number) =>
      new Promise<string[]>((resolve, reject) => {
        const check = () => {
          const found = received.match(/HTTP\/1\.1 \d{3}[\s\S]*?\r\n\r\n/g) ?? []
          if (found.length >= count) resolve(found)
          else setTimeout(check, 5)
        }
        socket.once('close', () => reject(new Error(`connection closed after: ${received}`)))
        check()
      })
    const body = 'x'.repeat(2 << 20)
    const headers = (length: number) =>
      `POST /v1/completions HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${apiKey}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`
    // Declared 2 MiB (over the 1 MiB limit): the 413 comes before the body is sent...
    socket.write(headers(body.length))
    const [first] = await responses(1)
    expect(first).toMatch(/^HTTP\/1\.1 413/)
    expect(first).not.toMatch(/connection: close/i)
    // ...the body is still read, and the same connection serves the next request.
    socket.write(body)
    socket.write(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`)
    const [, second] = await responses(2)
    expect(second).toMatch(/^HTTP\/1\.1 200/)
    // A chunked body that passes the limit while it streams: 413, then the connection again.
    socket.write(
      `POST /v1/completions HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${apiKey}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    )
    for (let part = 0; part < 3; part++)
      socket.write(`${(1 << 20).toString(16)}\r\n${body.slice(0, 1 << 20)}\r\n`)
    socket.write('0\r\n\r\n')
    socket.write(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`)
    const all = await responses(4)
    expect(all[2]).toMatch(/^HTTP\/1\.1 413/)
    expect(all[3]).toMatch(/^HTTP\/1\.1 200/)
    socket.destroy()
    // A body declared far beyond what the server reads away is refused with Connection: close.
    const { request } = await import('node:http')
    const huge = await new Promise<{ status: number; connection: string | undefined }>(
      (resolve, reject) => {
        const outgoing = request(
          {
            host: url.hostname,
            port: url.port,
            path: '/v1/completions',
            method: 'POST',
            headers: {
              authorization: `Bearer ${apiKey}`,
              'content-type': 'application/json',
              'content-length': 1 << 30,
            },
          },
          (response) => {
            response.resume()
            resolve({ status: response.statusCode ?? 0, connection: response.headers.connection })
          },
        )
        outgoing.on('error', reject)
        outgoing.write('{')
      },
    )
    expect(huge).toEqual({ status: 413, connection: 'close' })
  })

  it('answers 429 with Retry-After once the work bound and the queue are full', async () => {
    const small = createMetagenServer({
      log: false,
      limits: { maxInFlightWork: 64, maxQueued: 1, retryAfterSeconds: 3 },
    })
    const url = await small.listen(0, '127.0.0.1')
    const sdk = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 })
    try {
      const request = () =>
        sdk.completions
          .create({ model: 'tinymath-draft', prompt, max_tokens: 64, temperature: 1 })
          .then(
            () => 200,
            (error: unknown) => error,
          )
      const outcomes = await Promise.all(Array.from({ length: 6 }, request))
      const limited = outcomes.filter(
        (outcome) => outcome instanceof RateLimitError,
      ) as RateLimitError[]
      expect(outcomes.filter((outcome) => outcome === 200).length).toBeGreaterThanOrEqual(2)
      expect(limited.length).toBeGreaterThanOrEqual(1)
      expect(limited.length + outcomes.filter((outcome) => outcome === 200).length).toBe(6)
      expect(limited[0]?.headers?.get('retry-after')).toBe('3')
      expect(limited[0]?.code).toBe('rate_limit_exceeded')
    } finally {
      await small.close()
    }
  })
})

describe('timeouts', () => {
  it('closes a connection whose headers never finish (slowloris)', async () => {
    const strict = createMetagenServer({ log: false, limits: { headersTimeoutMs: 300 } })
    const url = new URL(await strict.listen(0, '127.0.0.1'))
    try {
      const { connect } = await import('node:net')
      const socket = connect(Number(url.port), url.hostname)
      await new Promise((resolve) => socket.once('connect', resolve))
      let received = ''
      socket.on('data', (chunk) => {
        received += String(chunk)
      })
      socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n')
      // The last header line never comes: the server answers 408 and closes the socket.
      await new Promise((resolve) => socket.once('close', resolve))
      expect(received).toMatch(/^HTTP\/1\.1 408/)
    } finally {
      await strict.close()
    }
  })
})

describe('observability', () => {
  it('reports health, Prometheus metrics and one log line per request', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      status: string
      models: Record<string, string>
    }
    expect(health.status).toBe('ok')
    expect(health.models['tinymath-draft']).toBe('loaded')
    const before = logged.length
    await client.completions.create({ model: 'tinymath-draft', prompt, max_tokens: 8 })
    const metrics = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${apiKey}` },
    })
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    const text = await metrics.text()
    expect(text).toMatch(/^metagen_requests_total\{status="200"\} \d+$/m)
    expect(text).toMatch(/^metagen_requests_total\{status="400"\} \d+$/m)
    expect(text).toMatch(/^metagen_queue_depth 0$/m)
    expect(text).toMatch(/^metagen_in_flight_sample_tokens 0$/m)
    expect(text).toMatch(/^metagen_completion_tokens_per_second [\d.]+$/m)
    expect(text).toMatch(/^metagen_model_state\{model="tinymath-draft",state="loaded"\} 1$/m)
    const line = logged.slice(before).find((entry) => entry.path === '/v1/completions')
    expect(line?.status).toBe(200)
    expect(line?.model).toBe('tinymath-draft')
    expect(line?.completionTokens).toBeGreaterThan(0)
    expect(line?.id).toMatch(/^req-/)
  })
})

describe('graceful shutdown', () => {
  it('finishes accepted requests on close() and refuses new connections', async () => {
    const draining = createMetagenServer({ log: false })
    const url = await draining.listen(0, '127.0.0.1')
    const sdk = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 })
    await sdk.completions.create({ model: 'tinymath-draft', prompt, max_tokens: 4 })
    let finished = 0
    const inFlight = Array.from({ length: 4 }, (_, index) =>
      sdk.completions
        .create({ model: 'tinymath-draft', prompt, max_tokens: 64, seed: index })
        .finally(() => {
          finished += 1
        }),
    )
    // Start the shutdown once all four are accepted (running, queued or already answered: a
    // short sample can finish before the health poll sees it).
    for (;;) {
      const health = (await (await fetch(`${url}/health`)).json()) as {
        queued: number
        inFlightRequests: number
      }
      if (health.queued + health.inFlightRequests + finished >= 4) break
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const closed = draining.close()
    const results = await Promise.all(inFlight)
    for (const result of results) expect(result.choices[0]?.finish_reason).toMatch(/stop|length/)
    await closed
    const after = await fetch(`${url}/health`).catch((error: unknown) => error)
    expect(after).toBeInstanceOf(Error)
  })
})
