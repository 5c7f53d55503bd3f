// Benchmark: metagen's ONNX backend vs @huggingface/transformers (transformers.js) on the same
// tinymath-generator files, in the same process. (1) Greedy decoding one sequence at a time:
// tokens/s of each, the ratio, and a check that both produce the same text. (2) 16 samples per
// prompt at temperature 1: metagen prefills once and decodes the 16 forks in one batch per step;
// transformers.js, which has no working multiple samples, generates them one after another.
// Run: pnpm --filter @metagen/onnx bench   (after pnpm build)
import { createRng, softmax } from '@metagen/core'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { loadOnnxTokenModel } from '../dist/index.js'
import {
  loadTransformersReference,
  transformersGreedy,
  transformersSamples,
} from './transformers-reference.mjs'

const problems = (await loadDevSet()).filter((_, index) => index % 15 === 0).slice(0, 20)
const maxNewTokens = 96

// transformers.js, loading the embedded folder by name, with no remote access.
const reference = await loadTransformersReference(
  tinymathModelPaths['tinymath-generator'].replace(/generator\/?$/, ''),
  'generator',
)
/** New ids without the end-of-text/padding id 0. */
const real = (ids) => ids.filter((id) => id !== 0)
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

const greedyTransformers = (prompt) => transformersGreedy(reference, prompt, maxNewTokens, real)

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

// (2) 16 samples of 4 prompts, temperature 1.
const samples = 16
const samplePrompts = problems.slice(0, 4).map((problem) => formatPrompt(problem.question))

async function sampleMetagen(prompt, rng) {
  const root = metagen.createSequence()
  await metagen.extend([{ sequence: root, tokens: metagen.tokenizer.encode(prompt) }])
  let active = Array.from({ length: samples }, () => ({ sequence: root.fork(), length: 0 }))
  root.dispose()
  let tokens = 0
  while (active.length > 0) {
    const next = []
    for (const item of active) {
      const probabilities = softmax(item.sequence.lastLogits)
      let draw = rng.next()
      let token = probabilities.length - 1
      for (let index = 0; index < probabilities.length; index++) {
        draw -= probabilities[index]
        if (draw < 0) {
          token = index
          break
        }
      }
      if (token === 0 || item.length >= maxNewTokens) {
        item.sequence.dispose()
        continue
      }
      item.length++
      tokens++
      next.push({ item, token })
    }
    active = next.map(({ item }) => item)
    if (next.length > 0)
      await metagen.extend(
        next.map(({ item, token }) => ({ sequence: item.sequence, tokens: [token] })),
      )
  }
  return tokens
}

const sampleTransformers = (prompt) =>
  transformersSamples(reference, prompt, samples, maxNewTokens, real)

async function measureSampling(name, sample) {
  const started = performance.now()
  let tokens = 0
  for (const prompt of samplePrompts) tokens += await sample(prompt)
  const seconds = (performance.now() - started) / 1000
  console.log(
    `${name.padEnd(16)} ${tokens} tokens in ${seconds.toFixed(2)} s = ${(tokens / seconds).toFixed(1)} tokens/s`,
  )
  return tokens / seconds
}

console.log(`\n${samples} samples at temperature 1 for each of ${samplePrompts.length} prompts`)
const rng = createRng(1)
await sampleMetagen(samplePrompts[0], rng)
const sequentialRate = await measureSampling('transformers.js', sampleTransformers)
const batchedRate = await measureSampling('metagen', (prompt) => sampleMetagen(prompt, rng))
console.log(
  `speed-up (metagen batched tokens/s / transformers.js sequential tokens/s): ${(batchedRate / sequentialRate).toFixed(2)}x`,
)
await metagen.close()
await reference.model.dispose()
