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
  const result = await languageModel.generate({ prompt, n: samples, seed, temperature: 1, maxTokens })
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

const totals = { batched: { tokens: 0, ms: 0 }, sequential: { tokens: 0, ms: 0 } }
for (const [index, prompt] of prompts.entries()) {
  for (const [name, run] of [
    ['batched', batched],
    ['sequential', sequential],
  ]) {
    const start = performance.now()
    const tokens = await run(prompt, 1000 + index)
    totals[name].tokens += tokens
    totals[name].ms += performance.now() - start
  }
}
const rate = (entry) => (entry.tokens / entry.ms) * 1000
console.log(`tinymath-generator, ${prompts.length} prompts x ${samples} samples, temperature 1, maxTokens ${maxTokens}`)
console.log(
  `batched (1 prefill, 1 pass per step): ${totals.batched.tokens} tokens in ${totals.batched.ms.toFixed(0)} ms = ${rate(totals.batched).toFixed(0)} tokens/s`,
)
console.log(
  `sequential (16 generations):          ${totals.sequential.tokens} tokens in ${totals.sequential.ms.toFixed(0)} ms = ${rate(totals.sequential).toFixed(0)} tokens/s`,
)
console.log(`speed-up (tokens/s batched / sequential): ${(rate(totals.batched) / rate(totals.sequential)).toFixed(2)}x`)
await model.close()
