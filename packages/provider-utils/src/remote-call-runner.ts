// Runs the HTTP attempts of one remote model instance: a concurrency slot per attempt, retries
// with backoff (callWithRetry) and request counters, the same for every remote backend.
import { type ConcurrencyLimiter, createConcurrencyLimiter } from '@metagen/core'
import { type ClassifiedError, callWithRetry, type RetryPolicy } from './call-with-retry.js'

/** Request counters of one model instance. */
export interface RemoteCallStats {
  /** HTTP attempts started (retries included). */
  requests: number
  /** Retries made after a retryable failure. */
  retries: number
  /** Total time scheduled for waits before retries (retry-after or backoff), in milliseconds. */
  retryWaitMs: number
  /** HTTP attempts that failed (each retry of a failure counts again). */
  failedRequests: number
  /** Requests in flight now. */
  inFlight: number
  /** Most requests that were ever in flight at once. */
  peakInFlight: number
}

/** Options of {@link RemoteCallRunner}. */
export interface RemoteCallRunnerOptions {
  /** Maximum attempts in flight at once, an integer >= 1 (or Infinity). */
  concurrency: number
  /** Retry policy (see resolveRetryPolicy). */
  retry: RetryPolicy
  /** Maps a raw error to a metagen error and says whether to retry (e.g. classifyApiError). */
  classify: (error: unknown) => ClassifiedError
}

/** Sends the logical requests of one model instance and counts their HTTP attempts. */
export class RemoteCallRunner {
  private readonly limiter: ConcurrencyLimiter
  private readonly options: RemoteCallRunnerOptions
  private readonly counters = { requests: 0, retries: 0, failedRequests: 0, retryWaitMs: 0 }

  /** Throws InvalidArgumentError (argument `concurrency`) when the concurrency is not an integer >= 1. */
  constructor(options: RemoteCallRunnerOptions) {
    this.options = options
    this.limiter = createConcurrencyLimiter(options.concurrency)
  }

  /**
   * Runs one logical request: each attempt (`attempt(signal)`) waits for a free slot and holds
   * it until it settles; failures are classified and retried per the policy (the wait between
   * attempts holds no slot). Resolves with the first successful attempt's value; rejects with
   * the classified error, or AbortedError when `signal` aborts.
   */
  run<T>(
    attempt: (signal: AbortSignal | undefined) => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return callWithRetry(
      () =>
        this.limiter.run(async () => {
          this.counters.requests++
          try {
            return await attempt(signal)
          } catch (error) {
            this.counters.failedRequests++
            throw error
          }
        }, signal),
      {
        policy: this.options.retry,
        classify: this.options.classify,
        signal,
        onRetry: ({ delayMs }) => {
          this.counters.retries++
          this.counters.retryWaitMs += delayMs
        },
      },
    )
  }

  /** A snapshot of the counters. */
  stats(): RemoteCallStats {
    return { ...this.counters, inFlight: this.limiter.active, peakInFlight: this.limiter.peak }
  }
}
