// Benchmark: metagen's ONNX backend vs @huggingface/transformers (transformers.js) on a larger,
// real-architecture model: a random-weight Llama of ~25M parameters (8 layers, hidden 512, 8
// query / 4 KV heads, SwiGLU, RoPE, RMSNorm) that scripts/build-fixtures.py builds at bench time
// into the system's temporary folder (about 100 MB, never committed; needs Debian's
// python3-torch and python3-onnx, else the bench says so and exits). Same process, same files,
// interleaved rounds, each measured call after an untimed pause (see tooling/bench-summary),
// ratios = medians of per-round ratios (> 1 = metagen faster):
//   greedy: one sequence at a time, prefill then `sampleTokens` (the whole generation inside the
//           worker, the path @metagen/decoders' sampleSequences takes for a plain request) vs
//           transformers.js `generate` with do_sample false; outputs compared token by token;
//   16 samples: metagen prefills once and decodes 16 forks in one batch per step vs
//           transformers.js generating them one after another (temperature 1, top_k 0).
// Run: pnpm --filter @metagen/onnx bench:llama   (after pnpm build; BENCH_ROUNDS=3 by default,
//      BENCH_SPINNING=brief to fix the spinning mode instead of the load-dependent default)
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadOnnxTokenModel } from '../dist/index.js'
import {
  loadTransformersReference,
  transformersGreedy,
  transformersSamples,
} from './transformers-reference.mjs'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`BENCH_ROUNDS must be an integer >= 1, got ${process.env.BENCH_ROUNDS}`)
}
const name = 'metagen-bench-llama'
const folder = join(tmpdir(), name)
if (!existsSync(join(folder, 'tokenizer_config.json'))) {
  const script = new URL('../scripts/build-fixtures.py', import.meta.url).pathname
  try {
    console.log(`building the random-weight Llama into ${folder} ...`)
    execFileSync('/usr/bin/python3', [script, '--bench-llama', folder], { stdio: 'inherit' })
  } catch (error) {
    console.log(
      `skipped: cannot build the benchmark model (needs /usr/bin/python3 with torch and onnx): ${error.message}`,
    )
    process.exit(0)
  }
}

const reference = await loadTransformersReference(tmpdir(), name)
// onnxruntime thread spinning of our model: BENCH_SPINNING=auto|brief|always|never (default
// auto, which picks 'brief' only when the machine has spare cores at load time; 'never' costs
// about 20% per step on this model).
const spinning = process.env.BENCH_SPINNING ?? 'auto'
const loadAtStart = loadavg()[0]
const metagen = await loadOnnxTokenModel(folder, { spinning })
const eos = new Set(metagen.tokenizer.eosTokenIds)
const real = (ids) => ids.filter((id) => !eos.has(id))
/** The prompt's ids as transformers.js's tokenizer gives them (with the BOS its post-processor adds). */
const encodePrompt = (text) =>
  metagen.tokenizer.encodePrompt?.(text) ?? metagen.tokenizer.encode(text)

const prompts = [
  'Question: what is 12 plus 30? Answer:',
  'Once upon a time there was a tiny model that could count:',
  'Small language models run on a laptop; they decode',
  'def add(a, b):\n    return',
]
const greedyTokens = 64
const samples = 16
const sampleTokens = 48

/** Prefills `prompt` once, forks it `n` times and runs the plain decoding loop in the worker. */
async function generateMetagen(prompt, n, temperature, maxTokens, seed) {
  const prefix = metagen.createSequence()
  await metagen.extend([{ sequence: prefix, tokens: encodePrompt(prompt) }])
  const sequences = Array.from({ length: n }, () => prefix.fork())
  prefix.dispose()
  try {
    const results = await metagen.sampleTokens({
      sequences,
      temperature,
      seed,
      maxTokens,
      stopTokenIds: metagen.tokenizer.eosTokenIds,
    })
    return results.map((result) => real(result.tokenIds))
  } finally {
    for (const sequence of sequences) sequence.dispose()
  }
}
async function greedyMetagen(prompt) {
  return (await generateMetagen(prompt, 1, 0, greedyTokens, 0))[0]
}
const greedyTransformers = (prompt) => transformersGreedy(reference, prompt, greedyTokens, real)
async function samplesMetagen(prompt, seed) {
  const outputs = await generateMetagen(prompt, samples, 1, sampleTokens, seed)
  return outputs.reduce((total, ids) => total + ids.length, 0)
}
const samplesTransformers = (prompt) =>
  transformersSamples(reference, prompt, samples, sampleTokens, real)

