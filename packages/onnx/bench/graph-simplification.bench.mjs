// Benchmark: the load-time graph simplification (src/simplify-graph.ts). Two copies of
// tinymath-generator in one process, one loaded simplified (the default) and one with
// `graphSimplification: false`, decode the same dev problems greedily (the in-worker loop,
// sampleTokens, as the decoders use it); each round runs both on the same problem, in
// alternating order, and the speed-up is the median over rounds of the per-round ratio. Also
// checks that both produce the same tokens.
// Run: pnpm --filter @metagen/onnx bench:graph   (after pnpm build; BENCH_ROUNDS, BENCH_SPINNING)
import { loadavg } from 'node:os'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { loadOnnxTokenModel } from '../dist/index.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 120)
const spinning = process.env.BENCH_SPINNING ?? 'auto'
const maxTokens = 96
const problems = (await loadDevSet()).filter((_, index) => index % 15 === 0).slice(0, 10)
const path = tinymathModelPaths['tinymath-generator']
const simplified = await loadOnnxTokenModel(path, { spinning })
const exported = await loadOnnxTokenModel(path, { spinning, graphSimplification: false })

async function greedy(model, prompt) {
  const sequence = model.createSequence()
  await model.extend([{ sequence, tokens: model.tokenizer.encode(prompt) }])
  const started = performance.now()
  const [result] = await model.sampleTokens({
    sequences: [sequence],
    temperature: 0,
    maxTokens,
    stopTokenIds: model.tokenizer.eosTokenIds,
  })
  const ms = performance.now() - started
  sequence.dispose()
  return { ms, tokens: result.tokenIds }
}

const load = loadavg()[0]
for (const problem of problems.slice(0, 2)) {
  await greedy(simplified, formatPrompt(problem.question))
  await greedy(exported, formatPrompt(problem.question))
}
const ratios = []
const perToken = { simplified: [], exported: [] }
let mismatches = 0
for (let round = 0; round < rounds; round++) {
  const prompt = formatPrompt(problems[round % problems.length].question)
  const order = round % 2 === 0 ? [simplified, exported] : [exported, simplified]
  const results = new Map()
  for (const model of order) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    results.set(model, await greedy(model, prompt))
  }
  const a = results.get(simplified)
  const b = results.get(exported)
  if (a.tokens.join(',') !== b.tokens.join(',')) mismatches++
  // Tokens fed = chosen - 1 (the last chosen token is not fed).
  const steps = Math.max(1, a.tokens.length - 1)
  perToken.simplified.push((a.ms * 1000) / steps)
  perToken.exported.push((b.ms * 1000) / steps)
  ratios.push(b.ms / a.ms)
}
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]
console.log(
  `tinymath-generator greedy, ${rounds} rounds, spinning ${simplified.spinning}, load average ${load.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`,
)
console.log(`exported graph    median ${median(perToken.exported).toFixed(0)} us/token`)
console.log(`simplified graph  median ${median(perToken.simplified).toFixed(0)} us/token`)
console.log(
  `speed-up (median of per-round ratios) ${median(ratios).toFixed(3)}x; token mismatches ${mismatches}`,
)
await simplified.close()
await exported.close()
