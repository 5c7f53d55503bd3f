// Runs one candidate JavaScript program against its tests in a worker thread, with a wall-clock
// limit (the worker is terminated), a heap limit (the worker's resourceLimits) and no Node APIs
// (a fresh node:vm context). Whatever the candidate does, the caller gets a result back.
import { Worker } from 'node:worker_threads'
import { AbortedError, assertInteger, InvalidArgumentError, throwIfAborted } from '@metagen/core'
import { sandboxWorkerSource } from './sandbox-worker-source.js'

/** Limits of one sandboxed run. */
export interface SandboxLimits {
  /**
   * Wall-clock limit of the whole run (the program and every test) in milliseconds, counted
   * from the moment the worker is up; the worker is terminated when it runs out. An integer
   * >= 1 (default 5000).
   */
  timeoutMs?: number
  /**
   * Limit of the program's top level and of each test in milliseconds (node:vm `timeout`, which
   * interrupts synchronous loops and microtasks); a test that exceeds it fails and the next
   * test runs. An integer >= 1 (default 1000).
   */
  testTimeoutMs?: number
  /** V8 old-generation heap limit of the worker in MB, an integer >= 8 (default 64). */
  memoryLimitMb?: number
}

/** Options of {@link runJavaScriptTests}. */
export interface RunJavaScriptTestsOptions extends SandboxLimits {
  /** The candidate program (plain JavaScript, script syntax: no `import` / `export`). */
  code: string
  /**
   * The tests: each a synchronous JavaScript statement list run after the program, with
   * `assert(condition, message?)` and `assertEqual(actual, expected, message?)` (deep
   * equality) in scope; a test passes when it returns without throwing.
   */
  tests: readonly string[]
  /** Cancels the run (the worker is terminated, the promise rejects with AbortedError). */
  signal?: AbortSignal
}

/** The outcome of one test. */
export interface TestOutcome {
  /** The test's source. */
  test: string
  /** True when it ran without throwing. */
  passed: boolean
  /** Why it failed: the thrown error (`AssertionError: expected 5, received 6`), a time limit, ... */
  error?: string
}

/** How a sandboxed run ended. */
export type TestRunStatus =
  /** The program loaded and every test ran (each passed or failed). */
  | 'completed'
  /** The program did not load (syntax error, or its top level threw): no test ran. */
  | 'load-error'
  /** The wall-clock limit ran out: the worker was terminated; tests not reached failed. */
  | 'timeout'
  /** The heap limit was reached: the worker was terminated; tests not reached failed. */
  | 'memory-limit'
  /** The worker died otherwise (the message is in `error`). */
  | 'crashed'

/** The outcome of {@link runJavaScriptTests}. */
export interface TestRunResult {
  /** Tests that passed. */
  passed: number
  /** Tests in total. */
  total: number
  /** One outcome per test, in order. */
  tests: TestOutcome[]
  /** How the run ended. */
  status: TestRunStatus
  /** What went wrong with the program as a whole (every status but `completed`). */
  error?: string
  /** What the program printed with `console.*` (at most 4000 characters), when it finished. */
  logs: string[]
}

const defaults = { timeoutMs: 5000, testTimeoutMs: 1000, memoryLimitMb: 64 }

/** Validates {@link SandboxLimits}, naming `prefix.field` in the error. */
export function validateSandboxLimits(limits: SandboxLimits, prefix = 'options'): void {
  if (limits.timeoutMs !== undefined) assertInteger(`${prefix}.timeoutMs`, limits.timeoutMs, 1)
  if (limits.testTimeoutMs !== undefined) {
    assertInteger(`${prefix}.testTimeoutMs`, limits.testTimeoutMs, 1)
  }
  if (limits.memoryLimitMb !== undefined) {
    assertInteger(`${prefix}.memoryLimitMb`, limits.memoryLimitMb, 8)
  }
}

/**
 * Runs `code` and then each of `tests` in a fresh worker thread and a fresh V8 context, and
 * reports which tests passed. Never rejects because of the candidate: a syntax error, a throw,
 * an endless loop, unbounded allocation or an attempt to use `require`, `process`, `import()`
 * or the file system yields a result with a failing status and a message. Rejects only for
 * bad options ({@link InvalidArgumentError}) and cancellation ({@link AbortedError}).
 *
 * Isolation, honestly: the program runs in a node:vm context with only the ECMAScript builtins
 * and the test harness (no Node API is reachable from it, code generation from strings and
 * WebAssembly are off, and the builtins whose memory lies outside the V8 heap are removed), in
 * a worker whose heap is capped and which is terminated at the wall-clock limit. node:vm is
 * not a security boundary against a determined attacker (a V8 bug breaks it) and Node 20's
 * permission model cannot be applied to a worker; run untrusted code from the internet in an
 * operating-system sandbox (container, seccomp) as well.
 */
