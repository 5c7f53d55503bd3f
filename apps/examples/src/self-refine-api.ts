// Example: self-refine (Madaan et al.) with an API model: the model answers, reviews its own
// answer (reply DONE or name the first mistake) and revises. With ANTHROPIC_API_KEY set it
// calls Claude; otherwise a local fake Anthropic server plays a model that slips on every
// other problem and reviews carefully.
import { createAnthropic } from '@metagen/anthropic'
import { startFakeAnthropicServer } from '@metagen/anthropic/testing'
import { selfRefine } from '@metagen/chained'
import { run } from '@metagen/orchestrator'
import { extractAnswer, formatPrompt, isCorrect, loadDevSet } from '@metagen/tinymath'
import { indexProblems, scriptedFeedback, scriptedSolution } from './tinymath-fake-responses.js'

const problems = (await loadDevSet()).slice(0, 6)
const byQuestion = indexProblems(problems)
const questionOf = (text: string) => /Q: (.*?)\nA:/s.exec(text)?.[1]?.trim() ?? ''
const fake = process.env.ANTHROPIC_API_KEY
  ? undefined
  : await startFakeAnthropicServer({
      respond: ({ prompt, messages }) => {
        const question = questionOf(messages[0]?.content ?? prompt)
        const problem = byQuestion.get(question)
        if (!problem) return 'I do not know. The answer is 0.'
        if (prompt.includes('reply with exactly DONE')) {
          return scriptedFeedback(question, messages.at(-2)?.content ?? '')
        }
        if (prompt.includes('Write an improved, complete answer'))
          return scriptedSolution(problem, false, 0)
        return scriptedSolution(problem, problems.indexOf(problem) % 2 === 1, 1)
      },
    })
try {
  const model = createAnthropic(fake ? { baseURL: fake.baseURL, apiKey: 'fake' } : {})(
    'claude-3-5-haiku-latest',
  )
  const refine = selfRefine({
    model,
    maxRounds: 2,
    request: { temperature: 0, maxTokens: 300 },
    extractAnswer,
  })
  let firstCorrect = 0
  let finalCorrect = 0
  let rounds = 0
  for (const [index, problem] of problems.entries()) {
    const result = await run(
      refine,
      { messages: [{ role: 'user', content: formatPrompt(problem.question) }] },
      { seed: index, trace: true },
    )
    const attempts = result.trace.filter((event) => event.kind === 'model-call').length
    rounds += attempts
    const first = result.trace.find((event) => event.kind === 'model-call')?.data?.outputs as
      | Array<{ text: string }>
      | undefined
    if (isCorrect(first?.[0]?.text ?? '', problem.answer)) firstCorrect++
    if (isCorrect(result.output.text, problem.answer)) finalCorrect++
  }
  console.log(`backend: ${fake ? `fake Anthropic server at ${fake.baseURL}` : 'api.anthropic.com'}`)
  console.log(`first answers: ${firstCorrect}/${problems.length} correct`)
  console.log(
    `after self-refine: ${finalCorrect}/${problems.length} correct (${rounds} model calls)`,
  )
} finally {
  await fake?.close()
}
