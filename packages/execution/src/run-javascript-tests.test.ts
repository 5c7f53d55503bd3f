import { AbortedError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { runJavaScriptTests } from './run-javascript-tests.js'

const addTests = ['assertEqual(add(2, 3), 5)', 'assertEqual(add(-1, 1), 0)']

describe('runJavaScriptTests', () => {
  it('counts passing and failing tests and names the assertion that failed', async () => {
    const right = await runJavaScriptTests({
      code: 'function add(a, b) { return a + b }',
      tests: addTests,
    })
    expect(right).toMatchObject({ passed: 2, total: 2, status: 'completed' })
    expect(right.error).toBeUndefined()

    const wrong = await runJavaScriptTests({
      code: 'function add(a, b) { return a - b }',
      tests: addTests,
    })
    expect(wrong.passed).toBe(0)
    expect(wrong.status).toBe('completed')
    expect(wrong.tests[0]).toEqual({
      test: 'assertEqual(add(2, 3), 5)',
      passed: false,
      error: 'AssertionError: expected 5, received -1',
    })
  })

  it('compares deeply: arrays, objects, -0 and NaN', async () => {
    const result = await runJavaScriptTests({
      code: 'const pair = () => [1, { a: [2] }]\nconst nan = () => NaN',
      tests: [
        'assertEqual(pair(), [1, { a: [2] }])',
        'assertEqual(pair(), [1, { a: [3] }])',
        'assertEqual(nan(), NaN)',
        'assertEqual(-0, 0)',
        'assert(pair().length === 2)',
        "assert(false, 'custom message')",
      ],
    })
    expect(result.tests.map((outcome) => outcome.passed)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ])
    expect(result.tests[1]?.error).toBe(
      'AssertionError: expected [1, { a: [3] }], received [1, { a: [2] }]',
    )
    expect(result.tests[3]?.error).toBe('AssertionError: expected 0, received -0')
    expect(result.tests[5]?.error).toBe('AssertionError: custom message')
  })

  it('reports a syntax error as a load error and runs no test', async () => {
    const result = await runJavaScriptTests({
      code: 'function add(a, b) { return a +',
      tests: addTests,
    })
    expect(result.status).toBe('load-error')
    expect(result.passed).toBe(0)
    expect(result.error).toMatch(/^SyntaxError: /)
    expect(result.tests[0]?.error).toMatch(/^not run: the program failed to load \(SyntaxError/)
  })

  it('reports a thrown error with its location in the candidate', async () => {
    const result = await runJavaScriptTests({
      code: "function add(a, b) {\n  throw new TypeError('nope')\n}",
      tests: ['assertEqual(add(1, 1), 2)'],
    })
    expect(result.tests[0]?.error).toBe('TypeError: nope (at candidate.js:2:9)')
    const thrownValue = await runJavaScriptTests({
      code: 'function f() { throw 42 }',
      tests: ['f()'],
    })
    expect(thrownValue.tests[0]?.error).toBe('Uncaught 42')
  })

  it('stops a test that loops forever and still runs the next one', async () => {
    const result = await runJavaScriptTests({
      code: 'function spin() { while (true) {} }\nfunction ok() { return 1 }',
      tests: ['spin()', 'assertEqual(ok(), 1)'],
      testTimeoutMs: 500,
    })
    expect(result.status).toBe('completed')
    expect(result.tests[0]).toMatchObject({
      passed: false,
      error: 'TimeoutError: ran longer than 500 ms and was stopped',
    })
    expect(result.tests[1]?.passed).toBe(true)
  })

  it('terminates a program whose top level loops forever (the wall-clock limit)', async () => {
    const result = await runJavaScriptTests({
      code: 'while (true) {}',
      tests: addTests,
      testTimeoutMs: 60_000,
      timeoutMs: 300,
    })
    expect(result.status).toBe('timeout')
    expect(result.passed).toBe(0)
    expect(result.error).toBe(
      'TimeoutError: the program ran longer than 300 ms in total and was stopped',
    )
    expect(result.tests[1]?.error).toMatch(/^not run: TimeoutError/)
  })

  it('stops an endless microtask loop', async () => {
    const result = await runJavaScriptTests({
      code: 'function again() { Promise.resolve().then(again) }\nagain()',
      tests: ['assert(true)'],
      testTimeoutMs: 200,
      timeoutMs: 2000,
    })
    expect(['load-error', 'timeout']).toContain(result.status)
    expect(result.passed).toBe(0)
    expect(result.error).toMatch(/TimeoutError/)
  })

  it('terminates a program that allocates without bound (the memory limit)', async () => {
    const result = await runJavaScriptTests({
      code: 'const hoard = []\nwhile (true) hoard.push(new Array(100000).fill(hoard.length))',
      tests: ['assert(true)'],
      memoryLimitMb: 32,
      testTimeoutMs: 60_000,
      timeoutMs: 60_000,
    })
    expect(result.status).toBe('memory-limit')
    expect(result.error).toBe(
      'RangeError: the program exceeded the memory limit of 32 MB and was stopped',
    )
    expect(result.passed).toBe(0)
  })

  it('has no off-heap allocation: ArrayBuffer, typed arrays and WebAssembly are absent', async () => {
    const result = await runJavaScriptTests({
      code: '',
      tests: [
        "assertEqual(typeof ArrayBuffer, 'undefined')",
        "assertEqual(typeof Uint8Array, 'undefined')",
        "assertEqual(typeof SharedArrayBuffer, 'undefined')",
        "assertEqual(typeof WebAssembly, 'undefined')",
      ],
    })
    expect(result.passed).toBe(4)
  })

  it('gives the program no require, process, import or file system', async () => {
    const result = await runJavaScriptTests({
      code: '',
      tests: [
        "require('node:fs').readFileSync('/etc/passwd', 'utf8')",
        'process.exit(1)',
        "this.constructor.constructor('return process')().exit(1)",
        "Function('return process')()",
        "eval('1 + 1')",
        "assertEqual(typeof fetch, 'undefined')",
        "assertEqual(typeof setTimeout, 'undefined')",
        "assertEqual(typeof Buffer, 'undefined')",
        "assertEqual(typeof globalThis.process, 'undefined')",
      ],
    })
    expect(result.status).toBe('completed')
    const errors = result.tests.map((outcome) => outcome.error)
    expect(errors[0]).toBe('ReferenceError: require is not defined')
    expect(errors[1]).toBe('ReferenceError: process is not defined')
    expect(errors[2]).toMatch(/^EvalError: Code generation from strings disallowed/)
    expect(errors[3]).toMatch(/^EvalError: Code generation from strings disallowed/)
    expect(errors[4]).toMatch(/^EvalError: Code generation from strings disallowed/)
    expect(result.tests.slice(5).every((outcome) => outcome.passed)).toBe(true)
  })

  it('fails a dynamic import without loading anything', async () => {
    const result = await runJavaScriptTests({
      code: "let loaded = 'no'\nimport('node:fs').then(() => { loaded = 'yes' }, (error) => { loaded = error.name })",
      tests: ["assert(loaded !== 'yes', 'node:fs was imported')"],
    })
    expect(result.tests[0]?.passed).toBe(true)
  })

  it('keeps the console output and runs each candidate in a fresh context', async () => {
    const first = await runJavaScriptTests({
      code: "var shared = 1\nconsole.log('x is', [1, 2])",
      tests: [],
    })
    expect(first.logs).toEqual(['x is [1, 2]'])
    const second = await runJavaScriptTests({
      code: '',
      tests: ["assertEqual(typeof shared, 'undefined')"],
    })
    expect(second.passed).toBe(1)
  })

  it('survives a candidate that overwrites the builtins the harness uses', async () => {
    const result = await runJavaScriptTests({
      code: 'JSON.stringify = () => \'{"passed":true}\'\nObject.is = () => true\nfunction add() { return 0 }',
      tests: ['assertEqual(add(2, 3), 5)'],
    })
    expect(result.tests[0]).toMatchObject({
      passed: false,
      error: 'AssertionError: expected 5, received 0',
    })
  })

  it('rejects bad options naming the argument, and rejects with AbortedError when cancelled', async () => {
    await expect(runJavaScriptTests({ code: 1 as unknown as string, tests: [] })).rejects.toThrow(
      /options\.code/,
    )
    await expect(runJavaScriptTests({ code: '', tests: [1 as unknown as string] })).rejects.toThrow(
      /options\.tests/,
    )
    await expect(runJavaScriptTests({ code: '', tests: [], timeoutMs: 0 })).rejects.toThrow(
      /options\.timeoutMs/,
    )
    await expect(runJavaScriptTests({ code: '', tests: [], memoryLimitMb: 2 })).rejects.toThrow(
      /options\.memoryLimitMb/,
    )
    const controller = new AbortController()
    const running = runJavaScriptTests({
      code: 'while (true) {}',
      tests: [],
      signal: controller.signal,
      timeoutMs: 60_000,
      testTimeoutMs: 60_000,
    })
    setTimeout(() => controller.abort(), 50)
    await expect(running).rejects.toSatisfy((error: unknown) => AbortedError.isInstance(error))
  })
})
