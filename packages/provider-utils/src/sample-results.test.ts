import { AbortedError, ApiCallError, type GenerateOutput } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { failedSampleOutput, throwIfAllSamplesFailed, toError } from './sample-results.js'

describe('failedSampleOutput', () => {
  it('is an empty output with finishReason error carrying the error', () => {
    const error = new Error('down')
    expect(failedSampleOutput(error)).toEqual({ text: '', finishReason: 'error', error })
    expect(failedSampleOutput('text').error?.message).toBe('text')
    expect(toError(42)).toBeInstanceOf(Error)
  })
})

describe('throwIfAllSamplesFailed', () => {
  const ok: GenerateOutput = { text: '42', finishReason: 'stop' }
  const first = new ApiCallError({ message: 'first', isRetryable: false })
  const second = new ApiCallError({ message: 'second', isRetryable: false })

  it('keeps a partial failure', () => {
    expect(() =>
      throwIfAllSamplesFailed([failedSampleOutput(first), ok], { provider: 'acme' }),
    ).not.toThrow()
  })

  it('throws the first error (by sample index) when every sample failed', () => {
    expect(() =>
      throwIfAllSamplesFailed([failedSampleOutput(first), failedSampleOutput(second)], {
        provider: 'acme',
      }),
    ).toThrow(first)
  })

  it('throws AbortedError when the signal aborted, even with successful samples', () => {
    const controller = new AbortController()
    controller.abort()
    expect(() =>
      throwIfAllSamplesFailed([ok], { provider: 'acme', signal: controller.signal }),
    ).toThrow(AbortedError)
  })
})
