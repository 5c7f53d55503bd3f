// A counting semaphore: at most `limit` tasks in flight, FIFO order, cancellable while waiting.
import { AbortedError } from './errors.js'
import { assertInteger } from './validate.js'

/** Limits how many tasks run at once. */
export interface ConcurrencyLimiter {
  /** The maximum number of tasks in flight. */
  readonly limit: number
  /** Tasks running now. */
  readonly active: number
  /** Highest number of tasks that were ever running at once. */
  readonly peak: number
  /**
   * Runs `task` when a slot is free (FIFO). A task waiting for a slot rejects with
   * {@link AbortedError} when `signal` aborts; a running task is not interrupted by the limiter.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>
}

/** Creates a limiter that allows `limit` (an integer >= 1, or Infinity) tasks at once. */
export function createConcurrencyLimiter(limit: number): ConcurrencyLimiter {
  if (limit !== Number.POSITIVE_INFINITY) assertInteger('concurrency', limit, 1)
  let active = 0
  let peak = 0
  const waiting: Array<{ start: () => void; cancel: (reason: unknown) => void }> = []

  const release = () => {
    active--
    const next = waiting.shift()
    if (next) next.start()
  }

  return {
    limit,
    get active() {
      return active
    },
    get peak() {
      return peak
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted)
        return Promise.reject(new AbortedError(undefined, { cause: signal.reason }))
      return new Promise<T>((resolve, reject) => {
        const start = () => {
          signal?.removeEventListener('abort', onAbort)
          active++
          peak = Math.max(peak, active)
          let promise: Promise<T>
          try {
            promise = task()
          } catch (error) {
            promise = Promise.reject(error)
          }
          promise.then(resolve, reject).finally(release)
        }
        const entry = { start, cancel: reject }
        const onAbort = () => {
          const index = waiting.indexOf(entry)
          if (index >= 0) waiting.splice(index, 1)
          reject(new AbortedError(undefined, { cause: signal?.reason }))
        }
        if (active < limit) {
          start()
        } else {
          waiting.push(entry)
          signal?.addEventListener('abort', onAbort, { once: true })
        }
      })
    },
  }
}