export async function runJavaScriptTests(
  options: RunJavaScriptTestsOptions,
): Promise<TestRunResult> {
  if (!options || typeof options.code !== 'string') {
    throw new InvalidArgumentError({
      argument: 'options.code',
      expected: 'a string of JavaScript',
      received: options?.code,
    })
  }
  if (!Array.isArray(options.tests) || options.tests.some((test) => typeof test !== 'string')) {
    throw new InvalidArgumentError({
      argument: 'options.tests',
      expected: 'an array of strings (JavaScript test statements)',
      received: options.tests,
    })
  }
  validateSandboxLimits(options)
  throwIfAborted(options.signal)
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs
  const testTimeoutMs = options.testTimeoutMs ?? defaults.testTimeoutMs
  const memoryLimitMb = options.memoryLimitMb ?? defaults.memoryLimitMb
  const tests = [...options.tests]
  const signal = options.signal

  return new Promise<TestRunResult>((resolve, reject) => {
    const outcomes: Array<TestOutcome | undefined> = new Array(tests.length)
    let loadError: string | undefined
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const worker = new Worker(sandboxWorkerSource, {
      eval: true,
      workerData: { code: options.code, tests, testTimeoutMs },
      resourceLimits: {
        maxOldGenerationSizeMb: memoryLimitMb,
        maxYoungGenerationSizeMb: Math.max(1, Math.min(16, Math.floor(memoryLimitMb / 4))),
        codeRangeSizeMb: 16,
        stackSizeMb: 4,
      },
      env: {},
      argv: [],
      execArgv: [],
      stdout: true,
      stderr: true,
    })
    worker.stdout.resume()
    worker.stderr.resume()

    const finish = (status: TestRunStatus, error?: string, logs: string[] = []) => {
      if (settled) return
      settled = true
      cleanup()
      const reason = error ?? loadError
      const results = tests.map(
        (test, index): TestOutcome =>
          outcomes[index] ?? {
            test,
            passed: false,
            error:
              status === 'load-error'
                ? `not run: the program failed to load (${reason})`
                : `not run: ${reason ?? 'the run ended before this test'}`,
          },
      )
      resolve({
        passed: results.filter((outcome) => outcome.passed).length,
        total: tests.length,
        tests: results,
        status,
        ...(reason !== undefined && status !== 'completed' ? { error: reason } : {}),
        logs,
      })
    }
    const onAbort = () => {
      if (settled) return
      settled = true
      cleanup()
      reject(new AbortedError(undefined, { cause: signal?.reason }))
    }
    const cleanup = () => {
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      void worker.terminate()
    }
    signal?.addEventListener('abort', onAbort, { once: true })

    worker.on('online', () => {
      timer = setTimeout(
        () =>
          finish(
            'timeout',
            `TimeoutError: the program ran longer than ${timeoutMs} ms in total and was stopped`,
          ),
        timeoutMs,
      )
    })
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'loaded') {
        loadError = message.error
      } else if (message.kind === 'test') {
        const test = tests[message.index] as string
        outcomes[message.index] = message.passed
          ? { test, passed: true }
          : { test, passed: false, error: message.error ?? 'failed' }
      } else if (message.kind === 'done') {
        finish(loadError === undefined ? 'completed' : 'load-error', undefined, message.logs)
      }
    })
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        finish(
          'memory-limit',
          `RangeError: the program exceeded the memory limit of ${memoryLimitMb} MB and was stopped`,
        )
      } else {
        finish('crashed', `the sandbox worker failed: ${error.name}: ${error.message}`)
      }
    })
    worker.on('exit', (code) => {
      finish('crashed', `the sandbox worker exited unexpectedly (exit code ${code})`)
    })
  })
}

type WorkerMessage =
  | { kind: 'loaded'; error?: string }
  | { kind: 'test'; index: number; passed: boolean; error?: string }
  | { kind: 'done'; logs: string[] }
