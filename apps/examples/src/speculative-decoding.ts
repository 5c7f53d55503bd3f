// Example: speculative decoding. tinymath-draft proposes 4 tokens at a time and
// tinymath-generator verifies them in one batched pass; greedy outputs are identical to the
// generator's own greedy outputs, with fewer target forward passes.
import {
  createSpeculativeLanguageModel,
  createTokenLanguageModel,
  type SpeculativeStats,
} from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'

const [target, draft] = await Promise.all([
  loadOnnxTokenModel(tinymathModelPaths['tinymath-generator'], { modelId: 'tinymath-generator' }),
  loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], { modelId: 'tinymath-draft' }),
])
try {
  const plain = createTokenLanguageModel(target)
  const stats: SpeculativeStats[] = []
  const speculative = createSpeculativeLanguageModel({
    target,
    draft,
    k: 4,
    onStats: (entry) => stats.push(entry),
  })
  const problems = (await loadDevSet()).slice(0, 20)
  let identical = 0
  let plainPasses = 0
  for (const problem of problems) {
    const request = { prompt: formatPrompt(problem.question), temperature: 0, maxTokens: 128 }
    const before = target.stats().forwardPasses
    const reference = await plain.generate(request)
    plainPasses += target.stats().forwardPasses - before
    const fast = await speculative.generate(request)
    if (fast.outputs[0]?.text === reference.outputs[0]?.text) identical++
  }
  const drafted = stats.reduce((total, entry) => total + entry.draftedTokens, 0)
  const accepted = stats.reduce((total, entry) => total + entry.acceptedTokens, 0)
  const targetPasses = stats.reduce((total, entry) => total + entry.targetForwardPasses, 0)
  console.log(`identical to greedy: ${identical}/${problems.length}`)
  console.log(
    `acceptance rate: ${(accepted / Math.max(1, drafted)).toFixed(3)} (${accepted}/${drafted} draft tokens)`,
  )
  console.log(`target forward passes: ${targetPasses} speculative vs ${plainPasses} plain`)
} finally {
  await Promise.all([target.close(), draft.close()])
}
