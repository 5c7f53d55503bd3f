import { AbortedError, ApiCallError, InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { RemoteCallRunner } from './remote-call-runner.js'

const classify = (error: unknown) => ({
  error: error as Error,
  retryable: error instanceof ApiCallError && error.isRetryable,
  retryAfterMs: 1,
})
const retry = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1000 }

describe('RemoteCallRunner', () => {
  it('holds at most `concurrency` attempts in flight and counts them', async () => {
    const runner = new RemoteCallRunner({ concurrency: 2, retry, classify })
    let running = 0
    let most = 0
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((value) =>
        runner.run(async () => {
          running++
          most = Math.max(most, running)
          await new Promise((resolve) => setTimeout(resolve, 5))
          running--
          return value * 10
        }, undefined),
      ),
    )
    expect(results).toEqual([10, 20, 30, 40, 50])
    expect(most).toBe(2)
    expect(runner.stats()).toEqual({
      requests: 5,
      retries: 0,
      retryWaitMs: 0,
      failedRequests: 0,
      inFlight: 0,
      peakInFlight: 2,
    })
  })

  it('retries retryable failures, counting failed attempts, retries and waits', async () => {
    const runner = new RemoteCallRunner({ concurrency: 4, retry, classify })
    let attempts = 0
    const value = await runner.run(async () => {
      attempts++
      if (attempts < 3) throw new ApiCallError({ message: 'busy', isRetryable: true })
      return 'ok'
    }, undefined)
    expect(value).toBe('ok')
    expect(runner.stats()).toMatchObject({
      requests: 3,
      failedRequests: 2,
      retries: 2,
      retryWaitMs: 2,
    })
  })

  it('gives up at once on a non-retryable failure', async () => {
    const runner = new RemoteCallRunner({ concurrency: 1, retry, classify })
    const failure = new ApiCallError({ message: 'bad', isRetryable: false })
    await expect(
      runner.run(async () => {
        throw failure
      }, undefined),
    ).rejects.toBe(failure)
    expect(runner.stats()).toMatchObject({ requests: 1, failedRequests: 1, retries: 0 })
  })

  it('passes the signal to attempts and rejects with AbortedError when it aborts', async () => {
    const runner = new RemoteCallRunner({ concurrency: 1, retry, classify })
    const controller = new AbortController()
    const seen: Array<AbortSignal | undefined> = []
    const pending = runner.run(
      (signal) =>
        new Promise((_, reject) => {
          seen.push(signal)
          signal?.addEventListener('abort', () => reject(new AbortedError()))
        }),
      controller.signal,
    )
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortedError)
    expect(seen).toEqual([controller.signal])
  })

  it('rejects a concurrency that is not an integer >= 1', () => {
    expect(() => new RemoteCallRunner({ concurrency: 0, retry, classify })).toThrow(
      InvalidArgumentError,
    )
  })
})
