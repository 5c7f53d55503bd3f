// The source of the worker thread that runs one candidate program against its tests. It is a
// string (run with `new Worker(source, { eval: true })`) so that no worker file has to be found
// next to the bundle. The candidate runs in a fresh V8 context (node:vm) that holds only the
// JavaScript builtins and a small harness: no require, process, import, Buffer, timers, fetch.

/**
 * The harness evaluated inside the sandbox context before the candidate. It captures the
 * builtins it needs first (so a candidate that overwrites `JSON` or `Object.is` does not
 * change how results are reported), defines `assert` / `assertEqual` and a console that
 * records its output, and deletes the builtins whose memory lives outside the V8 heap
 * (ArrayBuffer, typed arrays, WebAssembly, SharedArrayBuffer, Atomics): the heap limit of the
 * worker does not cover them.
 */
const harnessSource = String.raw`
(function (global) {
  'use strict'
  const stringify = JSON.stringify
  const objectIs = Object.is
  const isArray = Array.isArray
  const ownKeys = Object.keys
  const getPrototypeOf = Object.getPrototypeOf
  const defineProperty = Object.defineProperty
  const freeze = Object.freeze
  const toStringTag = Object.prototype.toString
  const hasOwn = Object.prototype.hasOwnProperty
  const ErrorClass = Error
  const MapClass = Map
  const SetClass = Set
  const DateClass = Date
  const maxLogChars = 4000
  const logs = []
  let logChars = 0

  function show(value, depth) {
    depth = depth || 0
    if (typeof value === 'string') return depth === 0 && value.length > 200 ? stringify(value.slice(0, 200)) + '...' : stringify(value)
    if (typeof value === 'number') return objectIs(value, -0) ? '-0' : String(value)
    if (typeof value === 'bigint') return String(value) + 'n'
    if (value === undefined || value === null || typeof value === 'boolean') return String(value)
    if (typeof value === 'symbol') return value.toString()
    if (typeof value === 'function') return '[Function ' + (value.name || 'anonymous') + ']'
    if (depth > 3) return isArray(value) ? '[...]' : '{...}'
    if (isArray(value)) {
      const items = value.slice(0, 20).map(function (item) { return show(item, depth + 1) })
      if (value.length > 20) items.push('... ' + (value.length - 20) + ' more')
      return '[' + items.join(', ') + ']'
    }
    if (value instanceof MapClass) return 'Map(' + show([...value.entries()], depth + 1) + ')'
    if (value instanceof SetClass) return 'Set(' + show([...value.values()], depth + 1) + ')'
    if (value instanceof DateClass) return 'Date(' + stringify(value.toISOString()) + ')'
    if (value instanceof ErrorClass) return value.name + ': ' + value.message
    const keys = ownKeys(value)
    const fields = keys.slice(0, 20).map(function (key) { return key + ': ' + show(value[key], depth + 1) })
    if (keys.length > 20) fields.push('...')
    return '{ ' + fields.join(', ') + ' }'
  }

  function deepEqual(actual, expected) {
    if (objectIs(actual, expected)) return true
    if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) return false
    if (getPrototypeOf(actual) !== getPrototypeOf(expected)) return false
    if (actual instanceof DateClass) return actual.getTime() === expected.getTime()
    if (actual instanceof MapClass || actual instanceof SetClass) {
      if (actual.size !== expected.size) return false
      return deepEqual([...actual.entries()], [...expected.entries()])
    }
    if (isArray(actual)) {
      if (actual.length !== expected.length) return false
      for (let index = 0; index < actual.length; index++) if (!deepEqual(actual[index], expected[index])) return false
      return true
    }
    if (toStringTag.call(actual) !== '[object Object]') return false
    const keys = ownKeys(actual)
    if (keys.length !== ownKeys(expected).length) return false
    for (const key of keys) {
      if (!hasOwn.call(expected, key)) return false
      if (!deepEqual(actual[key], expected[key])) return false
    }
    return true
  }

  class AssertionError extends ErrorClass {}
  defineProperty(AssertionError.prototype, 'name', { value: 'AssertionError' })

  function assert(condition, message) {
    if (!condition) throw new AssertionError(message === undefined ? 'assertion failed' : String(message))
  }

  function assertEqual(actual, expected, message) {
    if (!deepEqual(actual, expected)) {
      throw new AssertionError((message === undefined ? '' : String(message) + ': ') + 'expected ' + show(expected) + ', received ' + show(actual))
    }
  }

  function describe(error) {
    try {
      if (error instanceof ErrorClass) {
        const frame = typeof error.stack === 'string' ? /\(?(candidate\.js:\d+:\d+)\)?/.exec(error.stack) : null
        return error.name + ': ' + error.message + (frame ? ' (at ' + frame[1] + ')' : '')
      }
      return 'Uncaught ' + show(error)
    } catch (failure) {
      return 'Uncaught exception that could not be described'
    }
  }

  function check(body) {
    try {
      const returned = body(assert, assertEqual)
      if (returned !== null && typeof returned === 'object' && typeof returned.then === 'function') {
        return stringify({ passed: false, error: 'the test returned a promise: tests must be synchronous' })
      }
      return stringify({ passed: true })
    } catch (error) {
      return stringify({ passed: false, error: describe(error) })
    }
  }

  function record(level) {
    return function () {
      if (logChars >= maxLogChars) return
      const parts = []
      for (let index = 0; index < arguments.length; index++) {
        const argument = arguments[index]
        parts.push(typeof argument === 'string' ? argument : show(argument))
      }
      const line = (level === 'log' ? '' : level + ': ') + parts.join(' ')
      logs.push(line.slice(0, maxLogChars - logChars))
      logChars += line.length
    }
  }

  const consoleObject = freeze({
    log: record('log'), info: record('info'), debug: record('debug'),
    warn: record('warn'), error: record('error'),
  })
  defineProperty(global, 'console', { value: consoleObject, writable: true, configurable: true })
  defineProperty(global, '__metagenHarness', {
    value: freeze({ check: check, logs: function () { return stringify(logs) } }),
    writable: false, configurable: false, enumerable: false,
  })
  const offHeap = ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'ArrayBuffer', 'DataView',
    'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
    'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']
  for (const name of offHeap) delete global[name]
})(globalThis)
`

