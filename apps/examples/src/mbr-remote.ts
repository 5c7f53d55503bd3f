// Example: minimum Bayes risk decoding over samples of a remote model. With OPENAI_API_KEY set
// it calls OpenAI (gpt-4o-mini); otherwise a local fake OpenAI server answers with scripted
// solutions, 40% of them wrong in different ways. MBR picks the sample that agrees most with
// the others (chrF between whole solutions), which recovers the consensus answer.
import { createOpenAI } from '@metagen/openai'
import { startFakeOpenAIServer } from '@metagen/openai/testing'
import { run } from '@metagen/orchestrator'
import { minimumBayesRisk } from '@metagen/parallel'
import { chrFSimilarity } from '@metagen/scorers'
import { extractAnswer, formatPrompt, isCorrect, loadDevSet } from '@metagen/tinymath'
import { indexProblems, scriptedSolution } from './tinymath-fake-responses.js'

const problems = (await loadDevSet()).slice(0, 10)
const byQuestion = indexProblems(problems)
const fake = process.env.OPENAI_API_KEY
  ? undefined
  : await startFakeOpenAIServer({
      respond: ({ question, sampleIndex, seed = 0 }) => {
        const problem = byQuestion.get(question?.trim() ?? '')
        if (!problem) return 'I do not know. The answer is 0.'
        const draw = (seed + 7 * sampleIndex) % 10
        return scriptedSolution(problem, draw < 4, draw)
      },
    })
try {
  const model = createOpenAI(fake ? { baseURL: fake.baseURL, apiKey: 'fake' } : {})('gpt-4o-mini')
  const mbr = minimumBayesRisk({
    model,
    n: 8,
    temperature: 1,
    maxTokens: 200,
    utility: chrFSimilarity,
    extractAnswer,
  })
  let mbrCorrect = 0
  let firstCorrect = 0
  for (const [index, problem] of problems.entries()) {
    const instruction =
      'Solve step by step, one calculation per sentence, and end with "The answer is N."'
    const result = await run(
      mbr,
      {
        messages: [
          { role: 'system', content: instruction },
          { role: 'user', content: formatPrompt(problem.question) },
        ],
      },
      { seed: index },
    )
    if (isCorrect(result.output.text, problem.answer)) mbrCorrect++
    if (isCorrect(result.output.candidates?.[0]?.text ?? '', problem.answer)) firstCorrect++
  }
  console.log(`backend: ${fake ? `fake OpenAI server at ${fake.baseURL}` : 'api.openai.com'}`)
  console.log(`first sample: ${firstCorrect}/${problems.length} correct`)
  console.log(`MBR over 8 samples: ${mbrCorrect}/${problems.length} correct`)
} finally {
  await fake?.close()
}
