// Benchmark: 16 samples of one prompt decoded together after one prefill (one batched forward
// pass per step) vs 16 sequential single-sample generations, on tinymath-generator. Prints
// generated tokens per second of each and their ratio, measured in the same process.
// Run: pnpm --filter @metagen/decoders bench   (needs `pnpm turbo run build --filter=@metagen/decoders...`)
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { createTokenLanguageModel } from '../dist/index.js'

const samples = 16
const maxTokens = 128
const model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
  modelId: 'tinymath-generator',
})
const languageModel = createTokenLanguageModel(model)
const problems = await loadDevSet()
const prompts = [0, 100, 200, 299].map((index) => formatPrompt(problems[index].question))

async function batched(prompt, seed) {
  const result = await languageModel.generate({
    prompt,
    n: samples,
    seed,
    temperature: 1,
    maxTokens,
  })
  return result.usage.outputTokens
}

async function sequential(prompt, seed) {
  let tokens = 0
  for (let index = 0; index < samples; index++) {
    const result = await languageModel.generate({
      prompt,
      n: 1,
      seed: seed + index,
      temperature: 1,
      maxTokens,
    })
    tokens += result.usage.outputTokens
  }
  return tokens
}

// Warm-up (session initialisation, JIT) outside the measurement.
await batched(prompts[0], 1)
await sequential(prompts[0], 1)

// The machine may be shared: every (prompt, mode) pair runs `rounds` times, interleaved, and
// the fastest run of each is kept (the least disturbed estimate); the totals are reported too.
const rounds = 3
const best = { batched: prompts.map(() => Infinity), sequential: prompts.map(() => Infinity) }
const tokens = { batched: prompts.map(() => 0), sequential: prompts.map(() => 0) }
const all = { batched: 0, sequential: 0 }
for (let round = 0; round < rounds; round++) {
  for (const [index, prompt] of prompts.entries()) {
    for (const [name, run] of [
      ['batched', batched],
      ['sequential', sequential],
    ]) {
      const start = performance.now()
      tokens[name][index] = await run(prompt, 1000 + index)
      const elapsed = performance.now() - start
      all[name] += elapsed
      best[name][index] = Math.min(best[name][index], elapsed)
    }
  }
}
const sum = (values) => values.reduce((total, value) => total + value, 0)
const rate = (name) => (sum(tokens[name]) / sum(best[name])) * 1000
console.log(
  `tinymath-generator, ${prompts.length} prompts x ${samples} samples, temperature 1, maxTokens ${maxTokens}, best of ${rounds} rounds`,
)
for (const [name, label] of [
  ['batched', 'batched (1 prefill, 1 pass per step)'],
  ['sequential', 'sequential (16 generations)         '],
]) {
  console.log(
    `${label}: ${sum(tokens[name])} tokens in ${sum(best[name]).toFixed(0)} ms = ${rate(name).toFixed(0)} tokens/s`,
  )
}
console.log(
  `speed-up (tokens/s batched / sequential): ${(rate('batched') / rate('sequential')).toFixed(2)}x`,
)
console.log(
  `(all rounds: batched ${all.batched.toFixed(0)} ms, sequential ${all.sequential.toFixed(0)} ms, ratio ${(all.sequential / all.batched).toFixed(2)}x)`,
)
await model.close()
