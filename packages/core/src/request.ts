// Validation of generate requests, shared by every backend so that bad input gets the same
// clear error everywhere.
import { InvalidArgumentError } from './errors.js'
import type { GenerateRequest, ResponseFormat } from './language-model.js'
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
  if (request.responseFormat !== undefined) validateResponseFormat(request.responseFormat)
}

/** Checks a {@link ResponseFormat}; throws {@link InvalidArgumentError} naming the bad field. */
export function validateResponseFormat(format: ResponseFormat): void {
  const type = (format as { type?: unknown } | null)?.type
  if (type === 'text') return
  if (type === 'json_schema') {
    const schema = (format as { schema?: unknown }).schema
    if (
      typeof schema !== 'boolean' &&
      (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    ) {
      throw new InvalidArgumentError({
        argument: 'responseFormat.schema',
        expected: 'a JSON Schema (an object or a boolean)',
        received: schema,
      })
    }
    const name = (format as { name?: unknown }).name
    if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name))) {
      throw new InvalidArgumentError({
        argument: 'responseFormat.name',
        expected:
          '1 to 64 letters, digits, underscores or dashes (the rule of OpenAI and Anthropic)',
        received: name,
      })
    }
    return
  }
  if (type === 'grammar') {
    const { grammar, syntax } = format as { grammar?: unknown; syntax?: unknown }
    if (typeof grammar !== 'string' || grammar.trim() === '') {
      throw new InvalidArgumentError({
        argument: 'responseFormat.grammar',
        expected: 'non-empty grammar text',
        received: grammar,
      })
    }
    if (syntax !== undefined && syntax !== 'gbnf' && syntax !== 'lark' && syntax !== 'ebnf') {
      throw new InvalidArgumentError({
        argument: 'responseFormat.syntax',
        expected: '"gbnf", "lark" or "ebnf"',
        received: syntax,
      })
    }
    return
  }
  throw new InvalidArgumentError({
    argument: 'responseFormat.type',
    expected: '"text", "json_schema" or "grammar"',
    received: type,
  })
}
