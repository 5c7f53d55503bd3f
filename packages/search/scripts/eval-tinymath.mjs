// Measures the step-level searches on the tinymath dev set with the real ONNX models, against
// best-of-N (from @metagen/parallel) with the same scorer: accuracy, generated tokens, prompt
// tokens and calls per problem. Build first:
//   cd /work/main && pnpm turbo run build --filter=@metagen/search...
// Usage (from packages/search):
//   node scripts/eval-tinymath.mjs [--strategies step-beam,best-of-n,...] [--scorer step-checker|verifier]
//     [--limit 300] [--stride 1] [--model tinymath-draft] [--beam-width 4] [--expansions 4] [--n 16]
//     [--proposer token|language] [--aggregate min] [--parallel 4] [--seed 0] [--max-tokens 192]
import { addUsage, createRunContext, emptyUsage } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxRewardModel, loadOnnxTokenModel } from '@metagen/onnx'
import { bestOfN } from '@metagen/parallel'
import {
  createRewardModelScorer,
  createTinymathStepChecker,
  tinymathStepSplitter,
} from '@metagen/scorers'
import {
  createLanguageModelStepProposer,
  createTokenModelStepProposer,
  diverseVerifierTreeSearch,
  monteCarloTreeSearch,
  rewardBalancedSearch,
  stepBeamSearch,
  treeOfThoughtsBfs,
  treeOfThoughtsDfs,
} from '@metagen/search'
import {
  extractAnswer,
  formatPrompt,
  isCorrect,
  loadDevSet,
  tinymathModelPaths,
} from '@metagen/tinymath'

const args = parseArguments(process.argv.slice(2))
const limit = Number(args.limit ?? 300)
const stride = Number(args.stride ?? 1)
const maxTokens = Number(args['max-tokens'] ?? 192)
const parallel = Number(args.parallel ?? 4)
const seed = Number(args.seed ?? 0)
const beamWidth = Number(args['beam-width'] ?? 4)
const expansions = Number(args.expansions ?? 4)
const n = Number(args.n ?? 16)
const modelId = args.model ?? 'tinymath-draft'
const scorerName = args.scorer ?? 'step-checker'
const proposerKind = args.proposer ?? 'token'
const aggregate = args.aggregate ?? 'min'
const strategyNames = (args.strategies ?? 'best-of-n,step-beam,dvts,tot-bfs,mcts,rebase').split(',')

const tokenModel = await loadOnnxTokenModel(tinymathModelPaths[modelId], { modelId })
const languageModel = createTokenLanguageModel(tokenModel, { modelId })
let rewardModel
let scorer
if (scorerName === 'verifier') {
  rewardModel = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'], {
    modelId: 'tinymath-verifier',
  })
  scorer = createRewardModelScorer({
    model: rewardModel,
    name: 'verifier',
    stepSplitter: tinymathStepSplitter,
  })
} else {
  scorer = createTinymathStepChecker()
}

const isComplete = (text) => extractAnswer(text) !== undefined
const proposer =
  proposerKind === 'language'
    ? createLanguageModelStepProposer({ model: languageModel, maxTokens, isComplete })
    : createTokenModelStepProposer({ model: tokenModel, maxTokens, isComplete })
const common = { proposer, scorer, aggregate, extractAnswer }

const builders = {
  'best-of-n': () => bestOfN({ model: languageModel, n, maxTokens, extractAnswer, scorer }),
  'step-beam': () => stepBeamSearch({ ...common, beamWidth, expansions }),
  dvts: () => diverseVerifierTreeSearch({ ...common, subtrees: beamWidth, expansions }),
  'tot-bfs': () => treeOfThoughtsBfs({ ...common, breadth: beamWidth, expansions }),
  'tot-dfs': () => treeOfThoughtsDfs({ ...common, expansions: 3 }),
  mcts: () =>
    monteCarloTreeSearch({ ...common, simulations: beamWidth * expansions, expansions: 3 }),
  rebase: () => rewardBalancedSearch({ ...common, width: beamWidth * expansions }),
}

// --stride k takes every k-th problem (the dev set is in blocks of 60 per number of operations,
// so a stride keeps every size represented), then --limit caps the count.
const problems = (await loadDevSet()).filter((_, index) => index % stride === 0).slice(0, limit)
console.log(
  `model=${modelId} scorer=${scorerName} proposer=${proposerKind} aggregate=${aggregate} problems=${problems.length} stride=${stride} beamWidth=${beamWidth} expansions=${expansions} n=${n} maxTokens=${maxTokens} seed=${seed}`,
)
console.log(
  'strategy | accuracy | output tokens/problem | input tokens/problem | calls/problem | stopped by budget | seconds',
)
for (const name of strategyNames) {
  const build = builders[name]
  if (!build)
    throw new Error(`unknown strategy ${name}; known: ${Object.keys(builders).join(', ')}`)
  const generator = build()
  let correct = 0
  let usage = emptyUsage()
  let failures = 0
  let budgetStops = 0
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
        if (result.stoppedBy) budgetStops++
        usage = addUsage(usage, result.usage)
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
    `${name} | ${(correct / problems.length).toFixed(3)} (${correct}/${problems.length}) | ${per(usage.outputTokens)} | ${per(usage.inputTokens)} | ${per(usage.calls)} | ${budgetStops} | ${seconds.toFixed(1)}${failures ? ` | failures ${failures}` : ''}`,
  )
}
await tokenModel.close()
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
