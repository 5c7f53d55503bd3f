// Example: best-of-N with a reward model. Eight samples of tinymath-draft are ranked by the
// tinymath-verifier ONNX reward model (outcome score) and, for comparison, by the exact step
// checker; the verifier (retrained on the draft's own samples, see the model card) ranks about as
// well as the checker, which knows the arithmetic exactly.
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxRewardModel, loadOnnxTokenModel } from '@metagen/onnx'
import { evaluate } from '@metagen/orchestrator'
import { bestOfN } from '@metagen/parallel'
import {
  createRewardModelScorer,
  createTinymathStepChecker,
  tinymathStepSplitter,
} from '@metagen/scorers'
import { extractAnswer, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { formatResult } from './format-result.js'

const draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
  modelId: 'tinymath-draft',
})
const verifier = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'])
try {
  const model = createTokenLanguageModel(draft)
  const problems = (await loadDevSet()).slice(0, 20)
  const verifierScorer = createRewardModelScorer({
    model: verifier,
    link: 'sigmoid',
    stepSplitter: tinymathStepSplitter,
    name: 'verifier',
  })
  const sampling = { model, n: 8, temperature: 1, maxTokens: 128, extractAnswer }

  const byVerifier = bestOfN({ ...sampling, scorer: verifierScorer })
  const byChecker = bestOfN({ ...sampling, scorer: createTinymathStepChecker() })
  console.log(
    formatResult(
      'best-of-8 by verifier',
      await evaluate({ generator: byVerifier, problems, seed: 1 }),
    ),
  )
  console.log(
    formatResult(
      'best-of-8 by step checker',
      await evaluate({ generator: byChecker, problems, seed: 1 }),
    ),
  )
} finally {
  await Promise.all([draft.close(), verifier.close()])
}
