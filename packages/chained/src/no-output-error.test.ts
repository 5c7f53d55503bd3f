import { ApiCallError, createRunContext, emptyUsage, type LanguageModel } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { chainOfThought } from './chain-of-thought.js'

/** A model that breaks the contract: a result without outputs. */
const silentModel: LanguageModel = {
  specificationVersion: 'v1',
  provider: 'test',
  modelId: 'silent',
  capabilities: {
    logprobs: false,
    nativeN: false,
    seed: false,
    scoring: false,
    chat: false,
    continuation: 'native',
  },
  generate: async () => ({ outputs: [], usage: emptyUsage(), warnings: [] }),
}

describe('noOutputError', () => {
  it('a model result without the requested output fails with a non-retryable ApiCallError naming the model', async () => {
    const generator = chainOfThought({ model: silentModel, extractAnswer: () => undefined })
    const error = await generator
      .run({ prompt: 'Q: 1+1?\nA:' }, createRunContext())
      .catch((caught) => caught)
    expect(ApiCallError.isInstance(error)).toBe(true)
    expect(error.isRetryable).toBe(false)
    expect(error.message).toBe('test:silent returned no output for a request of n = 1.')
  })
})
