// Benchmark of basis-aware truncation (BAT) on tinymath-draft: per-step cost of sampling with
// the BAT logits processor (LPs over the model's unembedding matrix, read from its ONNX file)
// vs plain sampling and epsilon sampling at the same threshold, run interleaved in the same
// process. Prints ms per generated token, the ratio to plain sampling, LPs per step and the
// mean number of tokens kept by BAT vs by the threshold alone (epsilon sampling).
//
// BAT solves dozens of LPs per generated token (seconds per token), so the default is a short
// run of 2 prompts x 3 tokens that keeps `pnpm bench` finishing; ask for more with the flags.
//
// Usage (after `pnpm turbo run build --filter=@metagen/decoders...`):
//   node bench/basis-aware-truncation.bench.mjs                       # 2 prompts x 3 tokens
//   node bench/basis-aware-truncation.bench.mjs --problems 6 --tokens 24   # the longer run
import { join } from 'node:path'
import { createBasisAwareTruncation, sampleSequences } from '@metagen/decoders'
import { loadOnnxTokenModel, readUnembeddingMatrix } from '@metagen/onnx'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? fallback : process.argv[index + 1]
}
const threshold = Number(argument('threshold', '0.01'))
const problemCount = Number(argument('problems', '2'))
const maxTokens = Number(argument('tokens', '3'))
const folder = tinymathModelPaths['tinymath-draft']
const model = await loadOnnxTokenModel(folder, { modelId: 'tinymath-draft' })
const unembedding = readUnembeddingMatrix(join(folder, 'onnx', 'model.onnx'))
const truncation = await createBasisAwareTruncation({ unembedding, threshold })
const problems = (await loadDevSet()).filter((_, index) => index % 50 === 0).slice(0, problemCount)

let epsilonKept = 0
let epsilonRows = 0
const countEpsilon = (logits) => {
  const max = Math.max(...logits)
  let total = 0
  for (const value of logits) total += Math.exp(value - max)
  for (const value of logits) if (Math.exp(value - max) / total > threshold) epsilonKept++
  epsilonRows++
  return Float32Array.from(logits)
}
const modes = {
  plain: {},
  epsilon: { sampling: { epsilon: threshold }, logitsProcessor: countEpsilon },
  bat: { logitsProcessor: truncation.processor },
}
const time = { plain: 0, epsilon: 0, bat: 0 }
const tokens = { plain: 0, epsilon: 0, bat: 0 }
for (const [index, problem] of problems.entries()) {
  const prompt = model.tokenizer.encode(formatPrompt(problem.question))
  for (const name of Object.keys(modes)) {
    const start = performance.now()
    const result = await sampleSequences({
      models: [model],
      prompt,
      maxTokens,
      seed: index,
      ...modes[name],
    })
    time[name] += performance.now() - start
    tokens[name] += result.sequences[0].tokenIds.length
  }
}
const perToken = (name) => time[name] / tokens[name]
const stats = truncation.stats()
console.log(
  `tinymath-draft (vocabulary ${unembedding.vocabSize}, hidden ${unembedding.hiddenSize}), threshold ${threshold}, ${problems.length} prompts x ${maxTokens} tokens, seeded sampling at temperature 1`,
)
for (const name of Object.keys(modes)) {
  console.log(
    `${name.padEnd(8)} ${perToken(name).toFixed(2)} ms/token (${tokens[name]} tokens)  ratio to plain ${(perToken(name) / perToken('plain')).toFixed(1)}x`,
  )
}
console.log(
  `BAT: ${(stats.linearPrograms / stats.rows).toFixed(1)} LPs per step, ${(stats.keptTokens / stats.rows).toFixed(1)} tokens kept per step; epsilon (p > threshold) keeps ${(epsilonKept / epsilonRows).toFixed(1)}`,
)
console.log('(shared machine under load: ratios, not absolute times, are the result)')
truncation.dispose()
await model.close()
