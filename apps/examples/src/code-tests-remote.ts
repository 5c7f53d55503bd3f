// Example: execution feedback for code with a remote model. Each problem of the small
// @metagen/execution problem set is solved four ways: the first sample alone; best-of-8 ranked
// by the fraction of tests passed in the sandboxed test runner; minimum Bayes risk over 8
// samples by edit similarity (no tests: the consensus program); and Self-Debug (the runner's
// failing tests and error messages go back to the model, at most 3 fixes). With OPENAI_API_KEY
// set it calls OpenAI (gpt-4o-mini); otherwise a local fake OpenAI server plays a model whose
// samples are right half of the time (else a syntax error, a wrong result or a throw) and
// which fixes a program when shown its test errors.
import { selfDebug } from '@metagen/chained'
import {
  type CodeProblem,
  codeProblems,
  createTestRunnerScorer,
  extractCode,
  formatCodePrompt,
  runJavaScriptTests,
  testsByPrompt,
} from '@metagen/execution'
import { createOpenAI } from '@metagen/openai'
import { startFakeOpenAIServer } from '@metagen/openai/testing'
import { run } from '@metagen/orchestrator'
import { bestOfN, minimumBayesRisk } from '@metagen/parallel'
import { editSimilarity } from '@metagen/scorers'

const problems = codeProblems.slice(0, 12)
const fenced = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``

/** The fake model's program for `problem`: right, or wrong in one of three ways. */
function scriptedProgram(problem: CodeProblem, draw: number): string {
  if (draw < 2) return fenced(problem.solution.slice(0, problem.solution.lastIndexOf('}')))
  if (draw < 4) return fenced(`${problem.signature} {\n  return undefined\n}`)
  if (draw < 5) return fenced(`${problem.signature} {\n  throw new Error('not implemented')\n}`)
  return `Here is the function:\n\n${fenced(problem.solution)}`
}

const fake = process.env.OPENAI_API_KEY
  ? undefined
  : await startFakeOpenAIServer({
      respond: ({ prompt, messages, sampleIndex, seed = 0, temperature }) => {
        const text = (messages ?? []).map((message) => message.content).join('\n') || prompt
        const index = problems.findIndex((problem) => text.includes(`\`${problem.signature}\``))
        const problem = problems[index]
        if (!problem) return 'I cannot help with that.'
        // Shown its test errors, the fake model fixes the program.
        if (prompt.includes('Running the code on the tests gave:')) return fenced(problem.solution)
        const draw = temperature === 0 ? (index * 3) % 10 : (seed + 7 * sampleIndex + index) % 10
        return scriptedProgram(problem, draw)
      },
    })

async function passesAll(problem: CodeProblem, text: string): Promise<boolean> {
  const result = await runJavaScriptTests({ code: extractCode(text), tests: problem.tests })
  return result.passed === result.total
}

try {
  const model = createOpenAI(fake ? { baseURL: fake.baseURL, apiKey: 'fake' } : {})('gpt-4o-mini')
  const scorer = createTestRunnerScorer({ tests: testsByPrompt(problems) })
  const sampling = { model, n: 8, temperature: 1, maxTokens: 400 }
  const byTests = bestOfN({ ...sampling, scorer })
  const mbr = minimumBayesRisk({ ...sampling, utility: editSimilarity, symmetric: true })
  const debug = selfDebug({
    model,
    scorer,
    maxRounds: 3,
    request: { temperature: 0, maxTokens: 400 },
  })
  const system = 'You are an expert JavaScript programmer.'
  const counts = { first: 0, best: 0, mbr: 0, debugFirst: 0, debug: 0, debugCalls: 0 }
  for (const [index, problem] of problems.entries()) {
    const input = {
      messages: [
        { role: 'system' as const, content: system },
        { role: 'user' as const, content: formatCodePrompt(problem) },
      ],
    }
    const best = await run(byTests, input, { seed: index })
    if (await passesAll(problem, best.output.candidates?.[0]?.text ?? '')) counts.first++
    if (await passesAll(problem, best.output.text)) counts.best++
    const consensus = await run(mbr, input, { seed: index })
    if (await passesAll(problem, consensus.output.text)) counts.mbr++
    const debugged = await run(debug, input, { seed: index })
    if (debugged.output.attempts[0]?.score === 1) counts.debugFirst++
    if (await passesAll(problem, debugged.output.text)) counts.debug++
    counts.debugCalls += debugged.usage.calls
  }
  const total = problems.length
  console.log(`backend: ${fake ? `fake OpenAI server at ${fake.baseURL}` : 'api.openai.com'}`)
  console.log(`first sample: ${counts.first}/${total} pass every test`)
  console.log(`best-of-8 by tests passed: ${counts.best}/${total} pass every test`)
  console.log(`MBR over 8 samples by edit similarity: ${counts.mbr}/${total} pass every test`)
  console.log(
    `self-debug: ${counts.debugFirst}/${total} first attempts pass, ${counts.debug}/${total} after at most 3 fixes (${counts.debugCalls} model calls)`,
  )
} finally {
  await fake?.close()
}
