// Measures token healing on the tinymath dev set (not a test: it takes a minute or two).
// 1. Trailing space: greedy decoding of `Q: ...\nA:` vs `Q: ...\nA: ` with and without healing.
// 2. Partial word: the prompt holds the gold solution steps and the answer sentence cut inside a
//    word (` The a`, ` The an`, ` The ans`, ` The answ`, ` The answe`); the model must finish
//    ` The answer is N.`. Counted correct when prompt tail + output reads `The answer is <gold>.`.
// Greedy, maxTokens 16. Prints accuracy per setting; no constant is tuned.
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
const healOne = createTokenLanguageModel(model, { tokenHealing: true })
const healTwo = createTokenLanguageModel(model, { tokenHealing: { maxRemovedTokens: 2 } })
const start = performance.now()

async function accuracy(languageModel, promptOf, tailOf, maxTokens) {
  let correct = 0
  for (const problem of problems) {
    const result = await languageModel.generate({
      prompt: promptOf(problem),
      temperature: 0,
      maxTokens,
    })
    if (isCorrect(tailOf(problem) + result.outputs[0].text, problem.answer)) correct++
  }
  return `${correct}/${problems.length} = ${(correct / problems.length).toFixed(3)}`
}

const question = (problem) => formatPrompt(problem.question)
console.log(`${modelId}, ${problems.length} dev problems, greedy`)
console.log(`trailing space: natural "A:" ${await accuracy(plain, question, () => '', 160)}`)
for (const [name, languageModel] of [
  ['no healing', plain],
  ['healing (1 token)', healOne],
]) {
  const result = await accuracy(
    languageModel,
    (p) => `${question(p)} `,
    () => '',
    160,
  )
  console.log(`trailing space "A: ", ${name}: ${result}`)
}
const steps = (problem) => ` ${problem.steps.map((step) => `${step}.`).join(' ')}`
for (const cut of [' The a', ' The an', ' The ans', ' The answ', ' The answe']) {
  const line = []
  for (const [name, languageModel] of [
    ['no healing', plain],
    ['heal 1', healOne],
    ['heal 2', healTwo],
  ]) {
    const tail = (problem) => steps(problem) + cut
    line.push(`${name} ${await accuracy(languageModel, (p) => question(p) + tail(p), tail, 16)}`)
  }
  console.log(`answer sentence cut at ${JSON.stringify(cut)}: ${line.join('; ')}`)
}
console.log(`elapsed ${((performance.now() - start) / 1000).toFixed(0)} s`)
await model.close()
