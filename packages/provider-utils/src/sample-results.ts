// Partial-failure handling of n samples: a failed request marks its samples with the error and
// keeps the others; only when every sample failed (or the caller aborted) does the call throw.
import { AbortedError, ApiCallError, type GenerateOutput } from '@metagen/core'

/** The output of a sample whose request failed: empty text, finishReason `error`, the error. */
export function failedSampleOutput(error: unknown): GenerateOutput {
  return { text: '', finishReason: 'error', error: toError(error) }
}

/** `error` itself when it is an Error, else an Error whose message is `String(error)`. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

/**
 * Checks the outputs of a finished generation: throws AbortedError when `signal` aborted, and
 * when every output carries an `error` throws the first of them (or, if there is none, an
 * ApiCallError saying every sample of `provider` failed). Returns normally otherwise.
 */
export function throwIfAllSamplesFailed(
  outputs: readonly GenerateOutput[],
  options: { provider: string; signal?: AbortSignal | undefined },
): void {
  if (options.signal?.aborted) throw new AbortedError(undefined, { cause: options.signal.reason })
  if (outputs.length === 0 || !outputs.every((output) => output.error !== undefined)) return
  throw (
    outputs[0]?.error ??
    new ApiCallError({ message: `${options.provider}: every sample failed.`, isRetryable: false })
  )
}
