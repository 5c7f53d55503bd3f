// Benchmark: step beam search on tinymath-draft with the token-level proposer (children fork the
// parent's KV cache) against the language-model proposer (prefix re-sent and re-prefilled per
// call), same problems and seeds, in one process. Prints tokens processed by the backend,
// forward passes, batch rows and wall time, and the baseline/forked ratios. The two sides run
// back to back in every round (the order alternating), and the time ratio is the median over
// rounds of the per-round ratio, so that load from other processes hits both alike.
// Build first (`pnpm turbo run build --filter=@metagen/search...`), then `pnpm bench` in
// packages/search. Arguments: problem count (default 10); BENCH_ROUNDS=N (default 5).
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
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`BENCH_ROUNDS must be an integer >= 1, got ${process.env.BENCH_ROUNDS}`)
}
const model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
  modelId: 'tinymath-draft',
})
const isComplete = (text) => extractAnswer(text) !== undefined
const scorer = createTinymathStepChecker()
const problems = (await loadDevSet()).filter((_, index) => index % 30 === 0).slice(0, problemCount)
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

async function measure(proposer) {
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
  const ms = performance.now() - start
  const after = model.stats()
  return {
    ms,
    tokensProcessed: after.tokensProcessed - before.tokensProcessed,
    forwardPasses: after.forwardPasses - before.forwardPasses,
    batchRows: after.batchRows - before.batchRows,
    generated,
  }
}

const sides = {
  forked: () => createTokenModelStepProposer({ model, isComplete }),
  baseline: () =>
    createLanguageModelStepProposer({ model: createTokenLanguageModel(model), isComplete }),
}
// Warm-up so that both measurements run on a loaded, JIT-compiled model.
for (const create of Object.values(sides)) await measure(create())
const rows = { forked: [], baseline: [] }
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['forked', 'baseline'] : ['baseline', 'forked']
  for (const name of order) rows[name].push(await measure(sides[name]()))
}
for (const [name, label] of [
  ['forked', 'token proposer (fork)'],
  ['baseline', 'language-model proposer (re-prefill)'],
]) {
  const row = rows[name][0]
  console.log(
    `${label}: ${(median(rows[name].map((r) => r.ms)) / 1000).toFixed(2)} s (median of ${rounds}), tokens processed ${row.tokensProcessed}, forward passes ${row.forwardPasses}, batch rows ${row.batchRows}, generated ${row.generated}`,
  )
}
const [forked, baseline] = [rows.forked[0], rows.baseline[0]]
const timeRatio = median(rows.baseline.map((row, index) => row.ms / rows.forked[index].ms))
console.log(
  `ratio baseline/forked: time ${timeRatio.toFixed(2)}x (median of per-round ratios), tokens processed ${(baseline.tokensProcessed / forked.tokensProcessed).toFixed(2)}x, forward passes ${(baseline.forwardPasses / forked.forwardPasses).toFixed(2)}x, batch rows ${(baseline.batchRows / forked.batchRows).toFixed(2)}x`,
)
await model.close()
process.exit(0)
