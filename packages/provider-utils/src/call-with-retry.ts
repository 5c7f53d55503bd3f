// Retries one remote call with exponential backoff, honouring the server's retry-after, so that
// rate limits and transient server errors do not lose samples. The SDK's own retries are off.
import { AbortedError, assertInteger, assertNumberInRange } from '@metagen/core'

/** What {@link callWithRetry} needs to know about a failure. */
export interface ClassifiedError {
  /** The error to throw when no retry is left (already mapped to a metagen error). */
  error: Error
  /** True when the same request may succeed later (429, 408, 409, 5xx, timeouts, dropped connections). */
  retryable: boolean
  /** Delay the server asked for (retry-after-ms / retry-after), in milliseconds. */
  retryAfterMs?: number
}

/** Retry policy. */
export interface RetryPolicy {
  /** Retries after the first attempt, an integer >= 0 (default 2). */
  maxRetries: number
  /** Backoff before the first retry when the server sends no retry-after, in ms (default 500); doubles each retry. */
  initialDelayMs: number
  /** Upper bound of the computed backoff, in ms (default 8000). Does not cap a server's retry-after. */
  maxDelayMs: number
  /** A server retry-after longer than this (ms, default 60000) fails the call instead of waiting. */
  maxRetryAfterMs: number
}

/** The default retry policy: 2 retries, 0.5 s doubling up to 8 s, retry-after honoured up to 60 s. */
export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
}

/** Validates a partial retry policy and fills in the defaults. */
export function resolveRetryPolicy(policy: Partial<RetryPolicy> | undefined): RetryPolicy {
  const resolved = { ...defaultRetryPolicy, ...policy }
  assertInteger('retry.maxRetries', resolved.maxRetries, 0)
  assertNumberInRange('retry.initialDelayMs', resolved.initialDelayMs, { min: 0 })
  assertNumberInRange('retry.maxDelayMs', resolved.maxDelayMs, { min: 0 })
  assertNumberInRange('retry.maxRetryAfterMs', resolved.maxRetryAfterMs, { min: 0 })
  return resolved
}

/** Options of {@link callWithRetry}. */
export interface CallWithRetryOptions {
  policy: RetryPolicy
  /** Maps a raw error (SDK or network) to a metagen error and says whether to retry. */
  classify: (error: unknown) => ClassifiedError
  /** Cancels the call, including a backoff wait. */
  signal?: AbortSignal | undefined
  /** Called before each retry wait (for counting and logging). */
  onRetry?: (information: { retry: number; delayMs: number; error: Error }) => void
}

/**
 * Runs `task(attempt)` (attempt 0, 1, ...) until it succeeds, a non-retryable error occurs, or
 * `policy.maxRetries` retries are spent; then throws the classified error. The wait before retry
 * k (1-based) is the server's retry-after when given, else
 * `min(initialDelayMs * 2^(k-1), maxDelayMs)` scaled by a jitter factor in [0.75, 1].
 */
export async function callWithRetry<T>(
  task: (attempt: number) => Promise<T>,
  options: CallWithRetryOptions,
): Promise<T> {
  const { policy } = options
  for (let attempt = 0; ; attempt++) {
    try {
      return await task(attempt)
    } catch (rawError) {
      const classified = options.classify(rawError)
      if (options.signal?.aborted) {
        throw AbortedError.isInstance(classified.error)
          ? classified.error
          : new AbortedError(undefined, { cause: options.signal.reason })
      }
      if (!classified.retryable || attempt >= policy.maxRetries) throw classified.error
      let delayMs: number
      if (classified.retryAfterMs !== undefined) {
        if (classified.retryAfterMs > policy.maxRetryAfterMs) throw classified.error
        delayMs = classified.retryAfterMs
      } else {
        const backoff = Math.min(policy.initialDelayMs * 2 ** attempt, policy.maxDelayMs)
        delayMs = backoff * (1 - Math.random() * 0.25)
      }
      options.onRetry?.({ retry: attempt + 1, delayMs, error: classified.error })
      await sleep(delayMs, options.signal)
    }
  }
}

/**
 * Reads the delay a server asked for: `retry-after-ms` (milliseconds) or `retry-after`
 * (seconds, or an HTTP date). Undefined when absent, unparsable or negative.
 */
export function parseRetryAfter(
  headers: Pick<Headers, 'get'> | undefined | null,
): number | undefined {
  if (!headers) return undefined
  const milliseconds = headers.get('retry-after-ms')
  if (milliseconds !== null) {
    const value = Number.parseFloat(milliseconds)
    if (Number.isFinite(value) && value >= 0) return value
  }
  const retryAfter = headers.get('retry-after')
  if (retryAfter === null) return undefined
  const seconds = Number(retryAfter.trim())
  if (retryAfter.trim() !== '' && Number.isFinite(seconds)) {
    return seconds >= 0 ? seconds * 1000 : undefined
  }
  const date = Date.parse(retryAfter)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - Date.now())
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(undefined, { cause: signal.reason }))
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AbortedError(undefined, { cause: signal?.reason }))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, milliseconds)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
