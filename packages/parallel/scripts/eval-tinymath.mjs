// Measures the parallel strategies on the tinymath dev set with the real ONNX models:
// accuracy, tokens and calls per strategy. Until `metagen eval` exists this is the reference
// measurement of @metagen/parallel (see README.md). Build first:
//   pnpm turbo run build --filter=@metagen/parallel...
// Usage:
//   node scripts/eval-tinymath.mjs [--strategies greedy,self-consistency,...] [--n 16]
//     [--limit 300] [--model tinymath-draft] [--max-tokens 192] [--parallel 4] [--seed 0]
import { addUsage, createRunContext, emptyUsage } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxRewardModel, loadOnnxTokenModel } from '@metagen/onnx'
import {
  adaptiveConsistency,
  bestOfN,
  majorityVote,
  minimumBayesRisk,
  universalSelfConsistency,
  weightedVote,
} from '@metagen/parallel'
import {
  chrFSimilarity,
  createAnswerMatchSimilarity,
  createRewardModelScorer,
  createTinymathStepChecker,
} from '@metagen/scorers'
import {
  extractAnswer,
  formatPrompt,
  isCorrect,
  loadDevSet,
  tinymathModelPaths,
} from '@metagen/tinymath'

const args = parseArguments(process.argv.slice(2))
const n = Number(args.n ?? 16)
const limit = Number(args.limit ?? 300)
const maxTokens = Number(args['max-tokens'] ?? 192)
const parallel = Number(args.parallel ?? 4)
const seed = Number(args.seed ?? 0)
const modelId = args.model ?? 'tinymath-draft'
const strategyNames = (
  args.strategies ??
  'greedy,self-consistency,best-of-n-step-checker,weighted-vote-step-checker,best-of-n-verifier,adaptive-consistency'
).split(',')

const tokenModel = await loadOnnxTokenModel(tinymathModelPaths[modelId], { modelId })
const model = createTokenLanguageModel(tokenModel, { modelId })
let rewardModel
const verifier = async () => {
  rewardModel ??= await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'], {
    modelId: 'tinymath-verifier',
  })
  return createRewardModelScorer({ model: rewardModel, name: 'verifier' })
}
const stepChecker = createTinymathStepChecker()
const common = { model, n, maxTokens, extractAnswer }

const builders = {
  greedy: () => majorityVote({ ...common, n: 1, temperature: 0 }),
  'self-consistency': () => majorityVote(common),
  'best-of-n-step-checker': () => bestOfN({ ...common, scorer: stepChecker }),
  'weighted-vote-step-checker': () => weightedVote({ ...common, scorer: stepChecker }),
  'best-of-n-verifier': async () => bestOfN({ ...common, scorer: await verifier() }),
  'weighted-vote-verifier': async () => weightedVote({ ...common, scorer: await verifier() }),
  'adaptive-consistency': () => adaptiveConsistency(common),
  'mbr-chrf': () => minimumBayesRisk({ ...common, utility: chrFSimilarity }),
  'mbr-answer': () =>
    minimumBayesRisk({
      ...common,
      utility: createAnswerMatchSimilarity({ extractAnswer }),
      symmetric: true,
    }),
  'universal-self-consistency': () => universalSelfConsistency(common),
}

const problems = (await loadDevSet()).slice(0, limit)
console.log(
  `model=${modelId} problems=${problems.length} n=${n} maxTokens=${maxTokens} seed=${seed} parallel=${parallel}`,
)
console.log(
  'strategy | accuracy | output tokens/problem | input tokens/problem | calls/problem | samples/problem | seconds',
)
for (const name of strategyNames) {
  const build = builders[name]
  if (!build)
    throw new Error(`unknown strategy ${name}; known: ${Object.keys(builders).join(', ')}`)
  const generator = await build()
  let correct = 0
  let usage = emptyUsage()
  let samples = 0
  let failures = 0
  const start = performance.now()
  let next = 0
  const worker = async () => {
    while (next < problems.length) {
      const index = next++
      const problem = problems[index]
      const context = createRunContext({ seed: seed * 100_003 + index, concurrency: 16 })
      try {
        const result = await generator.run({ prompt: formatPrompt(problem.question) }, context)
        if (isCorrect(result.output.text, problem.answer)) correct++
        usage = addUsage(usage, result.usage)
        samples += result.output.candidates?.length ?? 1
      } catch (error) {
        failures++
        console.error(`${name} problem ${problem.id}: ${error.message}`)
      }
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  const seconds = (performance.now() - start) / 1000
  const per = (value) => (value / problems.length).toFixed(1)
  console.log(
    `${name} | ${(correct / problems.length).toFixed(3)} (${correct}/${problems.length}) | ${per(usage.outputTokens)} | ${per(usage.inputTokens)} | ${per(usage.calls)} | ${per(samples)} | ${seconds.toFixed(1)}${failures ? ` | failures ${failures}` : ''}`,
  )
}
await tokenModel.close?.()
await rewardModel?.close()
process.exit(0)

function parseArguments(list) {
  const result = {}
  for (let index = 0; index < list.length; index++) {
    const flag = list[index]
    if (flag?.startsWith('--')) result[flag.slice(2)] = list[++index]
  }
  return result
}
