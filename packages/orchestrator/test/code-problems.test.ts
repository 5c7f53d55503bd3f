// End to end on the code path: the JavaScript problems flow through evaluate (prompt =
// formatCodePrompt, correct = every test passes) into strategies built from specs, whose `tests`
// scorer finds each prompt's tests; a scripted model writes wrong programs and fixes them only
// when shown the runner's errors.
import { createFakeLanguageModel, type FakeLanguageModel } from '@metagen/core/testing'
import { type CodeProblem, codeProblems } from '@metagen/execution'
import { afterEach, describe, expect, it } from 'vitest'
import {
  codeProblemSet,
  createDefaultStrategyRegistry,
  createStrategyEnvironment,
  evaluate,
  type ManagedStrategyEnvironment,
} from '../src/index.js'

const problems = codeProblems.slice(0, 3)
const fenced = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``
const stub = (problem: CodeProblem) => fenced(`${problem.signature} {\n  return undefined\n}`)

/** Writes stubs; shown test errors, writes the solution; `lucky` samples are right at once. */
function createCoder(lucky: (outputIndex: number) => boolean = () => false): FakeLanguageModel {
  return createFakeLanguageModel({
    reply: ({ prompt, outputIndex }) => {
      const problem = problems.find((item) => prompt.includes(`\`${item.signature}\``))
      if (!problem) return 'no idea'
      if (prompt.includes('Running the code on the tests gave:')) return fenced(problem.solution)
      return lucky(outputIndex) ? fenced(problem.solution) : stub(problem)
    },
  })
}

const registry = createDefaultStrategyRegistry()
let environment: ManagedStrategyEnvironment | undefined
afterEach(() => environment?.close())

function environmentFor(model: FakeLanguageModel) {
  environment = createStrategyEnvironment({
    modelId: 'fake:coder',
    registry,
    remoteModelFactories: { fake: () => model },
  })
  return environment
}

describe('code problems through evaluate and the strategies', () => {
  it('self-debug: the tests reach the scorer, the errors reach the model, every problem is fixed', async () => {
    const model = createCoder()
    const generator = await environmentFor(model).build({ strategy: 'self-debug' })
    const result = await evaluate({ generator, ...codeProblemSet(problems) })
    expect(result.problems.map((problem) => [problem.id, problem.correct])).toEqual(
      problems.map((problem) => [problem.id, true]),
    )
    expect(result.usage.calls).toBe(6)
    const repairs = model.requests.filter((request) =>
      (request.prompt ?? '').includes('Running the code on the tests gave:'),
    )
    expect(repairs).toHaveLength(3)
    const addRepair = repairs.find((request) => request.prompt?.includes('function add(a, b)'))
    expect(addRepair?.prompt).toContain(
      'Failed: assertEqual(add(2, 3), 5)\n  AssertionError: expected 5, received undefined',
    )
  })

  it('without repair the same model solves nothing: correctness runs the tests', async () => {
    const generator = await environmentFor(createCoder()).build({ strategy: 'greedy' })
    const result = await evaluate({ generator, ...codeProblemSet(problems) })
    expect(result.correct).toBe(0)
    expect(result.problems[0]?.expected).toBe('passes every test')
  })

  it('best-of-n with the tests scorer picks the sample that passes', async () => {
    const generator = await environmentFor(createCoder((index) => index === 2)).build({
      strategy: 'best-of-n',
      n: 4,
      scorer: 'tests',
    })
    const result = await evaluate({ generator, ...codeProblemSet(problems) })
    expect(result.accuracy).toBe(1)
    expect(result.usage.calls).toBe(3)
  })

  it('treefinement repairs the samples given their errors', async () => {
    const model = createCoder()
    const generator = await environmentFor(model).build({
      strategy: 'treefinement',
      width: 2,
      refinementRounds: 2,
    })
    const result = await evaluate({ generator, ...codeProblemSet(problems) })
    expect(result.accuracy).toBe(1)
    // One call for the 2 samples, then the 2 repairs split across the 2 equal parents.
    expect(result.usage.calls).toBe(3 * 3)
  })
})
