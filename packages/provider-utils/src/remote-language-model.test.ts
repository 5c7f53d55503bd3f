import {
  ApiCallError,
  type GenerateRequest,
  type GenerateResult,
  InvalidArgumentError,
} from '@metagen/core'
import { describe, expect, it } from 'vitest'
import type { ClassifiedError } from './call-with-retry.js'
import { createApiErrorClassifier } from './classify-api-error.js'
import { RemoteLanguageModel } from './remote-language-model.js'
import type { GenerationStreamPart, TextDeltaHandler } from './stream-generation.js'

const retry = { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1000 }

/** A model over an in-memory "API" whose first attempt fails with a retryable error. */
class EchoModel extends RemoteLanguageModel {
  attempts = 0
  seenOptions: unknown[] = []

  protected classify(error: unknown): ClassifiedError {
    return { error: error as Error, retryable: (error as ApiCallError).isRetryable }
  }

  protected async run(
    request: GenerateRequest,
    onDelta: TextDeltaHandler | undefined,
    forceStream: boolean,
  ): Promise<GenerateResult> {
    const text = await this.runner.run(async (signal) => {
      this.attempts++
      this.seenOptions.push(this.requestOptions(signal))
      if (this.attempts === 1) throw new ApiCallError({ message: 'busy', isRetryable: true })
      return `echo: ${request.prompt}`
    }, request.signal)
    if (forceStream) for (const word of text.split(' ')) onDelta?.(0, word)
    return {
      outputs: [{ text, finishReason: 'stop' }],
      usage: { inputTokens: 1, outputTokens: 2, calls: 1 },
      warnings: [],
    }
  }
}

const settings = { provider: 'acme', concurrency: 2, retry, timeoutMs: 750 }

describe('RemoteLanguageModel', () => {
  it('generates through run, retrying through the runner and counting attempts', async () => {
    const model = new EchoModel('m-1', settings)
    expect(model).toMatchObject({ provider: 'acme', modelId: 'm-1', specificationVersion: 'v1' })
    const result = await model.generate({ prompt: 'hi' })
    expect(result.outputs[0]?.text).toBe('echo: hi')
    expect(model.stats()).toMatchObject({ requests: 2, retries: 1, failedRequests: 1 })
    expect(model.seenOptions[0]).toEqual({ maxRetries: 0, timeout: 750 })
  })

  it('streams deltas then the result, passing the signal to the SDK options', async () => {
    const model = new EchoModel('m-1', settings)
    const controller = new AbortController()
    const parts: GenerationStreamPart[] = []
    for await (const part of model.stream({ prompt: 'a b', signal: controller.signal })) {
      parts.push(part)
    }
    expect(parts.map((part) => (part.type === 'text-delta' ? part.text : 'finish'))).toEqual([
      'echo:',
      'a',
      'b',
      'finish',
    ])
    expect(model.seenOptions[0]).toEqual({
      maxRetries: 0,
      timeout: 750,
      signal: controller.signal,
    })
  })

  it('rejects a blank model id and a bad concurrency', () => {
    expect(() => new EchoModel(' ', settings)).toThrow(InvalidArgumentError)
    expect(() => new EchoModel('m', { ...settings, concurrency: 1.5 })).toThrow(
      InvalidArgumentError,
    )
  })
})

describe('createApiErrorClassifier', () => {
  class APIError extends Error {
    constructor(readonly status: number) {
      super(`status ${status}`)
    }
  }
  class Other extends Error {}

  it('binds the SDK classes and key source', () => {
    const classify = createApiErrorClassifier({
      errorClasses: {
        APIError,
        APIUserAbortError: Other,
        APIConnectionError: Other,
        APIConnectionTimeoutError: Other,
      },
      apiKeySource: 'ACME_KEY',
    })
    const classified = classify(new APIError(401), { provider: 'acme', timeoutMs: 10 })
    expect(classified.retryable).toBe(false)
    expect(classified.error.message).toBe(
      'acme API error 401: status 401. Check the API key (settings.apiKey or ACME_KEY).',
    )
    expect(classify(new APIError(503), { provider: 'acme', timeoutMs: 10 }).retryable).toBe(true)
  })
})
