// The error hierarchy of metagen: one base class, one subclass per kind of failure, so that
// callers can branch on the kind of failure and messages always name what went wrong.
//
// Every class carries a `Symbol.for('metagen.error…')` marker and a static `isInstance`:
// with two copies of @metagen/core installed (a dual package, or two versions in one tree)
// `instanceof` fails across the copies, but `Symbol.for` returns the same symbol everywhere,
// so `InvalidArgumentError.isInstance(error)` still recognises the error.

const metagenErrorMarker = Symbol.for('metagen.error')

/**
 * True when `value` is an object whose `marker` property is `true`. The test behind every
 * `isInstance`; subclasses of {@link MetagenError} in other packages use it with their own
 * `Symbol.for('metagen.error.<Name>')` marker.
 */
export function hasErrorMarker(value: unknown, marker: symbol): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[marker] === true
  )
}

/** Base class of every error metagen throws on purpose. */
export class MetagenError extends Error {
  override readonly name: string = 'MetagenError'
  /** Marker of this class, shared by every copy of @metagen/core (see `isInstance`). */
  readonly [metagenErrorMarker] = true
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }

  /**
   * True when `value` is a MetagenError (of any subclass), also one created by another copy of
   * @metagen/core, where `instanceof` would say false.
   */
  static isInstance(value: unknown): value is MetagenError {
    return hasErrorMarker(value, metagenErrorMarker)
  }
}

const invalidArgumentMarker = Symbol.for('metagen.error.InvalidArgumentError')

/**
 * An argument was out of range or of the wrong shape. The message names the argument, what
 * was expected and what was received; nothing is ever silently clamped instead.
 */
export class InvalidArgumentError extends MetagenError {
  override readonly name = 'InvalidArgumentError'
  /** Marker of this class, shared by every copy of @metagen/core (see `isInstance`). */
  readonly [invalidArgumentMarker] = true
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

  /** True when `value` is an InvalidArgumentError of any copy of @metagen/core. */
  static override isInstance(value: unknown): value is InvalidArgumentError {
    return hasErrorMarker(value, invalidArgumentMarker)
  }
}

const unsupportedCapabilityMarker = Symbol.for('metagen.error.UnsupportedCapabilityError')

/** A model or backend cannot do what was asked (e.g. logits from a remote API). */
export class UnsupportedCapabilityError extends MetagenError {
  override readonly name = 'UnsupportedCapabilityError'
  /** Marker of this class, shared by every copy of @metagen/core (see `isInstance`). */
  readonly [unsupportedCapabilityMarker] = true
  /** The capability that is missing, e.g. `logprobs` or `token-level`. */
  readonly capability: string
  constructor(options: { capability: string; message: string }) {
    super(options.message)
    this.capability = options.capability
  }

  /** True when `value` is an UnsupportedCapabilityError of any copy of @metagen/core. */
  static override isInstance(value: unknown): value is UnsupportedCapabilityError {
    return hasErrorMarker(value, unsupportedCapabilityMarker)
  }
}

const budgetExhaustedMarker = Symbol.for('metagen.error.BudgetExhaustedError')

/** A budget (tokens, calls, cost or time) ran out before the work could start or go on. */
export class BudgetExhaustedError extends MetagenError {
  override readonly name = 'BudgetExhaustedError'
  /** Marker of this class, shared by every copy of @metagen/core (see `isInstance`). */
  readonly [budgetExhaustedMarker] = true
  /** Which limit ran out, e.g. `outputTokens`. */
  readonly limit: string
  constructor(options: { limit: string; message?: string }) {
    super(options.message ?? `Budget exhausted: the ${options.limit} limit was reached.`)
    this.limit = options.limit
  }

  /** True when `value` is a BudgetExhaustedError of any copy of @metagen/core. */
  static override isInstance(value: unknown): value is BudgetExhaustedError {
    return hasErrorMarker(value, budgetExhaustedMarker)
  }
}

const apiCallMarker = Symbol.for('metagen.error.ApiCallError')

/** A backend or remote API failed. `isRetryable` tells whether the same call may succeed later. */
export class ApiCallError extends MetagenError {
  override readonly name = 'ApiCallError'
  /** Marker of this class, shared by every copy of @metagen/core (see `isInstance`). */
  readonly [apiCallMarker] = true
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

  /** True when `value` is an ApiCallError of any copy of @metagen/core. */
  static override isInstance(value: unknown): value is ApiCallError {
    return hasErrorMarker(value, apiCallMarker)
  }
}

const modelLoadMarker = Symbol.for('metagen.error.ModelLoadError')

/** A model could not be loaded: a missing file, a folder that is not a model, wrong I/O names. */
export class ModelLoadError extends MetagenError {
  override readonly name = 'ModelLoadError'
  /** Marker of this class, shared by every copy of @metagen/core (see `isInstance`). */
  readonly [modelLoadMarker] = true
  /** The path or model id that failed to load. */
  readonly source: string
  constructor(options: { source: string; message: string; cause?: unknown }) {
    super(`Cannot load model from ${options.source}: ${options.message}`, { cause: options.cause })
    this.source = options.source
  }

  /** True when `value` is a ModelLoadError of any copy of @metagen/core. */
  static override isInstance(value: unknown): value is ModelLoadError {
    return hasErrorMarker(value, modelLoadMarker)
  }
}

const abortedMarker = Symbol.for('metagen.error.AbortedError')

/** The operation was cancelled through an AbortSignal. */
export class AbortedError extends MetagenError {
  override readonly name = 'AbortedError'
  /** Marker of this class, shared by every copy of @metagen/core (see `isInstance`). */
  readonly [abortedMarker] = true
  constructor(message = 'The operation was aborted.', options?: { cause?: unknown }) {
    super(message, options)
  }

  /** True when `value` is an AbortedError of any copy of @metagen/core. */
  static override isInstance(value: unknown): value is AbortedError {
    return hasErrorMarker(value, abortedMarker)
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
