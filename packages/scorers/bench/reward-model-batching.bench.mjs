// Benchmark: scoring 64 dev-set solutions with the tinymath verifier, one sequence per model call
// (baseline) vs batches of 16 and 32 (one ONNX run each), in the same process. Prints the speed-up.
// Run after building: `pnpm --filter @metagen/scorers bench`.
import { loadOnnxRewardModel } from '@metagen/onnx'
import { formatPrompt, formatSolution, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { createRewardModelScorer, tinymathStepSplitter } from '../dist/index.js'

const problems = (await loadDevSet()).slice(0, 64)
const requests = problems.map((problem) => ({
  prompt: formatPrompt(problem.question),
  output: formatSolution(problem),
}))
const model = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'])
try {
  const time = async (batchSize) => {
    const scorer = createRewardModelScorer({ model, stepSplitter: tinymathStepSplitter, batchSize })
    await scorer.score(requests.slice(0, 8)) // warm-up
    const start = performance.now()
    const repeats = 3
    for (let repeat = 0; repeat < repeats; repeat++) await scorer.score(requests)
    return (performance.now() - start) / repeats
  }
  const baseline = await time(1)
  console.log(`batchSize 1 (baseline): ${baseline.toFixed(1)} ms for ${requests.length} sequences`)
  for (const batchSize of [16, 32]) {
    const elapsed = await time(batchSize)
    console.log(
      `batchSize ${batchSize}: ${elapsed.toFixed(1)} ms, speed-up ${(baseline / elapsed).toFixed(2)}x vs the baseline (>1 = faster)`,
    )
  }
} finally {
  await model.close()
}
