// pnpm bench:summary: the benchmarks behind the local backend's speed claims (packages/onnx
// README, issue 15), run side by side in ONE process on the tinymath models. Every comparison
// runs its two sides back to back within each round, rounds are interleaved across comparisons,
// and each ratio is the median over rounds of the per-round ratio, so that load from other
// processes hits both sides of a ratio alike. Prints one line per measurement, then, as the LAST
// stdout line, one JSON object of ratios (> 1 = metagen faster) and memory figures. The greedy
// and speculative comparisons, and reward-model batching, are also run on the onnxruntime floor
// (bare-decoding.mjs): bare loops on onnxruntime's native session with nothing around them. The
// fork comparison also reports the model work of each side (passes and positions computed).
//
// Run: pnpm bench:summary            (root; builds what it needs first)
//      BENCH_ROUNDS=5 pnpm bench:summary
import { createRunContext } from '@metagen/core'
import {
  createModelDrafter,
  createTokenLanguageModel,
  sampleSequences,
  speculativeDecode,
} from '@metagen/decoders'
import { loadOnnxRewardModel, loadOnnxTokenModel } from '@metagen/onnx'
import {
  createRewardModelScorer,
  createTinymathStepChecker,
  tinymathStepSplitter,
} from '@metagen/scorers'
import {
  createLanguageModelStepProposer,
  createTokenModelStepProposer,
  stepBeamSearch,
} from '@metagen/search'
import {
  extractAnswer,
  formatPrompt,
  formatSolution,
  loadDevSet,
  tinymathModelPaths,
} from '@metagen/tinymath'
import {
  bareGreedy,
  bareScore,
  bareSpeculativeGreedy,
  loadBareSession,
} from '../../packages/onnx/bench/bare-decoding.mjs'
import {
  loadTransformersReference,
  transformersGreedy,
  transformersSamples,
} from '../../packages/onnx/bench/transformers-reference.mjs'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`BENCH_ROUNDS must be an integer >= 1, got ${process.env.BENCH_ROUNDS}`)
}
const log = (line) => console.log(line)
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? sorted[middle]
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}
const round2 = (value) => Math.round(value * 100) / 100
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10
async function timed(run) {
  const start = performance.now()
  const value = await run()
  return { ms: performance.now() - start, value }
}
// onnxruntime's default thread pool (what transformers.js runs with) keeps its threads spinning
// for tens of milliseconds after a run returns; on 2 cores that spinning would be billed to
// whichever side runs next. The greedy and 16-sample comparisons therefore give each measured
// call a quiet start: an untimed pause long enough for leftover spinning to stop.
const settleMs = 100
const settle = () => new Promise((resolve) => setTimeout(resolve, settleMs))
async function timedAfterSettling(run) {
  await settle()
  return timed(run)
}

// ---- models, with the resident memory each adds to the process (workers share the process) ----
const memory = {}
async function loadMeasured(name, load) {
  globalThis.gc?.()
  const before = process.memoryUsage().rss
  const model = await load()
  memory[name] = mib(process.memoryUsage().rss - before)
  return model
}
// onnxruntime thread spinning of our models: BENCH_SPINNING=auto|brief|always|never (default
// auto, which picks 'brief' only when the machine has spare cores at load time).
const spinning = process.env.BENCH_SPINNING ?? 'auto'
const startLoad = (await import('node:os')).loadavg()[0]
const generator = await loadMeasured('tinymath-generator', () =>
  loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], {
    modelId: 'tinymath-generator',
    spinning,
  }),
)
const draft = await loadMeasured('tinymath-draft', () =>
  loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], { modelId: 'tinymath-draft', spinning }),
)
const verifier = await loadMeasured('tinymath-verifier', () =>
  loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'], { spinning }),
)
const reference = await loadMeasured('transformers.js tinymath-generator', () =>
  loadTransformersReference(
    tinymathModelPaths['tinymath-generator'].replace(/generator\/?$/, ''),
    'generator',
  ),
)

