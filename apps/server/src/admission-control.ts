// Admission control: a global bound on the work in flight (sample-tokens: samples x max tokens),
// a bounded FIFO queue in front of it, and 429 with Retry-After beyond that, so that a burst of
// requests slows answers down instead of exhausting memory.
import { HttpError } from './http-error.js'

/** Options of {@link createAdmissionControl}. */
export interface AdmissionControlOptions {
  /** Work units (sample-tokens) allowed in flight at once, an integer >= 1. */
  maxInFlightWork: number
  /** Requests allowed to wait for room, an integer >= 0; one more gets 429. */
  maxQueued: number
  /** Seconds suggested in `Retry-After` of a 429 (an integer >= 1). */
  retryAfterSeconds: number
}

/** A granted admission: call `release()` once when the work is done (idempotent). */
export interface Admission {
  release(): void
  /** Milliseconds spent waiting in the queue. */
  readonly queuedMs: number
}

/** The admission controller of one server. */
export interface AdmissionControl {
  /**
   * Waits for room for `work` units. Resolves at once when it fits and nobody waits ahead;
   * otherwise queues (first in, first out). Rejects with a 429 HttpError (with `retryAfter`)
   * when the queue is full, or when `signal` aborts while queued (its reason is the rejection).
   * `work` above `maxInFlightWork` is a caller error (check it first with a 400).
   */
  acquire(work: number, signal: AbortSignal): Promise<Admission>
  /** Work units in flight now. */
  readonly inFlightWork: number
  /** Requests running now. */
  readonly inFlightRequests: number
  /** Requests waiting now. */
  readonly queued: number
  /** Resolves when nothing is in flight or queued. */
  idle(): Promise<void>
}

interface Waiter {
  work: number
  resolve: (admission: Admission) => void
  reject: (reason: unknown) => void
  enqueuedAt: number
  cleanup: () => void
}

/** Creates an admission controller. */
export function createAdmissionControl(options: AdmissionControlOptions): AdmissionControl {
  let inFlightWork = 0
  let inFlightRequests = 0
  const queue: Waiter[] = []
  let idleWaiters: Array<() => void> = []

  const checkIdle = () => {
    if (inFlightRequests === 0 && queue.length === 0) {
      const waiters = idleWaiters
      idleWaiters = []
      for (const resolve of waiters) resolve()
    }
  }

  const grant = (work: number, enqueuedAt: number): Admission => {
    inFlightWork += work
    inFlightRequests++
    let released = false
    return {
      queuedMs: Date.now() - enqueuedAt,
      release() {
        if (released) return
        released = true
        inFlightWork -= work
        inFlightRequests--
        drain()
        checkIdle()
      },
    }
  }

  const drain = () => {
    while (queue.length > 0) {
      const next = queue[0] as Waiter
      if (inFlightWork + next.work > options.maxInFlightWork && inFlightRequests > 0) return
      queue.shift()
      next.cleanup()
      next.resolve(grant(next.work, next.enqueuedAt))
    }
  }

  return {
    acquire(work, signal) {
      const now = Date.now()
      if (
        queue.length === 0 &&
        (inFlightWork + work <= options.maxInFlightWork || inFlightRequests === 0)
      ) {
        return Promise.resolve(grant(work, now))
      }
      if (queue.length >= options.maxQueued) {
        return Promise.reject(tooManyRequests(options.retryAfterSeconds))
      }
      return new Promise<Admission>((resolve, reject) => {
        const waiter: Waiter = {
          work,
          resolve,
          reject,
          enqueuedAt: now,
          cleanup: () => signal.removeEventListener('abort', onAbort),
        }
        const onAbort = () => {
          const index = queue.indexOf(waiter)
          if (index >= 0) queue.splice(index, 1)
          waiter.cleanup()
          reject(signal.reason)
          drain()
          checkIdle()
        }
        if (signal.aborted) {
          reject(signal.reason)
          return
        }
        signal.addEventListener('abort', onAbort, { once: true })
        queue.push(waiter)
      })
    },
    get inFlightWork() {
      return inFlightWork
    },
    get inFlightRequests() {
      return inFlightRequests
    },
    get queued() {
      return queue.length
    },
    idle() {
      if (inFlightRequests === 0 && queue.length === 0) return Promise.resolve()
      return new Promise((resolve) => idleWaiters.push(resolve))
    },
  }
}

/** The 429 of a full queue, OpenAI-shaped (`rate_limit_exceeded`), with `Retry-After`. */
export function tooManyRequests(retryAfterSeconds: number): HttpError {
  return new HttpError({
    status: 429,
    message: `The server is busy: too many requests in flight and queued. Retry after ${retryAfterSeconds} s.`,
    code: 'rate_limit_exceeded',
    type: 'rate_limit_error',
    headers: { 'retry-after': String(retryAfterSeconds) },
  })
}
