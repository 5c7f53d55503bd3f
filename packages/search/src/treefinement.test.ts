import { createCollectingTraceSink, createRunContext } from '@metagen/core'
import { createFakeLanguageModel, createFakeScorer } from '@metagen/core/testing'
import {
  codeProblems,
  createTestRunnerScorer,
  formatCodePrompt,
  testsByPrompt,
} from '@metagen/execution'
import { describe, expect, it } from 'vitest'
import { allocateBySoftmax } from './allocate-by-softmax.js'
import { treefinement } from './treefinement.js'

const gcd = codeProblems.find((problem) => problem.id === 'js-gcd')
if (!gcd) throw new Error('js-gcd missing')
const prompt = formatCodePrompt(gcd)
const fence = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``
/** Passes 2 of 4 tests. */
const half = fence('function gcd(a, b) {\n  return b === 0 ? a : 1\n}')
/** Passes none: throws. */
const crash = fence('function gcd(a, b) {\n  return a.nope.value\n}')
/** Passes 3 of 4 (gcd(0, 0) is wrong). */
const most = fence(
  'function gcd(a, b) {\n  if (a === 0 && b === 0) return 1\n  while (b) [a, b] = [b, a % b]\n  return a\n}',
)
const right = fence(gcd.solution)

/** Samples half, crash, most; repairs `most` into the right program and repeats the others. */
function createRepairModel() {
  return createFakeLanguageModel({
    reply: ({ prompt: text, outputIndex }) => {
      if (!text.includes('Corrected code:')) return [half, crash, most][outputIndex % 3] as string
      const parent = text.slice(text.indexOf('Your code:\n'), text.indexOf('Running the code'))
      if (parent.includes('a === 0 && b === 0')) return right
      return parent.includes('a.nope') ? crash : half
    },
  })
}

describe('treefinement', () => {
  it('samples, then splits the repairs by softmax of tests passed, feeding each parent its errors', async () => {
    const model = createRepairModel()
    const scorer = createTestRunnerScorer({ tests: testsByPrompt() })
    const trace = createCollectingTraceSink()
    const { output } = await treefinement({
      model,
      scorer,
      width: 4,
      balanceTemperature: 0.25,
      refinementRounds: 3,
    }).run({ prompt }, createRunContext({ trace, seed: 3 }))

    // Round 0: one call for the 4 samples: half, crash, most, half.
    expect(model.requests[0]?.n).toBe(4)
    const roots = output.nodes.filter((node) => node.depth === 0)
    expect(roots.map((node) => node.score)).toEqual([0.5, 0, 0.75, 0.5])
    // Round 1: REBASE's allocation of width 4 over those scores, one call per parent with n = share.
    const shares = allocateBySoftmax([0.5, 0, 0.75, 0.5], 4, 0.25)
    expect(shares).toEqual([1, 0, 2, 1])
    const repairs = model.requests.slice(1)
    expect(repairs.map((request) => request.n)).toEqual([1, 2, 1])
    // Each repair prompt carries its parent's program and the runner's error messages.
    expect(repairs[1]?.prompt).toContain('if (a === 0 && b === 0) return 1')
    expect(repairs[1]?.prompt).toContain(
      'Running the code on the tests gave:\nPassed 3 of 4 tests.\nFailed: assertEqual(gcd(0, 0), 0)\n  AssertionError: expected 0, received 1',
    )
    expect(repairs[0]?.prompt).toContain('AssertionError: expected 6, received 1')
    // The repairs of `most` pass: the search ends after one round with the right program.
    expect(output).toMatchObject({ text: right, score: 1, solved: true, rounds: 1 })
    const children = output.nodes.filter((node) => node.depth === 1)
    expect(children.map((node) => node.parentId)).toEqual([
      roots[0]?.id,
      roots[2]?.id,
      roots[2]?.id,
      roots[3]?.id,
    ])
    const traced = trace.events.filter((event) => event.kind === 'node' && event.name === 'program')
    expect(traced.map((event) => event.id)).toEqual(output.nodes.map((node) => node.id))
    expect(traced.slice(4).map((event) => event.parentId)).toEqual(
      children.map((node) => node.parentId),
    )
    expect(output.candidates).toHaveLength(8)
  })

  it('with no refinement rounds is best-of-N by tests passed', async () => {
    const model = createRepairModel()
    const scorer = createTestRunnerScorer({ tests: testsByPrompt() })
    const { output } = await treefinement({ model, scorer, width: 3, refinementRounds: 0 }).run(
      { prompt },
      createRunContext(),
    )
    expect(model.requests).toHaveLength(1)
    expect(output).toMatchObject({ text: most, score: 0.75, solved: false, rounds: 0 })
  })

  it('stops after refinementRounds when nothing passes, returning the best program', async () => {
    const model = createFakeLanguageModel({ reply: half })
    const scorer = createFakeScorer({
      score: () => ({ value: 0.5, feedback: 'Passed 1 of 2 tests.' }),
    })
    const { output } = await treefinement({ model, scorer, width: 2, refinementRounds: 2 }).run(
      { prompt: 'p' },
      createRunContext(),
    )
    expect(output.rounds).toBe(2)
    expect(output.solved).toBe(false)
    expect(output.nodes).toHaveLength(6)
    expect(output.nodes[0]?.id).toBeDefined()
    expect(output.text).toBe(half)
    expect(model.requests[1]?.prompt).toContain('Passed 1 of 2 tests.')
  })

  it('returns the best program so far when the budget runs out', async () => {
    const model = createFakeLanguageModel({ reply: 'function f() { return 1 }' })
    const scorer = createFakeScorer({ score: () => 0 })
    const result = await treefinement({ model, scorer, width: 2, refinementRounds: 5 }).run(
      { prompt: 'p' },
      createRunContext({ budget: { calls: 2 } }),
    )
    expect(result.stoppedBy).toBe('budget')
    expect(result.output.nodes.length).toBeGreaterThanOrEqual(2)
  })

  it('names bad arguments', () => {
    const model = createFakeLanguageModel({ reply: 'x' })
    const scorer = createFakeScorer({ score: () => 1 })
    expect(() => treefinement({ model: {} as never, scorer })).toThrow(/options\.model/)
    expect(() => treefinement({ model, scorer: {} as never })).toThrow(/options\.scorer/)
    expect(() => treefinement({ model, scorer, width: 0 })).toThrow(/options\.width/)
    expect(() => treefinement({ model, scorer, refinementRounds: -1 })).toThrow(
      /options\.refinementRounds/,
    )
    expect(() => treefinement({ model, scorer, balanceTemperature: 0 })).toThrow(
      /options\.balanceTemperature/,
    )
    expect(() => treefinement({ model, scorer, acceptScore: 1.5 })).toThrow(/options\.acceptScore/)
  })
})
