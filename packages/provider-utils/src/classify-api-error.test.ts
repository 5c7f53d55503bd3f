import { AbortedError, ApiCallError, InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import {
  classifyApiError,
  isRetryableStatus,
  malformedResponseError,
  shouldRetry,
  streamFailure,
} from './classify-api-error.js'

// Classes shaped like the Stainless SDKs' (openai, @anthropic-ai/sdk) error hierarchy.
class APIError extends Error {
  constructor(
    readonly status: number | undefined,
    message: string,
    readonly headers: Headers | undefined,
  ) {
    super(message)
  }
}
class APIUserAbortError extends APIError {
  constructor() {
    super(undefined, 'Request was aborted.', undefined)
  }
}
class APIConnectionError extends APIError {
  constructor(message = 'Connection error.') {
    super(undefined, message, undefined)
  }
}
class APIConnectionTimeoutError extends APIConnectionError {
  constructor() {
    super('Request timed out.')
  }
}

const options = {
  provider: 'acme',
  timeoutMs: 1500,
  errorClasses: { APIError, APIUserAbortError, APIConnectionError, APIConnectionTimeoutError },
  apiKeySource: 'the ACME_API_KEY environment variable',
}

describe('isRetryableStatus', () => {
  it('retries 408, 409, 429 and 5xx only', () => {
    expect([408, 409, 429, 500, 503, 529].map(isRetryableStatus)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ])
    expect([400, 401, 403, 404, 422].map(isRetryableStatus)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
  })
})

describe('shouldRetry', () => {
  it('follows x-should-retry (true or false) before the status rule, as the SDKs do', () => {
    expect(shouldRetry(503, new Headers({ 'x-should-retry': 'false' }))).toBe(false)
    expect(shouldRetry(400, new Headers({ 'x-should-retry': 'true' }))).toBe(true)
    expect(shouldRetry(503, new Headers({ 'x-should-retry': 'maybe' }))).toBe(true)
    expect(shouldRetry(400, new Headers())).toBe(false)
    expect(shouldRetry(429, undefined)).toBe(true)
  })

  it('decides classifyApiError retryability', () => {
    const refused = classifyApiError(
      new APIError(500, 'overloaded', new Headers({ 'x-should-retry': 'false' })),
      options,
    )
    expect(refused.retryable).toBe(false)
    expect((refused.error as ApiCallError).isRetryable).toBe(false)
    const invited = classifyApiError(
      new APIError(409, 'lock timeout', new Headers({ 'x-should-retry': 'true' })),
      options,
    )
    expect(invited.retryable).toBe(true)
    const conflict = classifyApiError(
      new APIError(400, 'try again', new Headers({ 'x-should-retry': 'true' })),
      options,
    )
    expect(conflict.retryable).toBe(true)
  })
})

describe('classifyApiError', () => {
  it('maps an HTTP error to ApiCallError with status, retryability and retry-after', () => {
    const classified = classifyApiError(
      new APIError(429, 'Rate limited', new Headers({ 'retry-after': '2' })),
      options,
    )
    expect(classified.retryable).toBe(true)
    expect(classified.retryAfterMs).toBe(2000)
    expect(classified.error).toBeInstanceOf(ApiCallError)
    expect((classified.error as ApiCallError).status).toBe(429)
    expect((classified.error as ApiCallError).isRetryable).toBe(true)
    expect(classified.error.message).toBe('acme API error 429: Rate limited.')
  })

  it('does not retry a 401 and names where the key comes from', () => {
    const classified = classifyApiError(new APIError(401, 'bad key', undefined), options)
    expect(classified.retryable).toBe(false)
    expect(classified.retryAfterMs).toBeUndefined()
    expect(classified.error.message).toContain('ACME_API_KEY')
  })

  it('tells timeouts (retryable, with the timeout) from other connection failures', () => {
    const timeout = classifyApiError(new APIConnectionTimeoutError(), options)
    expect(timeout.retryable).toBe(true)
    expect(timeout.error.message).toBe('acme: the request timed out after 1500 ms.')
    const dropped = classifyApiError(new APIConnectionError('socket hang up'), options)
    expect(dropped.retryable).toBe(true)
    expect(dropped.error.message).toBe('acme: connection failed: socket hang up')
  })

  it('maps user aborts to AbortedError and passes AbortedError and metagen errors through', () => {
    const aborted = classifyApiError(new APIUserAbortError(), options)
    expect(aborted.error).toBeInstanceOf(AbortedError)
    expect(aborted.retryable).toBe(false)
    const ours = new AbortedError()
    expect(classifyApiError(ours, options).error).toBe(ours)
    const invalid = new InvalidArgumentError({ argument: 'n', expected: 'an integer', received: 0 })
    expect(classifyApiError(invalid, options)).toEqual({ error: invalid, retryable: false })
  })

  it('reports invalid JSON as a malformed body and anything else as a failed request', () => {
    const json = classifyApiError(new SyntaxError('Unexpected token <'), options)
    expect(json.retryable).toBe(false)
    expect(json.error.message).toContain('malformed response body')
    const other = classifyApiError('boom', options)
    expect(other.retryable).toBe(false)
    expect(other.error.message).toBe('acme: request failed: boom')
  })
})

describe('streamFailure', () => {
  const classify = (error: unknown) => classifyApiError(error, options)

  it('keeps the raw error when nothing was emitted (the retry loop decides)', () => {
    const error = new APIConnectionError()
    expect(streamFailure(error, { emitted: false, provider: 'acme', classify })).toBe(error)
  })

  it('makes a retryable failure after partial output non-retryable', () => {
    const failure = streamFailure(new APIConnectionError(), {
      emitted: true,
      provider: 'acme',
      classify,
    })
    expect(failure).toBeInstanceOf(ApiCallError)
    expect((failure as ApiCallError).isRetryable).toBe(false)
    expect((failure as Error).message).toContain('after partial output')
  })

  it('leaves a non-retryable failure after partial output as it is', () => {
    const error = new APIError(400, 'bad request', undefined)
    expect(streamFailure(error, { emitted: true, provider: 'acme', classify })).toBe(error)
  })
})

describe('malformedResponseError', () => {
  it('is a non-retryable ApiCallError naming the provider and the detail', () => {
    const error = malformedResponseError('no choices', 'acme')
    expect(error.isRetryable).toBe(false)
    expect(error.message).toBe('acme: malformed response: no choices.')
  })
})
