// Bounded load test of `metagen serve` on loopback: the built server runs as a child process
// (default limits, tinymath models); 256 concurrent clients send completions for a fixed time,
// honouring Retry-After; then the abusive requests of issue 21 are sent. It prints statuses,
// p50/p99 latency (vs a one-client baseline measured first, in the same run), throughput and the
// server's RSS (Linux /proc), and exits non-zero when a load request got anything but 200 or 429,
// an abusive request got anything but 4xx, or the server died. Stops by itself (about a minute).
// Measured on a shared 2-core machine: absolute numbers depend on the load of the machine.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'

const clients = Number(process.env.BENCH_CLIENTS ?? 256)
const loadSeconds = Number(process.env.BENCH_SECONDS ?? 20)
const baselineRequests = 8
const rssLimitMb = Number(process.env.BENCH_RSS_LIMIT_MB ?? 2048)
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const prompt =
  'Q: Ben has 152 stickers. Then he ends up with four times as many stickers. How many stickers does Ben have now?\nA:'

const child = spawn(process.execPath, [bin, '--port', '0', '--quiet'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
let childExited = false
child.on('exit', () => {
  childExited = true
})
const baseUrl = await new Promise((resolve, reject) => {
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += String(chunk)
    const match = /listening on (http:\/\/\S+)\/v1/.exec(output)
    if (match) resolve(new URL(match[1]))
  })
  child.on('exit', (code) => reject(new Error(`the server exited early (code ${code})`)))
})
const agent = new Agent({ keepAlive: true, maxSockets: clients + 16 })

/** Sends one request; resolves with { status, ms, headers, body } (status 0 on a network error). */
function send({ method = 'POST', path = '/v1/completions', body, headers = {} }) {
  const payload =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  const started = performance.now()
  return new Promise((resolve) => {
    const outgoing = request(
      {
        host: baseUrl.hostname,
        port: baseUrl.port,
        path,
        method,
        agent,
        headers: {
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...headers,
        },
      },
      (response) => {
        const chunks = []
        response.on('data', (chunk) => chunks.push(chunk))
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            ms: performance.now() - started,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        response.on('error', (error) => resolve({ status: 0, ms: 0, error }))
      },
    )
    outgoing.on('error', (error) => resolve({ status: 0, ms: performance.now() - started, error }))
    if (payload !== undefined) outgoing.write(payload)
    outgoing.end()
  })
}

