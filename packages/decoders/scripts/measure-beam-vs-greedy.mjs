// Measures greedy vs beam search (width 4) accuracy of tinymath-draft on the full 300-problem
// dev set (not a test: it takes minutes). Prints accuracy per number of operations and overall.
// Run: node packages/decoders/scripts/measure-beam-vs-greedy.mjs [model-id] [beam-width]
//   (after `pnpm turbo run build --filter=@metagen/decoders...`)
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, isCorrect, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { beamSearch, sampleSequences } from '../dist/index.js'

const modelId = process.argv[2] ?? 'tinymath-draft'
const beamWidth = Number(process.argv[3] ?? 4)
const model = await loadOnnxTokenModel(tinymathModelPaths[modelId], { modelId })
const problems = await loadDevSet()
const maxTokens = 160
const tally = { greedy: {}, beam: {} }
const add = (name, ops, ok) => {
  if (tally[name][ops] === undefined) tally[name][ops] = { correct: 0, total: 0 }
  const entry = tally[name][ops]
  entry.total++
  if (ok) entry.correct++
}
const start = performance.now()
for (const problem of problems) {
  const prompt = model.tokenizer.encode(formatPrompt(problem.question))
  const greedy = await sampleSequences({
    models: [model],
    prompt,
    maxTokens,
    sampling: { temperature: 0 },
  })
  const beam = await beamSearch({ model, prompt, beamWidth, maxTokens })
  add('greedy', problem.n_ops, isCorrect(greedy.sequences[0].text, problem.answer))
  add('beam', problem.n_ops, isCorrect(beam.sequences[0].text, problem.answer))
}
for (const name of ['greedy', 'beam']) {
  const rows = Object.entries(tally[name])
  const correct = rows.reduce((sum, [, entry]) => sum + entry.correct, 0)
  const total = rows.reduce((sum, [, entry]) => sum + entry.total, 0)
  const perOps = rows
    .map(([ops, entry]) => `${ops} ops ${(entry.correct / entry.total).toFixed(3)}`)
    .join(', ')
  console.log(
    `${modelId} ${name === 'beam' ? `beam-${beamWidth} (lengthPenalty 1)` : 'greedy'}: ${correct}/${total} = ${(correct / total).toFixed(3)} (${perOps})`,
  )
}
console.log(`elapsed ${((performance.now() - start) / 1000).toFixed(0)} s`)
await model.close()
