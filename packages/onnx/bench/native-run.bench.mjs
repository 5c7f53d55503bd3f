// Benchmark behind src/model-session.ts: onnxruntime-node's public `InferenceSession.run`
// (which waits for the next turn of the event loop before it calls the native session) against
// the native session's synchronous `run`, which the inference worker calls. Bare greedy decode
// loops (bare-decoding.mjs: a 32-token prompt, then 43 steps, present -> past) on
// tinymath-generator and tinymath-draft, both sessions with the worker's settings (2 threads) in
// one process; each round runs both loops back to back in alternating order, and the speed-up
// is the median over rounds of the per-round ratio (> 1 = the native run is faster). Also checks
// both give the same tokens.
// Run: pnpm --filter @metagen/onnx bench:native   (BENCH_ROUNDS, default 15)
import { loadavg } from 'node:os'
import { tinymathModelPaths } from '@metagen/tinymath'
import { bareGreedy, loadBareSession } from './bare-decoding.mjs'

const rounds = Number(process.env.BENCH_ROUNDS ?? 15)
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`BENCH_ROUNDS must be an integer >= 1, got ${process.env.BENCH_ROUNDS}`)
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const prompt = Array.from({ length: 32 }, (_, index) => 3 + index)
const passes = 44
const noStop = new Set()

async function decodeLoop(session) {
  const started = performance.now()
  const tokens = await bareGreedy(session, prompt, passes, noStop)
  return { ms: performance.now() - started, tokens }
}

for (const name of ['tinymath-generator', 'tinymath-draft']) {
  const file = `${tinymathModelPaths[name]}/onnx/model.onnx`
  const sides = {
    public: await loadBareSession(file, 2, 'public'),
    native: await loadBareSession(file, 2, 'native'),
  }
  for (const side of Object.values(sides)) await decodeLoop(side)
  const ratios = []
  let same = true
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['public', 'native'] : ['native', 'public']
    const results = {}
    for (const side of order) {
      await new Promise((resolve) => setTimeout(resolve, 30))
      results[side] = await decodeLoop(sides[side])
    }
    ratios.push(results.public.ms / results.native.ms)
    same &&= results.public.tokens.join() === results.native.tokens.join()
  }
  console.log(
    `${name}: native synchronous run vs public InferenceSession.run, ${passes}-pass greedy loop: ` +
      `${median(ratios).toFixed(2)}x (median of ${rounds} rounds; same tokens: ${same}; ` +
      `load average ${loadavg()[0].toFixed(1)})`,
  )
  for (const side of Object.values(sides)) await side.dispose()
}
