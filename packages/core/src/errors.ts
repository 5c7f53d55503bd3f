// The error hierarchy of metagen: one base class, one subclass per kind of failure, so that
// callers can branch on `instanceof` and messages always name what went wrong.

/** Base class of every error metagen throws on purpose. */
export class MetagenError extends Error {
  override readonly name: string = 'MetagenError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * An argument was out of range or of the wrong shape. The message names the argument, what
 * was expected and what was received; nothing is ever silently clamped instead.
 */
export class InvalidArgumentError extends MetagenError {
  override readonly name = 'InvalidArgumentError'
  /** Name of the offending argument, e.g. `topP` or `options.n`. */
  readonly argument: string
  /** The value that was received. */
  readonly received: unknown
  constructor(options: { argument: string; expected: string; received: unknown; cause?: unknown }) {
    super(
      `Invalid argument ${options.argument}: expected ${options.expected}, received ${describeValue(options.received)}.`,
      { cause: options.cause },
    )
    this.argument = options.argument
    this.received = options.received
  }
}

/** A model or backend cannot do what was asked (e.g. logits from a remote API). */
export class UnsupportedCapabilityError extends MetagenError {
  override readonly name = 'UnsupportedCapabilityError'
  /** The capability that is missing, e.g. `logprobs` or `token-level`. */
  readonly capability: string
  constructor(options: { capability: string; message: string }) {
    super(options.message)
    this.capability = options.capability
  }
}

/** A budget (tokens, calls, cost or time) ran out before the work could start or go on. */
export class BudgetExhaustedError extends MetagenError {
  override readonly name = 'BudgetExhaustedError'
  /** Which limit ran out, e.g. `outputTokens`. */
  readonly limit: string
  constructor(options: { limit: string; message?: string }) {
    super(options.message ?? `Budget exhausted: the ${options.limit} limit was reached.`)
    this.limit = options.limit
  }
}

/** A backend or remote API failed. `isRetryable` tells whether the same call may succeed later. */
export class ApiCallError extends MetagenError {
  override readonly name = 'ApiCallError'
  /** HTTP status where there is one. */
  readonly status: number | undefined
  /** True for rate limits, server errors, timeouts and dropped connections. */
  readonly isRetryable: boolean
  constructor(options: {
    message: string
    status?: number
    isRetryable: boolean
    cause?: unknown
  }) {
    super(options.message, { cause: options.cause })
    this.status = options.status
    this.isRetryable = options.isRetryable
  }
}

/** A model could not be loaded: a missing file, a folder that is not a model, wrong I/O names. */
export class ModelLoadError extends MetagenError {
  override readonly name = 'ModelLoadError'
  /** The path or model id that failed to load. */
  readonly source: string
  constructor(options: { source: string; message: string; cause?: unknown }) {
    super(`Cannot load model from ${options.source}: ${options.message}`, { cause: options.cause })
    this.source = options.source
  }
}

/** The operation was cancelled through an AbortSignal. */
export class AbortedError extends MetagenError {
  override readonly name = 'AbortedError'
  constructor(message = 'The operation was aborted.', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Throws an {@link AbortedError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortedError(undefined, { cause: signal.reason })
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value)
  }
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  try {
    const text = JSON.stringify(value)
    return text.length > 80 ? `${text.slice(0, 77)}...` : text
  } catch {
    return Object.prototype.toString.call(value)
  }
}
