// Benchmark: greedy decoding on tinymath-generator with metagen's ONNX backend vs
// @huggingface/transformers (transformers.js) on the same model files, in the same process.
// Prints tokens per second of each and the ratio, and checks that both produce the same text.
// Run: pnpm --filter @metagen/onnx bench   (after pnpm build)
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { loadOnnxTokenModel } from '../dist/index.js'

const problems = (await loadDevSet()).filter((_, index) => index % 15 === 0).slice(0, 20)
const maxNewTokens = 96

// transformers.js, loading the embedded folder by name, with no remote access.
env.allowRemoteModels = false
env.localModelPath = tinymathModelPaths['tinymath-generator'].replace(/generator\/?$/, '')
const reference = {
  tokenizer: await AutoTokenizer.from_pretrained('generator'),
  model: await AutoModelForCausalLM.from_pretrained('generator', { dtype: 'fp32', device: 'cpu' }),
}
const metagen = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'])

async function greedyMetagen(prompt) {
  const sequence = metagen.createSequence()
  await metagen.extend([{ sequence, tokens: metagen.tokenizer.encode(prompt) }])
  const output = []
  for (let step = 0; step < maxNewTokens; step++) {
    const logits = sequence.lastLogits
    let best = 0
    for (let index = 1; index < logits.length; index++)
      if (logits[index] > logits[best]) best = index
    if (best === 0) break
    output.push(best)
    await metagen.extend([{ sequence, tokens: [best] }])
  }
  sequence.dispose()
  return output
}

async function greedyTransformers(prompt) {
  const inputs = reference.tokenizer(prompt)
  const promptLength = inputs.input_ids.dims[1]
  const output = await reference.model.generate({
    ...inputs,
    max_new_tokens: maxNewTokens,
    do_sample: false,
  })
  const ids = Array.from(output[0].data, Number).slice(promptLength)
  return ids.filter((id) => id !== 0)
}

async function measure(name, decode) {
  // One warm-up problem, then the timed run.
  await decode(formatPrompt(problems[0].question))
  const started = performance.now()
  const texts = []
  let tokens = 0
  for (const problem of problems) {
    const ids = await decode(formatPrompt(problem.question))
    tokens += ids.length
    texts.push(ids.join(','))
  }
  const seconds = (performance.now() - started) / 1000
  console.log(
    `${name.padEnd(16)} ${tokens} tokens in ${seconds.toFixed(2)} s = ${(tokens / seconds).toFixed(1)} tokens/s`,
  )
  return { seconds, tokens, texts }
}

console.log(
  `greedy decoding of ${problems.length} dev problems on tinymath-generator, one sequence at a time`,
)
const baseline = await measure('transformers.js', greedyTransformers)
const ours = await measure('metagen', greedyMetagen)
const same = ours.texts.filter((text, index) => text === baseline.texts[index]).length
console.log(`identical outputs: ${same}/${problems.length}`)
console.log(
  `speed-up (metagen tokens/s / transformers.js tokens/s): ${(ours.tokens / ours.seconds / (baseline.tokens / baseline.seconds)).toFixed(2)}x`,
)
await metagen.close()
await reference.model.dispose()
