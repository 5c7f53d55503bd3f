// Validation of the model id a remote model is created with.
import { InvalidArgumentError } from '@metagen/core'

/** Throws InvalidArgumentError (argument `modelId`) unless `modelId` is a string with a non-space character. */
export function assertModelId(modelId: unknown): asserts modelId is string {
  if (typeof modelId !== 'string' || modelId.trim() === '') {
    throw new InvalidArgumentError({
      argument: 'modelId',
      expected: 'a non-empty string',
      received: modelId,
    })
  }
}
