// Benchmark: 16 samples from a fake OpenAI server that answers in 200 ms, one request per sample
// (nativeN: false), at concurrency 8 vs sequentially (concurrency 1), and with native n = 16.
// Run `pnpm build` first. Prints wall times and the speed-up ratio (expected about 8x).
import { createOpenAI } from '../dist/index.js'
import { startFakeOpenAIServer } from '../dist/testing.js'

const latencyMs = 200
const samples = 16
const server = await startFakeOpenAIServer({ latencyMs })

async function time(label, options) {
  server.reset()
  const model = createOpenAI({ baseURL: server.baseURL, concurrency: options.concurrency })(
    'bench-model',
    {
      nativeN: options.nativeN,
    },
  )
  const started = performance.now()
  const result = await model.generate({ prompt: 'Q: 2+2?\nA:', n: samples })
  const elapsed = performance.now() - started
  const failed = result.outputs.filter((output) => output.error).length
  console.log(
    `${label.padEnd(34)} ${elapsed.toFixed(0).padStart(6)} ms  = ${(elapsed / latencyMs).toFixed(2)} latencies, ` +
      `${server.requests.length} requests, peak in flight ${server.peakInFlight}, failed ${failed}`,
  )
  return elapsed
}

try {
  // warm up the connection pool, the SDK and the JIT (not timed)
  await createOpenAI({ baseURL: server.baseURL, concurrency: 8 })('bench-model', {
    nativeN: false,
  }).generate({
    prompt: 'warm up',
    n: 8,
  })
  const sequential = await time('sequential (concurrency 1)', { concurrency: 1, nativeN: false })
  const parallel = await time('concurrency 8', { concurrency: 8, nativeN: false })
  await time('native n=16 (one request)', { concurrency: 8, nativeN: true })
  console.log(
    `speed-up of concurrency 8 over sequential: ${(sequential / parallel).toFixed(2)}x (ideal 8x)`,
  )
} finally {
  await server.close()
}
