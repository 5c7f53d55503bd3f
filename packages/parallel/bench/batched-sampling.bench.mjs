// Benchmark: 16 samples of a tinymath prompt as ONE batched call (capabilities.nativeN, one
// prefill shared by the samples) versus 16 concurrent single-sample calls through the limiter
// (what a backend without `n` gets). Same model, same process; prints the ratio.
// Build first: pnpm turbo run build --filter=@metagen/parallel...
import { createRunContext } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { majorityVote } from '@metagen/parallel'
import { extractAnswer, formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'

const problems = (await loadDevSet()).filter((_, index) => index % 15 === 0) // 20 problems
const tokenModel = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
  modelId: 'tinymath-draft',
})
const batched = createTokenLanguageModel(tokenModel, { modelId: 'tinymath-draft' })
const unbatched = {
  ...batched,
  generate: (request) => batched.generate(request),
  capabilities: { ...batched.capabilities, nativeN: false },
}

async function measure(model) {
  const generator = majorityVote({ model, n: 16, maxTokens: 192, extractAnswer })
  const start = performance.now()
  let tokens = 0
  for (const [index, problem] of problems.entries()) {
    const context = createRunContext({ seed: index, concurrency: 16 })
    const result = await generator.run({ prompt: formatPrompt(problem.question) }, context)
    tokens += result.usage.outputTokens
  }
  return { seconds: (performance.now() - start) / 1000, tokens }
}

await measure(batched) // warm-up
const rounds = 3
const results = { batched: [], unbatched: [] }
for (let round = 0; round < rounds; round++) {
  results.unbatched.push(await measure(unbatched))
  results.batched.push(await measure(batched))
}
const median = (values) => values.map((value) => value.seconds).sort((a, b) => a - b)[1]
const batchedSeconds = median(results.batched)
const unbatchedSeconds = median(results.unbatched)
console.log(`20 problems x 16 samples, tinymath-draft, median of ${rounds} rounds`)
console.log(`batched (one call, n=16):       ${batchedSeconds.toFixed(2)} s`)
console.log(`unbatched (16 concurrent calls): ${unbatchedSeconds.toFixed(2)} s`)
console.log(`speed-up of batching: ${(unbatchedSeconds / batchedSeconds).toFixed(2)}x`)
await tokenModel.close?.()
process.exit(0)