/**
 * The worker's program (CommonJS, run with `eval: true`). workerData: `{ code, tests,
 * testTimeoutMs }`. It posts `{ kind: 'loaded', error? }`, then `{ kind: 'test', index,
 * passed, error? }` per test (none when loading failed), then `{ kind: 'done', logs }`.
 */
export const sandboxWorkerSource = String.raw`
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const vm = require('node:vm')
const { code, tests, testTimeoutMs } = workerData
const harnessSource = ${JSON.stringify(harnessSource)}

// A null-prototype sandbox: property look-ups that miss the context's own global must not
// reach this thread's Object.prototype (and through it this thread's Function constructor).
const context = vm.createContext(Object.create(null), {
  name: 'metagen-sandbox',
  codeGeneration: { strings: false, wasm: false },
  microtaskMode: 'afterEvaluate',
})

function runScript(source, filename) {
  return new vm.Script(source, { filename }).runInContext(context, {
    timeout: testTimeoutMs,
    displayErrors: false,
    breakOnSigint: false,
  })
}

function describeHostError(error) {
  try {
    if (error && typeof error === 'object') {
      const name = typeof error.name === 'string' ? error.name : 'Error'
      const message = typeof error.message === 'string' ? error.message : String(error)
      if (/^Script execution timed out/.test(message)) {
        return 'TimeoutError: ran longer than ' + testTimeoutMs + ' ms and was stopped'
      }
      const stack = typeof error.stack === 'string' ? error.stack : ''
      const frame = /\(?(candidate\.js:\d+(?::\d+)?)\)?/.exec(stack)
      return name + ': ' + message + (frame ? ' (at ' + frame[1] + ')' : '')
    }
    return 'Uncaught ' + String(error)
  } catch (failure) {
    return 'Uncaught exception that could not be described'
  }
}

runScript(harnessSource, 'metagen-harness.js')
let loadError
try {
  runScript(code, 'candidate.js')
} catch (error) {
  loadError = describeHostError(error)
}
parentPort.postMessage(loadError === undefined ? { kind: 'loaded' } : { kind: 'loaded', error: loadError })
if (loadError === undefined) {
  for (let index = 0; index < tests.length; index++) {
    let outcome
    try {
      const reported = runScript(
        '__metagenHarness.check(function (assert, assertEqual) {\n' + tests[index] + '\n})',
        'test-' + (index + 1) + '.js',
      )
      outcome = typeof reported === 'string' ? JSON.parse(reported) : { passed: false, error: 'the harness was tampered with' }
    } catch (error) {
      outcome = { passed: false, error: describeHostError(error) }
    }
    parentPort.postMessage({
      kind: 'test',
      index,
      passed: outcome.passed === true,
      ...(outcome.passed === true ? {} : { error: String(outcome.error) }),
    })
  }
}
let logs = []
try {
  const reported = runScript('__metagenHarness.logs()', 'metagen-logs.js')
  if (typeof reported === 'string') logs = JSON.parse(reported)
} catch (error) {}
parentPort.postMessage({ kind: 'done', logs })
`