function rssMb() {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match ? Number(match[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

function percentile(values, fraction) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]
}

const completion = { model: 'tinymath-draft', prompt, temperature: 1 }
const failures = []

// Warm-up: loads the model.
const warm = await send({ body: { ...completion, max_tokens: 8 } })
if (warm.status !== 200) throw new Error(`warm-up failed: ${warm.status} ${warm.body}`)
const rssIdle = rssMb()

// Baseline: one client, sequential requests.
const baseline = []
for (let index = 0; index < baselineRequests; index++) {
  const response = await send({ body: { ...completion, seed: index } })
  if (response.status !== 200) failures.push(`baseline request: ${response.status}`)
  baseline.push(response.ms)
}

// Load: `clients` concurrent clients for `loadSeconds`, each honouring Retry-After on 429.
const statuses = new Map()
const latencies = { 200: [], 429: [] }
let rssPeak = rssIdle
const rssTimer = setInterval(() => {
  rssPeak = Math.max(rssPeak, rssMb())
}, 250)
const deadline = performance.now() + loadSeconds * 1000
const loadStarted = performance.now()
let completionTokens = 0
await Promise.all(
  Array.from({ length: clients }, async (_, client) => {
    let seed = client * 1000
    while (performance.now() < deadline) {
      const response = await send({ body: { ...completion, seed: seed++ } })
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      if (response.status === 200) {
        latencies[200].push(response.ms)
        completionTokens += JSON.parse(response.body).usage.completion_tokens
      } else if (response.status === 429) {
        latencies[429].push(response.ms)
        const wait = Number(response.headers['retry-after'] ?? 1) * 1000
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(wait, Math.max(0, deadline - performance.now()))),
        )
      } else {
        failures.push(
          `load request: status ${response.status} ${response.error?.message ?? response.body.slice(0, 120)}`,
        )
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }),
)
const loadSeconds_ = (performance.now() - loadStarted) / 1000
clearInterval(rssTimer)
rssPeak = Math.max(rssPeak, rssMb())
const rssAfterLoad = rssMb()

// Abuse: the requests of issue 21; each must be a 4xx, and the server must stay up.
const draftFolder = fileURLToPath(
  new URL('../../../packages/tinymath/assets/draft', import.meta.url),
)
const abusive = [
  [
    'best-of-n with n = 1e9',
    { body: { ...completion, metagen: { strategy: { strategy: 'best-of-n', n: 1e9 } } } },
  ],
  [
    '2,000 prompts x n = 128 (150 KB)',
    {
      body: {
        model: 'tinymath-draft',
        prompt: Array.from({ length: 2000 }, () => prompt.slice(0, 60)),
        n: 128,
      },
    },
  ],
  [
    'a folder path as draft model',
    {
      body: {
        ...completion,
        metagen: { strategy: { strategy: 'speculative', draft: `${draftFolder}/./` } },
      },
    },
  ],
  [
    'judge: openai:gpt-4o',
    {
      body: {
        ...completion,
        metagen: { strategy: { strategy: 'universal-self-consistency', judge: 'openai:gpt-4o' } },
      },
    },
  ],
  [
    'text/plain POST (CSRF)',
    { body: JSON.stringify(completion), headers: { 'content-type': 'text/plain' } },
  ],
  ['GET /v1/models/%E0%A4%A', { method: 'GET', path: '/v1/models/%E0%A4%A' }],
  ['max_tokens = 1e9', { body: { ...completion, max_tokens: 1e9 } }],
  ['a 2 MB body', { body: { ...completion, prompt: 'x'.repeat(2 * 1024 * 1024) } }],
  ['malformed JSON', { body: '{"model": ' }],
  ['stream with n = 1e9', { body: { ...completion, n: 1e9, stream: true } }],
]
const abuseResults = []
for (let round = 0; round < 5; round++) {
  for (const [name, options] of abusive) {
    const response = await send(options)
    if (round === 0) abuseResults.push([name, response.status])
    if (response.status < 400 || response.status >= 500) {
      failures.push(`abusive request "${name}": status ${response.status}`)
    }
  }
}
// Over-limit bodies the client is still writing when the 413 comes: each must read the 413,
// not a reset connection (closing at once reset some of them under the client's writes).
const bigBody = abusive.find(([name]) => name === 'a 2 MB body')?.[1]
const bigBodyStatuses = new Map()
for (let index = 0; index < 100; index++) {
  const response = await send(bigBody)
  bigBodyStatuses.set(response.status, (bigBodyStatuses.get(response.status) ?? 0) + 1)
  if (response.status !== 413) {
    failures.push(`a 2 MB body: status ${response.status} ${response.error?.code ?? ''}`)
  }
}
const health = await send({ method: 'GET', path: '/health' })
if (health.status !== 200) failures.push(`/health after the abuse: ${health.status}`)
const after = await send({ body: { ...completion, max_tokens: 16 } })
if (after.status !== 200) failures.push(`a normal request after the abuse: ${after.status}`)
const rssAfterAbuse = rssMb()
if (childExited) failures.push('the server process exited')
if (rssPeak > rssLimitMb) failures.push(`peak RSS ${rssPeak.toFixed(0)} MB > ${rssLimitMb} MB`)

const format = (ms) => `${ms.toFixed(0)} ms`
const baselineP50 = percentile(baseline, 0.5)
const p50 = percentile(latencies[200], 0.5)
const p99 = percentile(latencies[200], 0.99)
console.log(
  `metagen serve load test (loopback, tinymath-draft, default limits, ${clients} clients, ${loadSeconds} s)`,
)
console.log(`  baseline, 1 client:  p50 ${format(baselineP50)} over ${baselineRequests} requests`)
console.log(
  `  ${clients} clients: ${[...statuses.entries()].map(([status, count]) => `${count} x ${status}`).join(', ')} in ${loadSeconds_.toFixed(1)} s`,
)
console.log(
  `  200: p50 ${format(p50)}, p99 ${format(p99)} (p50 ${(p50 / baselineP50).toFixed(1)}x the 1-client baseline); 429: p99 ${format(percentile(latencies[429], 0.99))}`,
)
console.log(
  `  throughput: ${(latencies[200].length / loadSeconds_).toFixed(1)} answers/s, ${(completionTokens / loadSeconds_).toFixed(0)} generated tokens/s`,
)
console.log(
  `  server RSS: idle ${rssIdle.toFixed(0)} MB, peak under load ${rssPeak.toFixed(0)} MB, after load ${rssAfterLoad.toFixed(0)} MB, after abuse ${rssAfterAbuse.toFixed(0)} MB`,
)
console.log(
  `  abusive requests (x5 each): ${abuseResults.map(([name, status]) => `${name} -> ${status}`).join('; ')}`,
)

console.log(
  `  100 more 2 MB bodies: ${[...bigBodyStatuses.entries()].map(([status, count]) => `${count} x ${status === 0 ? 'connection error' : status}`).join(', ')}`,
)

child.kill('SIGTERM')
await new Promise((resolve) => (childExited ? resolve() : child.on('exit', resolve)))
agent.destroy()
if (failures.length > 0) {
  console.error(`FAILED:\n  ${[...new Set(failures)].slice(0, 20).join('\n  ')}`)
  process.exit(1)
}
console.log(
  '  ok: only 200 and 429 under load, 4xx for every abusive request, the server stayed up',
)
