// Benchmark: scoring 64 dev-set solutions with the tinymath verifier, one sequence per model call
// (baseline) vs batches of 16 and 32, in the same process. Every round times each side on the same
// 16 solutions back to back (the order rotating between rounds), so that load from other
// processes hits all sides alike; each speed-up is the median over rounds of the per-round ratio.
// Run after building: `pnpm --filter @metagen/scorers bench` (BENCH_ROUNDS=N, default 6).
import { loadOnnxRewardModel } from '@metagen/onnx'
import { formatPrompt, formatSolution, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { createRewardModelScorer, tinymathStepSplitter } from '../dist/index.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 6)
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`BENCH_ROUNDS must be an integer >= 1, got ${process.env.BENCH_ROUNDS}`)
}
const problems = (await loadDevSet()).slice(0, 64)
const requests = problems.map((problem) => ({
  prompt: formatPrompt(problem.question),
  output: formatSolution(problem),
}))
const model = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'])
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
try {
  const sizes = [1, 16, 32]
  const scorers = new Map(
    sizes.map((batchSize) => [
      batchSize,
      createRewardModelScorer({ model, stepSplitter: tinymathStepSplitter, batchSize }),
    ]),
  )
  for (const scorer of scorers.values()) await scorer.score(requests.slice(0, 8)) // warm-up
  const times = new Map(sizes.map((size) => [size, []]))
  for (let round = 0; round < rounds; round++) {
    const order = sizes.map((_, index) => sizes[(index + round) % sizes.length])
    const elapsed = new Map()
    for (const size of order) {
      const start = performance.now()
      await scorers.get(size).score(requests)
      elapsed.set(size, performance.now() - start)
    }
    for (const size of sizes) times.get(size).push(elapsed.get(size))
  }
  const baseline = times.get(1)
  console.log(
    `batchSize 1 (baseline): ${median(baseline).toFixed(1)} ms for ${requests.length} sequences (median of ${rounds} rounds)`,
  )
  for (const size of [16, 32]) {
    const ratios = times.get(size).map((ms, index) => baseline[index] / ms)
    console.log(
      `batchSize ${size}: ${median(times.get(size)).toFixed(1)} ms, speed-up ${median(ratios).toFixed(2)}x vs the baseline (median of per-round ratios, >1 = faster)`,
    )
  }
  // The scorer sorts by length and sends 16 (32) at a time; the model cuts each call into passes.
  const lengths = requests
    .map((request) => model.tokenizer.encode(request.prompt + request.output).length + 1)
    .sort((a, b) => a - b)
  const real = lengths.reduce((sum, length) => sum + length, 0)
  for (const size of [16, 32]) {
    let positions = 0
    for (let start = 0; start < lengths.length; start += size)
      positions += model.computedPositions(lengths.slice(start, start + size))
    console.log(
      `batchSize ${size}: ${positions} positions computed for ${real} real tokens (${(positions / real).toFixed(3)}x, padding included)`,
    )
  }
} finally {
  await model.close()
}
