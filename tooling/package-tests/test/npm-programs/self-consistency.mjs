// Self-consistency on the local model, as an npm user writes it: majority vote over 8 samples
// of the embedded tinymath-draft model. Prints one JSON line; the process must exit by itself.
import { createRunContext } from '@metagen/core'
import { createTokenLanguageModel } from '@metagen/decoders'
import { loadOnnxTokenModel } from '@metagen/onnx'
import { majorityVote } from '@metagen/parallel'
import { formatPrompt, tinymathModelPaths } from '@metagen/tinymath'

const draft = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'])
try {
  const vote = majorityVote({ model: createTokenLanguageModel(draft), n: 8, maxTokens: 64 })
  const { output, usage } = await vote.run(
    {
      prompt: formatPrompt(
        'Ava has 23 apples. She buys 4 bags with 17 apples each. How many apples does Ava have now?',
      ),
    },
    createRunContext({ seed: 1 }),
  )
  console.log(
    JSON.stringify({
      answer: output.answer,
      votes: output.votes,
      calls: usage.calls,
      outputTokens: usage.outputTokens,
    }),
  )
} finally {
  await draft.close()
}
