// Measures token healing on the tinymath dev set (not a test: it takes minutes). Greedy decoding
// of the natural prompt `Q: ...\nA:`, of the same prompt with a trailing space (`A: `, a
// tokenisation the model never saw: in training the space is the first token of the answer),
// and of the trailing-space prompt with token healing. Prints accuracy and tokens per problem.
// Run: node packages/decoders/scripts/measure-token-healing.mjs [model-id] [problems]
//   (after `pnpm turbo run build --filter=@metagen/decoders...`)
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, isCorrect, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { createTokenLanguageModel } from '../dist/index.js'

const modelId = process.argv[2] ?? 'tinymath-draft'
const count = Number(process.argv[3] ?? 300)
const model = await loadOnnxTokenModel(tinymathModelPaths[modelId], { modelId })
const problems = (await loadDevSet()).slice(0, count)
const plain = createTokenLanguageModel(model)
const healing = createTokenLanguageModel(model, { tokenHealing: true })
const runs = [
  { name: 'natural prompt "A:"', model: plain, suffix: '' },
  { name: 'trailing space "A: "', model: plain, suffix: ' ' },
  { name: 'trailing space + token healing', model: healing, suffix: ' ' },
]
const start = performance.now()
for (const run of runs) {
  let correct = 0
  let tokens = 0
  for (const problem of problems) {
    const result = await run.model.generate({
      prompt: formatPrompt(problem.question) + run.suffix,
      temperature: 0,
      maxTokens: 160,
    })
    if (isCorrect(result.outputs[0].text, problem.answer)) correct++
    tokens += result.usage.outputTokens
  }
  console.log(
    `${modelId} greedy, ${run.name}: ${correct}/${problems.length} = ${(correct / problems.length).toFixed(3)}, ${(tokens / problems.length).toFixed(1)} output tokens/problem`,
  )
}
console.log(`elapsed ${((performance.now() - start) / 1000).toFixed(0)} s`)
await model.close()
