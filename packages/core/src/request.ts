// Validation of generate requests, shared by every backend so that bad input gets the same
// clear error everywhere.
import { InvalidArgumentError } from './errors.js'
import type { GenerateRequest } from './language-model.js'
import { assertInteger, assertNumberInRange } from './validate.js'

/**
 * Checks a {@link GenerateRequest}: exactly one of prompt/messages, n >= 1, maxTokens >= 1,
 * temperature >= 0, topP in (0, 1], topK >= 1, topLogprobs >= 0, seed in [0, 2^32), stop strings
 * non-empty. Throws {@link InvalidArgumentError} naming the first bad field.
 */
export function validateGenerateRequest(request: GenerateRequest): void {
  if (request.prompt === undefined && request.messages === undefined) {
    throw new InvalidArgumentError({
      argument: 'prompt',
      expected: 'a prompt string or chat messages',
      received: undefined,
    })
  }
  if (request.prompt !== undefined && request.messages !== undefined) {
    throw new InvalidArgumentError({
      argument: 'messages',
      expected: 'either prompt or messages, not both',
      received: 'both',
    })
  }
  if (request.prompt !== undefined && typeof request.prompt !== 'string') {
    throw new InvalidArgumentError({
      argument: 'prompt',
      expected: 'a string',
      received: request.prompt,
    })
  }
  if (
    request.messages !== undefined &&
    (!Array.isArray(request.messages) || request.messages.length === 0)
  ) {
    throw new InvalidArgumentError({
      argument: 'messages',
      expected: 'a non-empty array of chat messages',
      received: request.messages,
    })
  }
  if (request.n !== undefined) assertInteger('n', request.n, 1)
  if (request.maxTokens !== undefined) assertInteger('maxTokens', request.maxTokens, 1)
  if (request.temperature !== undefined)
    assertNumberInRange('temperature', request.temperature, { min: 0 })
  if (request.topP !== undefined) {
    assertNumberInRange('topP', request.topP, { min: 0, max: 1, minInclusive: false })
  }
  if (request.topK !== undefined) assertInteger('topK', request.topK, 1)
  if (request.topLogprobs !== undefined) assertInteger('topLogprobs', request.topLogprobs, 0)
  if (request.seed !== undefined)
    assertNumberInRange('seed', request.seed, { min: 0, max: 0xffffffff })
  if (request.seed !== undefined) assertInteger('seed', request.seed, 0)
  if (request.stop !== undefined) {
    if (
      !Array.isArray(request.stop) ||
      request.stop.some((stop) => typeof stop !== 'string' || stop === '')
    ) {
      throw new InvalidArgumentError({
        argument: 'stop',
        expected: 'an array of non-empty strings',
        received: request.stop,
      })
    }
  }
}
