import { describe, expect, it } from 'vitest'
import { createAdmissionControl } from './admission-control.js'
import { HttpError } from './http-error.js'

describe('createAdmissionControl', () => {
  it('admits up to the work bound, queues in order, then answers 429 with Retry-After', async () => {
    const control = createAdmissionControl({
      maxInFlightWork: 10,
      maxQueued: 2,
      retryAfterSeconds: 4,
    })
    const signal = new AbortController().signal
    const first = await control.acquire(6, signal)
    const second = await control.acquire(4, signal)
    expect(control.inFlightWork).toBe(10)
    const order: string[] = []
    const third = control.acquire(5, signal).then((admission) => {
      order.push('third')
      return admission
    })
    const fourth = control.acquire(1, signal).then((admission) => {
      order.push('fourth')
      return admission
    })
    expect(control.queued).toBe(2)
    const rejected = await control.acquire(1, signal).catch((error: unknown) => error)
    expect(rejected).toBeInstanceOf(HttpError)
    expect((rejected as HttpError).status).toBe(429)
    expect((rejected as HttpError).headers['retry-after']).toBe('4')
    first.release()
    first.release()
    // 4 in flight: the third (5) fits, then the fourth (1).
    const admitted = await third
    const last = await fourth
    expect(control.inFlightWork).toBe(10)
    second.release()
    last.release()
    admitted.release()
    expect(order).toEqual(['third', 'fourth'])
    expect(control.inFlightWork).toBe(0)
    await control.idle()
  })

  it('drops a queued request whose signal aborts', async () => {
    const control = createAdmissionControl({
      maxInFlightWork: 1,
      maxQueued: 4,
      retryAfterSeconds: 1,
    })
    const running = await control.acquire(1, new AbortController().signal)
    const abort = new AbortController()
    const queued = control.acquire(1, abort.signal)
    abort.abort(new Error('client gone'))
    await expect(queued).rejects.toThrow('client gone')
    expect(control.queued).toBe(0)
    running.release()
    expect(control.inFlightRequests).toBe(0)
  })
})
