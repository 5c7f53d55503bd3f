import { AbortedError, ApiCallError, compact } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { callWithRetry, parseRetryAfter, resolveRetryPolicy } from './call-with-retry.js'

const retryable = (retryAfterMs?: number) => (error: unknown) => ({
  error: error as Error,
  retryable: true,
  ...compact({ retryAfterMs }),
})

describe('callWithRetry', () => {
  it('retries up to maxRetries with exponential backoff and reports each retry', async () => {
    const delays: number[] = []
    let attempts = 0
    const error = await callWithRetry(
      async () => {
        attempts++
        throw new ApiCallError({ message: 'down', isRetryable: true })
      },
      {
        policy: resolveRetryPolicy({ maxRetries: 3, initialDelayMs: 4, maxDelayMs: 10 }),
        classify: retryable(),
        onRetry: ({ delayMs }) => delays.push(delayMs),
      },
    ).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiCallError)
    expect(attempts).toBe(4)
    expect(delays).toHaveLength(3)
    // 4, 8, then capped at 10; each scaled by a jitter factor in [0.75, 1]
    const bases = [4, 8, 10]
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual((bases[index] ?? 0) * 0.75)
      expect(delay).toBeLessThanOrEqual(bases[index] ?? 0)
    })
  })

  it('uses the retry-after delay when given', async () => {
    const delays: number[] = []
    let attempts = 0
    const value = await callWithRetry(
      async () => {
        if (attempts++ === 0) throw new Error('limited')
        return 'ok'
      },
      {
        policy: resolveRetryPolicy({}),
        classify: retryable(7),
        onRetry: ({ delayMs }) => delays.push(delayMs),
      },
    )
    expect(value).toBe('ok')
    expect(delays).toEqual([7])
  })

  it('does not retry non-retryable errors', async () => {
    let attempts = 0
    await expect(
      callWithRetry(
        async () => {
          attempts++
          throw new Error('bad request')
        },
        {
          policy: resolveRetryPolicy({}),
          classify: (error) => ({ error: error as Error, retryable: false }),
        },
      ),
    ).rejects.toThrow('bad request')
    expect(attempts).toBe(1)
  })

  it('an abort during the backoff wait rejects with AbortedError', async () => {
    const controller = new AbortController()
    const pending = callWithRetry(
      async () => {
        throw new Error('down')
      },
      {
        policy: resolveRetryPolicy({ initialDelayMs: 10_000 }),
        classify: retryable(),
        signal: controller.signal,
      },
    )
    setTimeout(() => controller.abort(), 20)
    await expect(pending).rejects.toBeInstanceOf(AbortedError)
  })
})

describe('parseRetryAfter', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250' }))).toBe(250)
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000)
    const date = new Date(Date.now() + 5000).toUTCString()
    const fromDate = parseRetryAfter(new Headers({ 'retry-after': date })) ?? 0
    expect(fromDate).toBeGreaterThan(3000)
    expect(fromDate).toBeLessThanOrEqual(5000)
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined()
    expect(parseRetryAfter(new Headers())).toBeUndefined()
    expect(parseRetryAfter(undefined)).toBeUndefined()
  })
})