// The onnxruntime floor (packages/onnx/bench/bare-decoding.mjs): bare native sessions on the files as shipped,
// loaded after the measured models so that they do not count in their memory figures.
const bareTarget = await loadBareSession(
  `${tinymathModelPaths['tinymath-generator']}/onnx/model.onnx`,
  2,
)
const bareDraft = await loadBareSession(
  `${tinymathModelPaths['tinymath-draft']}/onnx/model.onnx`,
  1,
)
const bareVerifier = await loadBareSession(
  `${tinymathModelPaths['tinymath-verifier']}/onnx/model.onnx`,
  2,
)

const devSet = await loadDevSet()
const every = (step, count) => devSet.filter((_, index) => index % step === 0).slice(0, count)
const greedyProblems = every(15, 10)
const samplePrompts = every(100, 2).map((problem) => formatPrompt(problem.question))
const speculativeProblems = every(37, 6)
const searchProblems = every(30, 5)
const rewardRequests = devSet.slice(0, 64).map((problem) => ({
  prompt: formatPrompt(problem.question),
  output: formatSolution(problem),
}))
const eos = new Set(generator.tokenizer.eosTokenIds)
const real = (ids) => ids.filter((id) => !eos.has(id))

// ---- the measured operations ----
const greedyMaxTokens = 96
async function greedyMetagen(prompt) {
  const result = await sampleSequences({
    models: [generator],
    prompt: generator.tokenizer.encode(prompt),
    maxTokens: greedyMaxTokens,
    sampling: { temperature: 0 },
  })
  return real(result.sequences[0].tokenIds)
}
const greedyTransformers = (prompt) => transformersGreedy(reference, prompt, greedyMaxTokens, real)
const greedyFloor = async (prompt) =>
  real(await bareGreedy(bareTarget, generator.tokenizer.encode(prompt), greedyMaxTokens, eos))

const samples = 16
const sampleMaxTokens = 96
async function samplesBatched(prompt, seed) {
  const result = await sampleSequences({
    models: [generator],
    prompt: generator.tokenizer.encode(prompt),
    n: samples,
    seed,
    maxTokens: sampleMaxTokens,
    sampling: { temperature: 1 },
  })
  return result.sequences.reduce((total, sequence) => total + real(sequence.tokenIds).length, 0)
}
async function samplesSequential(prompt, seed) {
  let tokens = 0
  for (let index = 0; index < samples; index++) {
    const result = await sampleSequences({
      models: [generator],
      prompt: generator.tokenizer.encode(prompt),
      seed: seed + index,
      maxTokens: sampleMaxTokens,
      sampling: { temperature: 1 },
    })
    tokens += real(result.sequences[0].tokenIds).length
  }
  return tokens
}
const samplesTransformers = (prompt) =>
  transformersSamples(reference, prompt, samples, sampleMaxTokens, real)

const speculativeMaxTokens = 200
const speculativeVariants = [
  { name: 'k=2', k: 2, adaptive: false },
  { name: 'k=4', k: 4, adaptive: false },
  { name: 'k=8', k: 8, adaptive: false },
  { name: 'adaptive (from k=4)', k: 4, adaptive: true },
]
// the fixed draft lengths measured on the onnxruntime floor
const floorVariants = [2, 4, 8]
async function plainGreedy(prompt) {
  const result = await sampleSequences({
    models: [generator],
    prompt,
    maxTokens: speculativeMaxTokens,
    sampling: { temperature: 0 },
  })
  return result.sequences[0].tokenIds
}
async function speculativeGreedy(variant, prompt) {
  return speculativeDecode({
    target: generator,
    drafter: createModelDrafter(draft),
    prompt,
    maxTokens: speculativeMaxTokens,
    k: variant.k,
    adaptive: variant.adaptive,
    sampling: { temperature: 0 },
  })
}

const isComplete = (text) => extractAnswer(text) !== undefined
const stepScorer = createTinymathStepChecker()
async function beamSearch(proposer) {
  const search = stepBeamSearch({ proposer, scorer: stepScorer, beamWidth: 4, expansions: 4 })
  for (const [index, problem] of searchProblems.entries()) {
    await search.run({ prompt: formatPrompt(problem.question) }, createRunContext({ seed: index }))
  }
}
const forkProposer = () => createTokenModelStepProposer({ model: draft, isComplete })
const recomputeProposer = () =>
  createLanguageModelStepProposer({ model: createTokenLanguageModel(draft), isComplete })

