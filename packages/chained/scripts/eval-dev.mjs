// Evaluates a chained strategy on the tinymath dev set with a real local model, against the
// same model decoded greedily. Prints accuracy, tokens and calls per strategy.
// Usage (after `pnpm turbo run build --filter=@metagen/chained...`):
//   node packages/chained/scripts/eval-dev.mjs
//     [--strategy greedy,calculator,refine-with-verifier,self-refine,refine-over-calculator,chain-of-thought]
//     [--model tinymath-draft] [--limit 300] [--max-rounds 4] [--seed 0] [--concurrency 8]
import { parseArgs } from 'node:util'
import { addUsage, createRunContext, emptyUsage, mixSeed } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { createTinymathStepChecker } from '@metagen/scorers'
import {
  extractAnswer,
  formatPrompt,
  isCorrect,
  loadDevSet,
  tinymathModelPaths,
} from '@metagen/tinymath'
import {
  arithmeticRecheckCritic,
  calculatorTool,
  chainOfThought,
  continuationRevision,
  languageModelGenerator,
  refineWithVerifier,
  selfRefine,
  toolUse,
} from '../dist/index.js'

const { values } = parseArgs({
  options: {
    strategy: { type: 'string', default: 'greedy,calculator,refine-with-verifier,self-refine' },
    model: { type: 'string', default: 'tinymath-draft' },
    limit: { type: 'string', default: '300' },
    'max-rounds': { type: 'string', default: '4' },
    'max-tokens': { type: 'string', default: '128' },
    seed: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '8' },
  },
})
const maxRounds = Number(values['max-rounds'])
const maxTokens = Number(values['max-tokens'])
const request = { temperature: 0, maxTokens }

const tokenModel = await loadOnnxTokenModel(tinymathModelPaths[values.model], {
  modelId: values.model,
})
const model = createTokenLanguageModel(tokenModel)
const stepChecker = createTinymathStepChecker()

const strategies = {
  greedy: () => languageModelGenerator({ model, request }),
  calculator: () => toolUse({ model, tools: [calculatorTool()], request }),
  'refine-with-verifier': () =>
    refineWithVerifier({ model, scorer: stepChecker, request, maxRounds, extractAnswer }),
  'self-refine': () =>
    selfRefine({
      model,
      request,
      critic: arithmeticRecheckCritic({ model }),
      revise: continuationRevision(),
      maxRounds,
      extractAnswer,
    }),
  'refine-over-calculator': () =>
    refineWithVerifier({
      model,
      scorer: stepChecker,
      request,
      maxRounds,
      extractAnswer,
      generator: toolUse({ model, tools: [calculatorTool()], request }),
      reviser: toolUse({
        model,
        tools: [calculatorTool()],
        request: { ...request, temperature: 1 },
      }),
    }),
  'chain-of-thought': () =>
    chainOfThought({ model, extractAnswer, answerPrompt: ' The answer is', request }),
}

const problems = (await loadDevSet()).slice(0, Number(values.limit))
console.log(`model ${values.model}, ${problems.length} dev problems, seed ${values.seed}`)
console.log('strategy               accuracy  correct  input-tok  output-tok  calls  seconds')
for (const name of values.strategy.split(',')) {
  const build = strategies[name]
  if (!build)
    throw new Error(`unknown strategy ${name}; one of ${Object.keys(strategies).join(', ')}`)
  const generator = build()
  const start = performance.now()
  let usage = emptyUsage()
  let correct = 0
  let next = 0
  const worker = async () => {
    while (next < problems.length) {
      const problem = problems[next++]
      const context = createRunContext({ seed: mixSeed(Number(values.seed), problem.id) })
      const result = await generator.run({ prompt: formatPrompt(problem.question) }, context)
      usage = addUsage(usage, result.usage)
      if (isCorrect(result.output.text, problem.answer)) correct++
    }
  }
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker))
  const seconds = (performance.now() - start) / 1000
  console.log(
    [
      name.padEnd(22),
      (correct / problems.length).toFixed(3).padStart(8),
      String(correct).padStart(8),
      String(usage.inputTokens).padStart(10),
      String(usage.outputTokens).padStart(11),
      String(usage.calls).padStart(6),
      seconds.toFixed(1).padStart(8),
    ].join(' '),
  )
}
await tokenModel.close?.()
