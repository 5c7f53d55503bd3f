// Benchmark behind the `sparePositions` option (src/forward-pass.ts): batched passes that append
// in place to spare cache positions vs copying the whole cache every step. Two copies of
// tinymath-generator in one process, one with the default (16 spare positions) and one with
// `sparePositions: 0`, sample 16 forks of each of 4 dev prompts at temperature 1 with the same
// seeds (`sampleTokens`, the whole generation in the worker); each round runs both sides back to
// back in alternating order, and the speed-up is the median over rounds of the per-round ratio
// of tokens/s (> 1 = in place faster). No stop token, so every generation runs its full length:
// the copy grows with the cache, so the bench runs two lengths. Also counts the samples that
// differ between the sides: the spare positions are fed masked, which changes logits in the
// last bits, and a draw that falls within that of a boundary picks the neighbouring token.
// Run: pnpm --filter @metagen/onnx bench:spare   (after pnpm build; BENCH_ROUNDS, default 8)
import { loadavg } from 'node:os'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { loadOnnxTokenModel } from '../dist/index.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 8)
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`BENCH_ROUNDS must be an integer >= 1, got ${process.env.BENCH_ROUNDS}`)
}
const path = tinymathModelPaths['tinymath-generator']
const sides = {
  inPlace: await loadOnnxTokenModel(path, { spinning: 'brief' }),
  copying: await loadOnnxTokenModel(path, { spinning: 'brief', sparePositions: 0 }),
}
const problems = (await loadDevSet()).filter((_, index) => index % 100 === 0).slice(0, 4)
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function sample(model, maxTokens, seed) {
  let tokens = 0
  let ms = 0
  const chosen = []
  for (const [index, problem] of problems.entries()) {
    const root = model.createSequence()
    await model.extend([
      { sequence: root, tokens: model.tokenizer.encode(formatPrompt(problem.question)) },
    ])
    const forks = Array.from({ length: 16 }, () => root.fork())
    root.dispose()
    const started = performance.now()
    const results = await model.sampleTokens({
      sequences: forks,
      temperature: 1,
      seed: seed + index,
      maxTokens,
      stopTokenIds: [],
    })
    ms += performance.now() - started
    for (const fork of forks) fork.dispose()
    for (const result of results) {
      tokens += result.tokenIds.length
      chosen.push(result.tokenIds.join(','))
    }
  }
  return { tokens, ms, chosen }
}

const load = loadavg()[0]
for (const maxTokens of [48, 160]) {
  await sample(sides.inPlace, maxTokens, 0)
  await sample(sides.copying, maxTokens, 0)
  const ratios = []
  let differing = 0
  let total = 0
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['inPlace', 'copying'] : ['copying', 'inPlace']
    const results = {}
    for (const side of order) {
      await new Promise((resolve) => setTimeout(resolve, 30))
      results[side] = await sample(sides[side], maxTokens, 100 * round)
    }
    const rate = ({ tokens, ms }) => tokens / ms
    ratios.push(rate(results.inPlace) / rate(results.copying))
    results.inPlace.chosen.forEach((tokens, index) => {
      total++
      if (tokens !== results.copying.chosen[index]) differing++
    })
  }
  console.log(
    `16 samples x 4 prompts x ${maxTokens} tokens, tinymath-generator: in place (16 spare ` +
      `positions) vs copying every step ${median(ratios).toFixed(2)}x (median of ${rounds} rounds; ` +
      `samples differing: ${differing} of ${total}; load average ${load.toFixed(1)})`,
  )
}
for (const model of Object.values(sides)) await model.close()
