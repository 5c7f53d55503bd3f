import { createCollectingTraceSink, createRunContext } from '@metagen/core'
import { createFakeScorer, createScriptedLanguageModel } from '@metagen/core/testing'
import {
  codeProblems,
  createTestRunnerScorer,
  formatCodePrompt,
  testsByPrompt,
} from '@metagen/execution'
import { describe, expect, it } from 'vitest'
import { selfDebug, selfDebugRevision } from './self-debug.js'

const gcd = codeProblems.find((problem) => problem.id === 'js-gcd')
if (!gcd) throw new Error('js-gcd missing')
const prompt = formatCodePrompt(gcd)
const fence = (code: string) => `\`\`\`javascript\n${code}\n\`\`\``
const wrong = fence('function gcd(a, b) {\n  return b === 0 ? a : 1\n}')
const crashing = fence('function gcd(a, b) {\n  return a.nope.value\n}')
const right = fence(gcd.solution)

describe('selfDebug', () => {
  it('runs the tests, feeds the runner errors back, and stops when every test passes', async () => {
    const model = createScriptedLanguageModel({ script: [wrong, crashing, right, wrong] })
    const scorer = createTestRunnerScorer({ tests: testsByPrompt() })
    const trace = createCollectingTraceSink()
    const { output, usage } = await selfDebug({ model, scorer, maxRounds: 5 }).run(
      { prompt },
      createRunContext({ trace }),
    )
    expect(output.text).toBe(right)
    expect(output.score).toBe(1)
    expect(output.stopReason).toBe('critic-done')
    expect(output.rounds).toBe(2)
    expect(output.attempts.map((attempt) => attempt.score)).toEqual([0.5, 0, 1])
    expect(usage.calls).toBe(3)
    expect(model.requests).toHaveLength(3)
    // The first fix sees the failing assertions of the first program, verbatim.
    const firstFix = model.requests[1]?.prompt ?? ''
    expect(firstFix).toContain(`Task:\n${prompt}`)
    expect(firstFix).toContain(
      'Your code:\n```javascript\nfunction gcd(a, b) {\n  return b === 0 ? a : 1',
    )
    expect(firstFix).toContain(
      'Running the code on the tests gave:\nPassed 2 of 4 tests.\nFailed: assertEqual(gcd(12, 18), 6)\n  AssertionError: expected 6, received 1',
    )
    // The second fix sees the TypeError of the crashing program with its location.
    expect(model.requests[2]?.prompt).toContain(
      "TypeError: Cannot read properties of undefined (reading 'value') (at candidate.js:2:17)",
    )
    const rounds = trace.events.filter(
      (event) => event.kind === 'span-end' && event.name === 'self-debug-round',
    )
    expect(rounds).toHaveLength(3)
  })

  it('returns the attempt that passed the most tests after maxRounds, and revises chats in turns', async () => {
    const model = createScriptedLanguageModel({ script: [crashing, wrong] })
    const scorer = createTestRunnerScorer({ tests: () => gcd.tests })
    const { output } = await selfDebug({ model, scorer, maxRounds: 1 }).run(
      { messages: [{ role: 'user', content: prompt }] },
      createRunContext(),
    )
    expect(output.stopReason).toBe('max-rounds')
    expect(output.text).toBe(wrong)
    expect(output.score).toBe(0.5)
    const messages = model.requests[1]?.messages ?? []
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user'])
    expect(messages[1]?.content).toBe(crashing)
    expect(messages[2]?.content).toMatch(
      /^Running the code on the tests gave:\nPassed 0 of 4 tests\./,
    )
  })

  it('uses a scorer without tests for the prompt as "could not be checked"', async () => {
    const model = createScriptedLanguageModel({ script: ['x', 'y'] })
    const scorer = createFakeScorer({ score: () => ({ value: undefined, error: 'no tests' }) })
    const { output } = await selfDebug({ model, scorer, maxRounds: 1 }).run(
      { prompt: 'p' },
      createRunContext(),
    )
    expect(output.attempts[0]?.feedback).toBe('The answer could not be checked: no tests.')
  })

  it('asks for an explanation first with explain', () => {
    const plan = selfDebugRevision({ explain: true })({
      input: { prompt: 'task' },
      attempt: { text: 'code' },
      critique: { done: false, feedback: 'Passed 0 of 1 tests.' },
      round: 1,
      history: [],
    })
    expect(plan.input.prompt).toBe(
      'Task:\ntask\n\nYour code:\ncode\n\nRunning the code on the tests gave:\nPassed 0 of 1 tests.\n\nFirst explain what the code does line by line and why it fails the tests, then write the corrected complete program in one ```javascript code block.\n\nCorrected code:\n',
    )
  })

  it('names bad arguments', () => {
    const scorer = createFakeScorer({ score: () => ({ value: 1 }) })
    expect(() => selfDebug({ model: {} as never, scorer })).toThrow(/options\.model/)
    const model = createScriptedLanguageModel({ script: [] })
    expect(() => selfDebug({ model, scorer: {} as never })).toThrow(/options\.scorer/)
    expect(() => selfDebug({ model, scorer, threshold: 2 })).toThrow(/options\.threshold/)
    expect(() => selfDebug({ model, scorer, maxRounds: -1 })).toThrow(/maxRounds/)
  })
})
