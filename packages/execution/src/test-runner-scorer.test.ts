import { describe, expect, it } from 'vitest'
import { codeProblems, formatCodePrompt, testsByPrompt } from './code-problems.js'
import { extractCode } from './extract-code.js'
import { runJavaScriptTests } from './run-javascript-tests.js'
import { createTestRunnerScorer } from './test-runner-scorer.js'

const problem = codeProblems.find((item) => item.id === 'js-gcd')
if (!problem) throw new Error('js-gcd missing')
const prompt = formatCodePrompt(problem)

describe('createTestRunnerScorer', () => {
  it('scores the fraction of tests passed and explains the failures in feedback', async () => {
    const scorer = createTestRunnerScorer({ tests: testsByPrompt(), testTimeoutMs: 1000 })
    const { scores, usage } = await scorer.score([
      { prompt, output: `Here you go:\n\`\`\`javascript\n${problem.solution}\n\`\`\`` },
      { prompt, output: '```js\nfunction gcd(a, b) { return b === 0 ? a : 1 }\n```' },
      { prompt, output: 'function gcd(a, b) { while (true) {} }' },
      { prompt: 'an unknown prompt', output: problem.solution },
    ])
    expect(scores[0]).toEqual({ value: 1, feedback: 'All 4 tests passed.' })
    expect(scores[1]?.value).toBe(0.5)
    expect(scores[1]?.feedback).toBe(
      [
        'Passed 2 of 4 tests.',
        'Failed: assertEqual(gcd(12, 18), 6)\n  AssertionError: expected 6, received 1',
        'Failed: assertEqual(gcd(0, 9), 9)\n  AssertionError: expected 9, received 1',
      ].join('\n'),
    )
    expect(scores[2]?.value).toBe(0)
    expect(scores[2]?.feedback).toMatch(/TimeoutError/)
    expect(scores[3]).toEqual({ value: undefined, error: 'no tests for this prompt' })
    expect(usage.calls).toBe(0)
  })

  it('reports a program that does not load in its feedback', async () => {
    const scorer = createTestRunnerScorer({ tests: () => ['assertEqual(f(), 1)'] })
    const { scores } = await scorer.score([{ prompt: 'p', output: 'function f( {' }])
    expect(scores[0]?.value).toBe(0)
    expect(scores[0]?.feedback).toMatch(
      /^Passed 0 of 1 tests\.\nThe program failed to load: SyntaxError: /,
    )
  })

  it('names a bad argument', () => {
    expect(() => createTestRunnerScorer({ tests: 3 as never })).toThrow(/options\.tests/)
    expect(() => createTestRunnerScorer({ tests: new Map(), concurrency: 0 })).toThrow(
      /options\.concurrency/,
    )
    expect(() => createTestRunnerScorer({ tests: new Map(), testTimeoutMs: -1 })).toThrow(
      /options\.testTimeoutMs/,
    )
  })
})

describe('extractCode', () => {
  it('takes the first JavaScript block, else the first block, else the text', () => {
    expect(extractCode('a\n```python\nx = 1\n```\n```js\nconst y = 2\n```')).toBe('const y = 2\n')
    expect(extractCode('```\nconst z = 3\n```')).toBe('const z = 3\n')
    expect(extractCode('const w = 4')).toBe('const w = 4')
    expect(extractCode('```javascript\nconst cut = 1')).toBe('const cut = 1')
  })
})

describe('codeProblems', () => {
  it('has unique ids and entry points named in the signature and in every test', () => {
    expect(codeProblems.length).toBeGreaterThanOrEqual(20)
    expect(new Set(codeProblems.map((item) => item.id)).size).toBe(codeProblems.length)
    for (const item of codeProblems) {
      expect(item.signature.startsWith(`function ${item.entryPoint}(`)).toBe(true)
      for (const test of item.tests) expect(test).toContain(`${item.entryPoint}(`)
    }
  })

  it('every reference solution passes its tests, and a wrong program fails at least one', async () => {
    for (const item of codeProblems) {
      const right = await runJavaScriptTests({ code: item.solution, tests: item.tests })
      expect({
        id: item.id,
        passed: right.passed,
        error: right.tests.find((t) => !t.passed)?.error,
      }).toEqual({
        id: item.id,
        passed: item.tests.length,
        error: undefined,
      })
      const wrong = await runJavaScriptTests({
        code: `function ${item.entryPoint}() { return undefined }`,
        tests: item.tests,
      })
      expect(wrong.passed, item.id).toBeLessThan(item.tests.length)
    }
  })

  it('formats a prompt with the signature, the tests and the reply format', () => {
    const text = formatCodePrompt(problem)
    expect(text.split('\n')).toEqual([
      'Write a JavaScript function `function gcd(a, b)`. Return the greatest common divisor of the non-negative integers a and b (gcd(0, 0) is 0).',
      'Your code should pass these tests:',
      ...problem.tests,
      'Reply with the complete function in one ```javascript code block (no imports, no exports).',
    ])
    expect(formatCodePrompt(problem, { showTests: false })).not.toContain('assertEqual')
  })
})
