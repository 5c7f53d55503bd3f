// Example: self-consistency (Wang et al.) on the local tinymath-draft model: a majority vote
// over 16 sampled solutions against greedy decoding, on 20 dev problems.
import { languageModelGenerator } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { evaluate } from '@metagen/orchestrator'
import { majorityVote } from '@metagen/parallel'
import { extractAnswer, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { formatResult } from './format-result.js'

const draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
  modelId: 'tinymath-draft',
})
try {
  const model = createTokenLanguageModel(draft) // token model + sampling decoder = LanguageModel
  const problems = (await loadDevSet()).slice(0, 20)

  const greedy = languageModelGenerator({ model, request: { temperature: 0, maxTokens: 128 } })
  // 16 samples at temperature 1 are one batched call after one prefill of the prompt.
  const vote = majorityVote({ model, n: 16, temperature: 1, maxTokens: 128, extractAnswer })

  console.log(formatResult('greedy', await evaluate({ generator: greedy, problems })))
  console.log(
    formatResult('self-consistency n=16', await evaluate({ generator: vote, problems, seed: 1 })),
  )
} finally {
  await draft.close()
}
