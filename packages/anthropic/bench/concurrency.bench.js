// Benchmark: 16 samples (16 requests: the Messages API has no n) from a fake Anthropic server
// that answers in 200 ms, at concurrency 8 vs sequentially, and with prompt caching (one warming
// request, then the other 15). Run `pnpm build` first. Prints wall times and the ratio (about 8x).
import { createAnthropic } from '../dist/index.js'
import { startFakeAnthropicServer } from '../dist/testing.js'

const latencyMs = 200
const samples = 16
const server = await startFakeAnthropicServer({ latencyMs })
const prompt = `Context: ${'the shop sells apples and pears. '.repeat(40)}\nQ: How many?\nA:`

async function time(label, concurrency, promptCaching) {
  server.reset()
  const model = createAnthropic({ baseURL: server.baseURL, apiKey: 'bench', concurrency })(
    'claude-haiku-4-5',
    {
      promptCaching,
    },
  )
  const started = performance.now()
  const result = await model.generate({ prompt, n: samples })
  const elapsed = performance.now() - started
  console.log(
    `${label.padEnd(34)} ${elapsed.toFixed(0).padStart(6)} ms  = ${(elapsed / latencyMs).toFixed(2)} latencies, ` +
      `peak in flight ${server.peakInFlight}, cache writes ${result.usage.cacheWriteInputTokens} / reads ${result.usage.cachedInputTokens} tokens, ` +
      `cost $${result.usage.costUsd?.toFixed(6)}`,
  )
  return elapsed
}

try {
  // warm up the connection pool, the SDK and the JIT (not timed)
  await createAnthropic({ baseURL: server.baseURL, apiKey: 'bench', concurrency: 8 })(
    'claude-haiku-4-5',
    {
      promptCaching: 'off',
    },
  ).generate({ prompt: 'warm up', n: 8 })
  const sequential = await time('sequential (concurrency 1)', 1, 'off')
  const parallel = await time('concurrency 8', 8, 'off')
  await time('concurrency 8 + prompt caching', 8, 'always')
  console.log(
    `speed-up of concurrency 8 over sequential: ${(sequential / parallel).toFixed(2)}x (ideal 8x)`,
  )
} finally {
  await server.close()
}
