// Best-of-N over a remote model, as an npm user writes it: 8 samples from an OpenAI-compatible
// server (the fake one that @metagen/openai/testing starts on 127.0.0.1), reranked by the
// tinymath step checker. Half the samples get the arithmetic wrong; the checker must pick a
// right one. Prints one JSON line; the process must exit by itself.
import { createRunContext } from '@metagen/core'
import { createOpenAI } from '@metagen/openai'
import { startFakeOpenAIServer } from '@metagen/openai/testing'
import { bestOfN } from '@metagen/parallel'
import { createTinymathStepChecker } from '@metagen/scorers'

const server = await startFakeOpenAIServer({
  respond: ({ sampleIndex }) =>
    sampleIndex % 2 === 0
      ? ' 4*17=58. 23+58=81. The answer is 81.'
      : ' 4*17=68. 23+68=91. The answer is 91.',
})
try {
  const model = createOpenAI({ baseURL: server.baseURL, apiKey: 'test-key' })('fake-model', {
    api: 'completion',
  })
  const solve = bestOfN({ model, n: 8, scorer: createTinymathStepChecker() })
  const { output, usage } = await solve.run(
    {
      prompt:
        'Q: Ava has 23 apples. She buys 4 bags with 17 apples each. How many apples does Ava have now?\nA:',
    },
    createRunContext({ seed: 1 }),
  )
  console.log(JSON.stringify({ answer: output.answer, text: output.text, calls: usage.calls }))
} finally {
  await server.close()
}
