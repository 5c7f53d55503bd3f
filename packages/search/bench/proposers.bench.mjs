// Benchmark: step beam search on tinymath-draft with the token-level proposer (children fork the
// parent's KV cache) against the language-model proposer (prefix re-sent and re-prefilled per
// call), same problems and seeds, in one process. Prints tokens processed by the backend,
// forward passes and wall time, and the baseline/forked ratios. Build first
// (`pnpm turbo run build --filter=@metagen/search...`), then `pnpm bench` in packages/search.
import { createRunContext } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { createTinymathStepChecker } from '@metagen/scorers'
import {
  createLanguageModelStepProposer,
  createTokenModelStepProposer,
  stepBeamSearch,
} from '@metagen/search'
import { extractAnswer, formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'

const problemCount = Number(process.argv[2] ?? 10)
const model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
  modelId: 'tinymath-draft',
})
const isComplete = (text) => extractAnswer(text) !== undefined
const scorer = createTinymathStepChecker()
const problems = (await loadDevSet()).filter((_, index) => index % 30 === 0).slice(0, problemCount)

async function measure(name, proposer) {
  const search = stepBeamSearch({ proposer, scorer, beams: 16, beamWidth: 4 })
  const before = model.stats()
  const start = performance.now()
  let generated = 0
  for (const [index, problem] of problems.entries()) {
    const result = await search.run(
      { prompt: formatPrompt(problem.question) },
      createRunContext({ seed: index }),
    )
    generated += result.usage.outputTokens
  }
  const seconds = (performance.now() - start) / 1000
  const after = model.stats()
  const row = {
    name,
    seconds,
    tokensProcessed: after.tokensProcessed - before.tokensProcessed,
    forwardPasses: after.forwardPasses - before.forwardPasses,
    generated,
  }
  console.log(
    `${name}: ${seconds.toFixed(2)} s, tokens processed ${row.tokensProcessed}, forward passes ${row.forwardPasses}, generated ${generated}`,
  )
  return row
}

// Warm-up so that both measurements run on a loaded, JIT-compiled model.
await measure('warm-up', createTokenModelStepProposer({ model, isComplete }))
const forked = await measure(
  'token proposer (fork)',
  createTokenModelStepProposer({ model, isComplete }),
)
const baseline = await measure(
  'language-model proposer (re-prefill)',
  createLanguageModelStepProposer({ model: createTokenLanguageModel(model), isComplete }),
)
console.log(
  `ratio baseline/forked: time ${(baseline.seconds / forked.seconds).toFixed(2)}x, tokens processed ${(baseline.tokensProcessed / forked.tokensProcessed).toFixed(2)}x, forward passes ${(baseline.forwardPasses / forked.forwardPasses).toFixed(2)}x`,
)
await model.close()
process.exit(0)