const rewardScorer = (batchSize) =>
  createRewardModelScorer({ model: verifier, stepSplitter: tinymathStepSplitter, batchSize })
// The token sequences the scorer sends the verifier for rewardRequests, recorded once, for the
// floor: the same sequences scored by a bare session, one per pass and 16 per pass.
async function recordRewardSequences() {
  const sequences = []
  const recording = Object.assign(Object.create(verifier), {
    scoreTokens(batch, options) {
      sequences.push(...batch.map((sequence) => [...sequence]))
      return verifier.scoreTokens(batch, options)
    },
  })
  await createRewardModelScorer({
    model: recording,
    stepSplitter: tinymathStepSplitter,
    batchSize: 1,
  }).score(rewardRequests)
  return sequences
}
// Model work (passes, positions computed) of one search, from the draft model's counters.
async function searchWork(proposer) {
  const before = draft.stats()
  const { ms } = await timed(() => beamSearch(proposer))
  const after = draft.stats()
  return {
    ms,
    passes: after.forwardPasses - before.forwardPasses,
    positions: (after.computedPositions ?? 0) - (before.computedPositions ?? 0),
  }
}

// ---- warm-up (sessions, JIT) outside the measurement ----
await greedyMetagen(formatPrompt(devSet[1].question))
await greedyTransformers(formatPrompt(devSet[1].question))
await greedyFloor(formatPrompt(devSet[1].question))
await samplesBatched(samplePrompts[0], 1)
await speculativeGreedy(
  speculativeVariants[1],
  generator.tokenizer.encode(formatPrompt(devSet[2].question)),
)
await rewardScorer(16).score(rewardRequests.slice(0, 4))
await rewardScorer(1).score(rewardRequests.slice(0, 4))
const rewardSequences = await recordRewardSequences()
{
  // the floor scores what metagen scores (up to float rounding across batch shapes)
  const ours = await verifier.scoreTokens(rewardSequences)
  const bare = await bareScore(bareVerifier, rewardSequences, 16)
  let difference = 0
  for (const [index, row] of ours.entries()) {
    for (const [column, value] of row.entries()) {
      difference = Math.max(difference, Math.abs(value - bare[index][column]))
    }
  }
  if (!(difference < 1e-3)) {
    log(`WARNING: bare verifier scores differ from metagen's by up to ${difference}`)
  }
}

