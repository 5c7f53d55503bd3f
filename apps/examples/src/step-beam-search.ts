// Example: step-level beam search on tinymath-draft. Each solution step (ending in '.') is
// proposed by the model (children fork the parent's KV cache) and scored by the exact step
// checker; each round samples N = 8 steps, and the best N / M = 2 unfinished partial solutions
// are kept and continued M = 4 times each (search-and-learn's beam search).
import type { TraceEvent } from '@metagen/core'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { evaluate, run } from '@metagen/orchestrator'
import { createTinymathStepChecker } from '@metagen/scorers'
import { createTokenModelStepProposer, stepBeamSearch } from '@metagen/search'
import { extractAnswer, formatPrompt, loadDevSet, tinymathModelPaths } from '@metagen/tinymath'
import { formatResult } from './format-result.js'

const draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
  modelId: 'tinymath-draft',
})
try {
  const search = stepBeamSearch({
    proposer: createTokenModelStepProposer({
      model: draft,
      delimiter: '.',
      temperature: 1,
      maxTokens: 128,
      isComplete: (text) => extractAnswer(text) !== undefined,
    }),
    scorer: createTinymathStepChecker(),
    beams: 8,
    beamWidth: 4,
    extractAnswer,
  })
  const problems = (await loadDevSet()).slice(0, 20)
  console.log(
    formatResult(
      'step-beam N=8, M=4 with the step checker',
      await evaluate({ generator: search, problems, seed: 1 }),
    ),
  )

  // One problem with its trace: the search tree is in the `node` events.
  const problem = problems[4]
  const result = await run(
    search,
    { prompt: formatPrompt(problem?.question ?? '') },
    { seed: 1, trace: true },
  )
  const nodes = result.trace.filter((event: TraceEvent) => event.kind === 'node')
  console.log(
    `problem ${problem?.id}: ${nodes.length} search nodes, answer ${result.output.answer} (expected ${problem?.answer}): ${result.output.text.trim()}`,
  )
} finally {
  await draft.close()
}
