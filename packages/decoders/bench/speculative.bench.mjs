// Benchmark of speculative decoding on the tinymath models: plain greedy decoding of
// tinymath-generator vs greedy speculative decoding (tinymath-draft drafter with fixed and
// adaptive k, and the model-free prompt-lookup drafter), run interleaved in the same process.
// Prints the speed-up ratio (plain time / speculative time), the acceptance rate, tokens per
// verification round, target forward passes, and checks that every output equals the plain
// greedy output token for token. Then speculative sampling at temperature 1 inside the target's
// worker vs the decoders' extend loop vs plain sampling.
//
// Usage (after `pnpm turbo run build --filter=@metagen/decoders...`):
//   node bench/speculative.bench.mjs                 # 30 dev problems (every 10th)
//   node bench/speculative.bench.mjs --problems all  # the whole dev set (300 problems)
//   node bench/speculative.bench.mjs --k 6
import {
  createModelDrafter,
  createPromptLookupDrafter,
  sampleSequences,
  speculativeDecode,
} from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? fallback : process.argv[index + 1]
}
const problemsArgument = argument('problems', '30')
const k = Number(argument('k', '4'))
const maxTokens = 200

const target = await loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
  modelId: 'tinymath-generator',
})
const draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
  modelId: 'tinymath-draft',
})
const devSet = await loadDevSet()
const problems =
  problemsArgument === 'all'
    ? devSet
    : devSet
        .filter(
          (_, index) =>
            index % Math.max(1, Math.floor(devSet.length / Number(problemsArgument))) === 0,
        )
        .slice(0, Number(problemsArgument))

const variants = [
  { name: `draft model, k=${k}`, drafter: () => createModelDrafter(draft), k, adaptive: false },
  {
    name: `draft model, adaptive k from ${k}`,
    drafter: () => createModelDrafter(draft),
    k,
    adaptive: true,
  },
  { name: `prompt lookup, k=${k}`, drafter: () => createPromptLookupDrafter(), k, adaptive: false },
]

async function plain(prompt) {
  return sampleSequences({ models: [target], prompt, maxTokens, sampling: { temperature: 0 } })
}
async function speculative(variant, prompt) {
  return speculativeDecode({
    target,
    drafter: variant.drafter(),
    prompt,
    maxTokens,
    k: variant.k,
    adaptive: variant.adaptive,
    sampling: { temperature: 0 },
  })
}

// Warm-up (sessions, workers, JIT).
for (const problem of devSet.slice(-3)) {
  const prompt = target.tokenizer.encode(formatPrompt(problem.question))
  await plain(prompt)
  for (const variant of variants) await speculative(variant, prompt)
}

const totals = {
  plain: { time: 0, tokens: 0, targetPasses: 0 },
  variants: variants.map(() => ({
    time: 0,
    drafted: 0,
    accepted: 0,
    rounds: 0,
    tokens: 0,
    targetPasses: 0,
    draftPasses: 0,
    mismatches: [],
  })),
}
for (const [index, problem] of problems.entries()) {
  const prompt = target.tokenizer.encode(formatPrompt(problem.question))
  let start = performance.now()
  const reference = await plain(prompt)
  totals.plain.time += performance.now() - start
  totals.plain.tokens += reference.stats.outputTokens
  totals.plain.targetPasses += reference.stats.forwardPasses
  const expected = JSON.stringify(reference.sequences[0].tokenIds)
  for (const [variantIndex, variant] of variants.entries()) {
    start = performance.now()
    const result = await speculative(variant, prompt)
    const total = totals.variants[variantIndex]
    total.time += performance.now() - start
    total.drafted += result.stats.draftedTokens
    total.accepted += result.stats.acceptedTokens
    total.rounds += result.stats.rounds
    total.tokens += result.stats.outputTokens
    total.targetPasses += result.stats.targetForwardPasses
    total.draftPasses += result.stats.draftForwardPasses
    if (JSON.stringify(result.sequences[0].tokenIds) !== expected) total.mismatches.push(problem.id)
  }
  if ((index + 1) % 25 === 0) console.error(`${index + 1}/${problems.length} problems`)
}

console.log(
  `speculative decoding benchmark: ${problems.length} tinymath dev problems, greedy, maxTokens ${maxTokens}`,
)
console.log(
  `plain greedy (tinymath-generator): ${totals.plain.time.toFixed(0)} ms, ${totals.plain.tokens} tokens, ${totals.plain.targetPasses} target passes`,
)
for (const [variantIndex, variant] of variants.entries()) {
  const total = totals.variants[variantIndex]
  console.log(
    [
      `${variant.name}:`,
      `${total.time.toFixed(0)} ms,`,
      `speed-up ${(totals.plain.time / total.time).toFixed(2)}x,`,
      `acceptance rate ${(total.accepted / Math.max(1, total.drafted)).toFixed(3)},`,
      `tokens per target round ${(total.tokens / total.rounds).toFixed(2)},`,
      `target passes ${total.targetPasses} (${(totals.plain.targetPasses / total.targetPasses).toFixed(2)}x fewer),`,
      `draft passes ${total.draftPasses},`,
      `outputs equal to plain greedy: ${problems.length - total.mismatches.length}/${problems.length}`,
      total.mismatches.length > 0 ? `(mismatches: ${total.mismatches.join(', ')})` : '',
    ].join(' '),
  )
}

// Speculative sampling (temperature 1, draft model, adaptive k): inside the target's worker
// (TokenModel.speculativeTokens) vs the decoders' extend loop (the same request with the
// target's speculativeTokens hidden) vs plain sampling, interleaved on the same problems.
const sampledTotals = { plain: [0, 0], worker: [0, 0], loop: [0, 0] }
for (const [index, problem] of problems.entries()) {
  const prompt = target.tokenizer.encode(formatPrompt(problem.question))
  const runs = {
    plain: () =>
      sampleSequences({ models: [target], prompt, maxTokens, seed: index, sampling: {} }),
    worker: () => sampledSpeculative(prompt, index),
    loop: async () => {
      target.speculativeTokens = undefined
      try {
        return await sampledSpeculative(prompt, index)
      } finally {
        delete target.speculativeTokens
      }
    },
  }
  for (const [name, run] of Object.entries(runs)) {
    const start = performance.now()
    const result = await run()
    sampledTotals[name][1] += performance.now() - start
    sampledTotals[name][0] += result.sequences[0].tokenIds.length
  }
}
function sampledSpeculative(prompt, seed) {
  return speculativeDecode({
    target,
    drafter: createModelDrafter(draft),
    prompt,
    maxTokens,
    k,
    adaptive: true,
    seed,
    sampling: {},
  })
}
const rate = ([tokens, ms]) => (tokens / ms) * 1000
console.log(
  `speculative sampling, temperature 1, draft model, adaptive k from ${k}: in the worker ${rate(sampledTotals.worker).toFixed(0)} tok/s, extend loop ${rate(sampledTotals.loop).toFixed(0)} tok/s, plain sampling ${rate(sampledTotals.plain).toFixed(0)} tok/s; worker/extend loop ${(rate(sampledTotals.worker) / rate(sampledTotals.loop)).toFixed(2)}x, worker/plain ${(rate(sampledTotals.worker) / rate(sampledTotals.plain)).toFixed(2)}x`,
)

await target.close()
await draft.close()
if (totals.variants.some((total) => total.mismatches.length > 0)) process.exitCode = 1