// ---- interleaved rounds ----
const ratios = {
  greedy: [],
  greedyVsFloor: [],
  samplesVsTransformers: [],
  samplesVsSequential: [],
  speculative: speculativeVariants.map(() => []),
  speculativeFloor: floorVariants.map(() => []),
  fork: [],
  reward: [],
  rewardFloor: [],
}
// ms per speculative generation, per round: metagen's variants and the floor's
const speculativeMs = speculativeVariants.map(() => [])
const speculativeFloorMs = floorVariants.map(() => [])
// model work of the two search sides, summed over rounds
const searchTotals = {
  fork: { passes: 0, positions: 0 },
  recompute: { passes: 0, positions: 0 },
}
const speculativeCounts = speculativeVariants.map(() => ({
  drafted: 0,
  accepted: 0,
  targetPasses: 0,
}))
let plainTargetPasses = 0
const mismatches = { greedy: 0, speculative: 0, floor: 0 }
const rates = {
  greedyOurs: [],
  greedyTheirs: [],
  greedyFloor: [],
  // per generation: total ms and ms inside onnxruntime's runs
  greedyOursMs: [],
  greedyOursRunMs: [],
  greedyFloorMs: [],
  greedyFloorRunMs: [],
  batched: [],
  sequential: [],
  transformers: [],
}
for (let round = 0; round < rounds; round++) {
  const started = performance.now()
  // greedy, one sequence at a time
  let ours = { ms: 0, tokens: 0 }
  let theirs = { ms: 0, tokens: 0 }
  let floor = { ms: 0, tokens: 0 }
  const runMsBefore = { ours: generator.inferenceMilliseconds, floor: bareTarget.runMs }
  for (const problem of greedyProblems) {
    const prompt = formatPrompt(problem.question)
    const a = await timedAfterSettling(() => greedyTransformers(prompt))
    const b = await timedAfterSettling(() => greedyMetagen(prompt))
    const c = await timedAfterSettling(() => greedyFloor(prompt))
    theirs = { ms: theirs.ms + a.ms, tokens: theirs.tokens + a.value.length }
    ours = { ms: ours.ms + b.ms, tokens: ours.tokens + b.value.length }
    floor = { ms: floor.ms + c.ms, tokens: floor.tokens + c.value.length }
    if (a.value.join(',') !== b.value.join(',')) mismatches.greedy++
    if (c.value.join(',') !== b.value.join(',')) mismatches.floor++
  }
  rates.greedyOurs.push((ours.tokens / ours.ms) * 1000)
  rates.greedyTheirs.push((theirs.tokens / theirs.ms) * 1000)
  rates.greedyFloor.push((floor.tokens / floor.ms) * 1000)
  const generations = greedyProblems.length
  rates.greedyOursMs.push(ours.ms / generations)
  rates.greedyOursRunMs.push((generator.inferenceMilliseconds - runMsBefore.ours) / generations)
  rates.greedyFloorMs.push(floor.ms / generations)
  rates.greedyFloorRunMs.push((bareTarget.runMs - runMsBefore.floor) / generations)
  ratios.greedy.push(ours.tokens / ours.ms / (theirs.tokens / theirs.ms))
  ratios.greedyVsFloor.push(ours.tokens / ours.ms / (floor.tokens / floor.ms))

  // 16 samples: batched vs our sequential vs transformers.js sequential
  const sampleTotals = { batched: [0, 0], sequential: [0, 0], transformers: [0, 0] }
  for (const [index, prompt] of samplePrompts.entries()) {
    const seed = 1000 * round + 16 * index
    for (const [name, run] of [
      ['transformers', () => samplesTransformers(prompt)],
      ['batched', () => samplesBatched(prompt, seed)],
      ['sequential', () => samplesSequential(prompt, seed)],
    ]) {
      const { ms, value } = await timedAfterSettling(run)
      sampleTotals[name][0] += value
      sampleTotals[name][1] += ms
    }
  }
  const rate = ([tokens, ms]) => (tokens / ms) * 1000
  for (const name of ['batched', 'sequential', 'transformers'])
    rates[name].push(rate(sampleTotals[name]))
  ratios.samplesVsTransformers.push(rate(sampleTotals.batched) / rate(sampleTotals.transformers))
  ratios.samplesVsSequential.push(rate(sampleTotals.batched) / rate(sampleTotals.sequential))

  // speculative decoding vs plain greedy (same target model, same problems)
  let plainMs = 0
  const variantMs = speculativeVariants.map(() => 0)
  for (const problem of speculativeProblems) {
    const prompt = generator.tokenizer.encode(formatPrompt(problem.question))
    const passesBefore = generator.stats().forwardPasses
    const plain = await timed(() => plainGreedy(prompt))
    plainTargetPasses += generator.stats().forwardPasses - passesBefore
    plainMs += plain.ms
    for (const [variantIndex, variant] of speculativeVariants.entries()) {
      const { ms, value } = await timed(() => speculativeGreedy(variant, prompt))
      variantMs[variantIndex] += ms
      const counts = speculativeCounts[variantIndex]
      counts.drafted += value.stats.draftedTokens
      counts.accepted += value.stats.acceptedTokens
      counts.targetPasses += value.stats.targetForwardPasses
      if (value.sequences[0].tokenIds.join(',') !== plain.value.join(',')) mismatches.speculative++
    }
  }
  speculativeVariants.forEach((_, index) => {
    ratios.speculative[index].push(plainMs / variantMs[index])
    speculativeMs[index].push(variantMs[index] / speculativeProblems.length)
  })
  // the same comparison on the onnxruntime floor
  let floorPlainMs = 0
  const floorVariantMs = floorVariants.map(() => 0)
  for (const problem of speculativeProblems) {
    const prompt = generator.tokenizer.encode(formatPrompt(problem.question))
    const plain = await timed(() => bareGreedy(bareTarget, prompt, speculativeMaxTokens, eos))
    floorPlainMs += plain.ms
    for (const [variantIndex, k] of floorVariants.entries()) {
      const { ms, value } = await timed(() =>
        bareSpeculativeGreedy(bareTarget, bareDraft, prompt, speculativeMaxTokens, k, eos),
      )
      floorVariantMs[variantIndex] += ms
      if (value.join(',') !== plain.value.join(',')) mismatches.floor++
    }
  }
  floorVariants.forEach((_, index) => {
    ratios.speculativeFloor[index].push(floorPlainMs / floorVariantMs[index])
    speculativeFloorMs[index].push(floorVariantMs[index] / speculativeProblems.length)
  })

  // step beam search proposals: KV fork vs re-prefill
  const forked = await searchWork(forkProposer())
  const recomputed = await searchWork(recomputeProposer())
  ratios.fork.push(recomputed.ms / forked.ms)
  for (const [name, work] of [
    ['fork', forked],
    ['recompute', recomputed],
  ]) {
    searchTotals[name].passes += work.passes
    searchTotals[name].positions += work.positions
  }

  // reward model: batches of 16 vs one sequence per run
  const batch1 = await timed(() => rewardScorer(1).score(rewardRequests))
  const batch16 = await timed(() => rewardScorer(16).score(rewardRequests))
  ratios.reward.push(batch1.ms / batch16.ms)
  const floor1 = await timed(() => bareScore(bareVerifier, rewardSequences, 1))
  const floor16 = await timed(() => bareScore(bareVerifier, rewardSequences, 16))
  ratios.rewardFloor.push(floor1.ms / floor16.ms)
  console.error(
    `round ${round + 1}/${rounds} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )
}

// ---- report ----
const fixed = (value) => value.toFixed(2)
log(
  `metagen bench:summary: ${rounds} interleaved rounds, medians of per-round ratios (> 1 = metagen faster)`,
)
log(
  `spinning option: ${spinning}, resolved to generator ${generator.spinning}, draft ${draft.spinning} (one-minute load average when the models loaded: ${startLoad.toFixed(1)})`,
)
log(
  `load average at the end: ${(await import('node:os'))
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')} on ${(await import('node:os')).availableParallelism()} cores`,
)
log(
  `greedy, one sequence, ${greedyProblems.length} problems x <= ${greedyMaxTokens} tokens: metagen ${median(rates.greedyOurs).toFixed(0)} tok/s, transformers.js ${median(rates.greedyTheirs).toFixed(0)} tok/s, ratio ${fixed(median(ratios.greedy))}x (outputs differing: ${mismatches.greedy})`,
)
log(
  `16 samples x ${samplePrompts.length} prompts, temperature 1: batched ${median(rates.batched).toFixed(0)} tok/s, our sequential ${median(rates.sequential).toFixed(0)} tok/s, transformers.js sequential ${median(rates.transformers).toFixed(0)} tok/s; batched/transformers.js ${fixed(median(ratios.samplesVsTransformers))}x, batched/sequential ${fixed(median(ratios.samplesVsSequential))}x`,
)
for (const [index, variant] of speculativeVariants.entries()) {
  const counts = speculativeCounts[index]
  log(
    `speculative greedy, tinymath-draft drafter, ${variant.name}: speed-up ${fixed(median(ratios.speculative[index]))}x, acceptance ${(counts.accepted / Math.max(1, counts.drafted)).toFixed(3)}, target passes ${(plainTargetPasses / Math.max(1, counts.targetPasses)).toFixed(2)}x fewer`,
  )
}
if (mismatches.speculative > 0)
  log(`WARNING: ${mismatches.speculative} speculative outputs differ from plain greedy`)
const searchWorkRatio = {
  passes: round2(searchTotals.recompute.passes / Math.max(1, searchTotals.fork.passes)),
  positions: round2(searchTotals.recompute.positions / Math.max(1, searchTotals.fork.positions)),
}
log(
  `step beam search proposals (tinymath-draft, ${searchProblems.length} problems): fork vs re-prefill ${fixed(median(ratios.fork))}x; model work per round, fork / re-prefill: ${searchTotals.fork.passes / rounds} / ${searchTotals.recompute.passes / rounds} passes, ${searchTotals.fork.positions / rounds} / ${searchTotals.recompute.positions / rounds} positions (re-prefill computes ${fixed(searchWorkRatio.positions)}x the positions in ${fixed(searchWorkRatio.passes)}x the passes)`,
)
log(
  `reward model (tinymath-verifier, ${rewardRequests.length} solutions, ${rewardSequences.length} sequences): batch 16 vs batch 1 ${fixed(median(ratios.reward))}x; on the onnxruntime floor (bare session, the same sequences, one per pass vs 16 per pass): ${fixed(median(ratios.rewardFloor))}x`,
)
log(
  `onnxruntime floor (bare native sessions on the files as shipped, no worker, no library): greedy ${median(rates.greedyFloor).toFixed(0)} tok/s, metagen/floor ${fixed(median(ratios.greedyVsFloor))}x; speculative greedy on the floor, speed-up over floor greedy: ${floorVariants.map((k, index) => `k=${k} ${fixed(median(ratios.speculativeFloor[index]))}x`).join(', ')}`,
)
log(
  `greedy per generation (median over rounds): metagen ${median(rates.greedyOursMs).toFixed(2)} ms, of which ${median(rates.greedyOursRunMs).toFixed(2)} ms inside onnxruntime runs; floor ${median(rates.greedyFloorMs).toFixed(2)} ms, of which ${median(rates.greedyFloorRunMs).toFixed(2)} ms inside runs`,
)
log(
  `speculative greedy per generation (median over rounds), metagen vs floor: ${floorVariants
    .map((k, index) => {
      const ours = speculativeVariants.findIndex((variant) => !variant.adaptive && variant.k === k)
      return `k=${k} ${median(speculativeMs[ours]).toFixed(2)} vs ${median(speculativeFloorMs[index]).toFixed(2)} ms`
    })
    .join(', ')}`,
)
if (mismatches.floor > 0) log(`WARNING: ${mismatches.floor} floor outputs differ from metagen's`)
for (const [name, value] of Object.entries(memory))
  log(`resident memory added by loading ${name}: ${value} MiB`)
log(
  `kv cache bytes per token: tinymath-generator ${generator.kvBytesPerToken}, tinymath-draft ${draft.kvBytesPerToken}`,
)

const adaptiveIndex = speculativeVariants.findIndex((variant) => variant.adaptive)
const adaptiveCounts = speculativeCounts[adaptiveIndex]
const summary = {
  greedy_vs_transformersjs: round2(median(ratios.greedy)),
  samples16_vs_transformersjs: round2(median(ratios.samplesVsTransformers)),
  samples16_vs_sequential: round2(median(ratios.samplesVsSequential)),
  speculative_speedup: round2(median(ratios.speculative[adaptiveIndex])),
  speculative_acceptance: round2(adaptiveCounts.accepted / Math.max(1, adaptiveCounts.drafted)),
  speculative_by_k: Object.fromEntries(
    speculativeVariants.map((variant, index) => [
      variant.adaptive ? 'adaptive' : String(variant.k),
      round2(median(ratios.speculative[index])),
    ]),
  ),
  greedy_vs_onnxruntime_floor: round2(median(ratios.greedyVsFloor)),
  greedy_ms_per_generation: {
    metagen: round2(median(rates.greedyOursMs)),
    metagen_onnxruntime: round2(median(rates.greedyOursRunMs)),
    floor: round2(median(rates.greedyFloorMs)),
    floor_onnxruntime: round2(median(rates.greedyFloorRunMs)),
  },
  speculative_floor_by_k: Object.fromEntries(
    floorVariants.map((k, index) => [String(k), round2(median(ratios.speculativeFloor[index]))]),
  ),
  fork_vs_recompute: round2(median(ratios.fork)),
  fork_vs_recompute_work: searchWorkRatio,
  reward_model_batch_speedup: round2(median(ratios.reward)),
  reward_batch_floor: round2(median(ratios.rewardFloor)),
  resident_memory_mib: memory,
  kv_bytes_per_token: {
    'tinymath-generator': generator.kvBytesPerToken,
    'tinymath-draft': draft.kvBytesPerToken,
  },
  rounds,
}
await generator.close()
await draft.close()
await verifier.close()
await reference.model.dispose()
bareTarget.dispose()
bareDraft.dispose()
bareVerifier.dispose()
console.log(JSON.stringify(summary))