const settle = () => new Promise((resolve) => setTimeout(resolve, 100))
async function timed(run) {
  await settle()
  const start = performance.now()
  const value = await run()
  return { ms: performance.now() - start, value }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

await greedyMetagen(prompts[0])
await greedyTransformers(prompts[0])
await samplesMetagen(prompts[0], 1)

const rates = { greedyOurs: [], greedyTheirs: [], samplesOurs: [], samplesTheirs: [] }
const ratios = { greedy: [], samples: [] }
let mismatches = 0
for (let round = 0; round < rounds; round++) {
  const greedy = { ours: [0, 0], theirs: [0, 0] }
  for (const prompt of prompts) {
    const a = await timed(() => greedyTransformers(prompt))
    const b = await timed(() => greedyMetagen(prompt))
    greedy.theirs[0] += a.value.length
    greedy.theirs[1] += a.ms
    greedy.ours[0] += b.value.length
    greedy.ours[1] += b.ms
    if (a.value.join(',') !== b.value.join(',')) mismatches++
  }
  const sampled = { ours: [0, 0], theirs: [0, 0] }
  for (const [index, prompt] of prompts.slice(0, 2).entries()) {
    const a = await timed(() => samplesTransformers(prompt))
    const b = await timed(() => samplesMetagen(prompt, 1000 * round + index))
    sampled.theirs[0] += a.value
    sampled.theirs[1] += a.ms
    sampled.ours[0] += b.value
    sampled.ours[1] += b.ms
  }
  const rate = ([tokens, ms]) => (tokens / ms) * 1000
  rates.greedyOurs.push(rate(greedy.ours))
  rates.greedyTheirs.push(rate(greedy.theirs))
  rates.samplesOurs.push(rate(sampled.ours))
  rates.samplesTheirs.push(rate(sampled.theirs))
  ratios.greedy.push(rate(greedy.ours) / rate(greedy.theirs))
  ratios.samples.push(rate(sampled.ours) / rate(sampled.theirs))
  console.error(`round ${round + 1}/${rounds}`)
}

console.log(
  `random-weight Llama, ${(metagen.parameterCount / 1e6).toFixed(1)}M parameters, ${rounds} interleaved rounds; spinning ${spinning} (${metagen.spinning}; 1-minute load average at load ${loadAtStart.toFixed(1)}); load average at the end ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')} on ${availableParallelism()} cores`,
)
console.log(
  `greedy, one sequence, ${prompts.length} prompts x ${greedyTokens} tokens: metagen ${median(rates.greedyOurs).toFixed(0)} tok/s, transformers.js ${median(rates.greedyTheirs).toFixed(0)} tok/s, ratio ${median(ratios.greedy).toFixed(2)}x (outputs differing: ${mismatches} of ${prompts.length * rounds})`,
)
console.log(
  `16 samples x 2 prompts x ${sampleTokens} tokens, temperature 1: metagen batched ${median(rates.samplesOurs).toFixed(0)} tok/s, transformers.js one after another ${median(rates.samplesTheirs).toFixed(0)} tok/s, ratio ${median(ratios.samples).toFixed(2)}x`,
)
await metagen.close()
await reference.model.dispose()
console.log(
  JSON.stringify({
    llama_parameters: metagen.parameterCount,
    llama_greedy_vs_transformersjs: Math.round(median(ratios.greedy) * 100) / 100,
    llama_samples16_vs_transformersjs: Math.round(median(ratios.samples) * 100) / 100,
    greedy_outputs_differing: mismatches,
    rounds,
  }),
)
