// Example: chained generators composed with parallel ones on tinymath-draft: majority vote over
// chain-of-thought samples, and best-of-N over refinement driven by the step checker (each
// attempt is continued from its last correct step).
import { chainOfThought, refineWithVerifier } from '@metagen/chained'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { evaluate } from '@metagen/orchestrator'
import { bestOfN, majorityVote } from '@metagen/parallel'
import { createTinymathStepChecker } from '@metagen/scorers'
import { extractAnswer, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { formatResult } from './format-result.js'

const draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
  modelId: 'tinymath-draft',
})
try {
  const model = createTokenLanguageModel(draft)
  const checker = createTinymathStepChecker()
  const problems = (await loadDevSet()).slice(0, 10)
  const voteOverReasoning = majorityVote({
    base: chainOfThought({ model, extractAnswer, request: { temperature: 1, maxTokens: 128 } }),
    n: 8,
  })
  const bestOfRefinements = bestOfN({
    base: refineWithVerifier({
      model,
      scorer: checker,
      maxRounds: 2,
      request: { temperature: 0, maxTokens: 128 },
    }),
    n: 4,
    scorer: checker,
  })
  console.log(
    formatResult(
      'majority-vote(chain-of-thought) n=8',
      await evaluate({ generator: voteOverReasoning, problems, seed: 1 }),
    ),
  )
  console.log(
    formatResult(
      'best-of-n(refine-with-verifier) n=4',
      await evaluate({ generator: bestOfRefinements, problems, seed: 1 }),
    ),
  )
} finally {
  await draft.close()
}
