// Benchmark behind src/model-session.ts: onnxruntime-node's public `InferenceSession.run`
// (which waits for the next turn of the event loop before it calls the native session) against
// the native session's synchronous `run`, which the inference worker calls. Bare greedy decode
// loops (a 32-token prompt, then 43 steps, present -> past) on tinymath-generator and
// tinymath-draft, both sessions with the worker's settings in one process; each round runs
// both loops back to back in alternating order, and the speed-up is the median over rounds of
// the per-round ratio (> 1 = the native run is faster). Also checks both give the same tokens.
// Run: pnpm --filter @metagen/onnx bench:native   (BENCH_ROUNDS, default 15)
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { tinymathModelPaths } from '@metagen/tinymath'
import * as ort from 'onnxruntime-node'

const require = createRequire(import.meta.url)
const { binding, initOrt } = require('onnxruntime-node/dist/binding.js')
const rounds = Number(process.env.BENCH_ROUNDS ?? 15)
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`BENCH_ROUNDS must be an integer >= 1, got ${process.env.BENCH_ROUNDS}`)
}
const options = {
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '1', spin_duration_us: '2000' } } },
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function decodeLoop(run, metadata) {
  const past = metadata.filter((value) => value.name.startsWith('past_key_values.'))
  let feedsPast = Object.fromEntries(
    past.map((value) => [
      value.name,
      new ort.Tensor('float32', new Float32Array(0), [1, value.shape[1], 0, value.shape[3]]),
    ]),
  )
  let length = 0
  let ids = Array.from({ length: 32 }, (_, index) => 3 + index)
  const tokens = []
  const started = performance.now()
  for (let step = 0; step < 44; step++) {
    const count = ids.length
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, count]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(length + count).fill(1n), [
        1,
        length + count,
      ]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: count }, (_, index) => BigInt(length + index)),
        [1, count],
      ),
      ...feedsPast,
    }
    const outputs = await run(feeds)
    length += count
    const logits = outputs.logits.data
    const vocab = outputs.logits.dims[2]
    const offset = (count - 1) * vocab
    let best = 0
    for (let token = 1; token < vocab; token++) {
      if (logits[offset + token] > logits[offset + best]) best = token
    }
    tokens.push(best)
    ids = [best]
    feedsPast = Object.fromEntries(
      past.map((value) => [value.name, outputs[value.name.replace('past_key_values', 'present')]]),
    )
  }
  return { ms: performance.now() - started, tokens }
}

for (const name of ['tinymath-generator', 'tinymath-draft']) {
  const file = `${tinymathModelPaths[name]}/onnx/model.onnx`
  const publicSession = await ort.InferenceSession.create(file, options)
  initOrt()
  const native = new binding.InferenceSession()
  native.loadModel(file, { ...options, executionProviders: [] })
  const fetches = Object.fromEntries(publicSession.outputNames.map((output) => [output, null]))
  const sides = {
    public: (feeds) => publicSession.run(feeds),
    native: (feeds) => native.run(feeds, fetches, {}),
  }
  for (const side of Object.values(sides)) await decodeLoop(side, publicSession.inputMetadata)
  const ratios = []
  let same = true
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['public', 'native'] : ['native', 'public']
    const results = {}
    for (const side of order) {
      await new Promise((resolve) => setTimeout(resolve, 30))
      results[side] = await decodeLoop(sides[side], publicSession.inputMetadata)
    }
    ratios.push(results.public.ms / results.native.ms)
    same &&= results.public.tokens.join() === results.native.tokens.join()
  }
  console.log(
    `${name}: native synchronous run vs public InferenceSession.run, 44-pass greedy loop: ` +
      `${median(ratios).toFixed(2)}x (median of ${rounds} rounds; same tokens: ${same}; ` +
      `load average ${loadavg()[0].toFixed(1)})`,
  )
  native.dispose()
  await publicSession.release()
}
