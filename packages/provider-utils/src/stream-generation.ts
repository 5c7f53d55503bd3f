// Turns a generation that reports text deltas through a callback into the async stream of
// `text-delta` parts and one final `finish` part that remote models return from `stream()`.
import type { GenerateResult } from '@metagen/core'
import { createAsyncQueue } from './async-queue.js'

/** One event of a remote model's `stream()`. */
export type GenerationStreamPart =
  | { type: 'text-delta' /** Sample index in [0, n). */; index: number; text: string }
  | { type: 'finish'; result: GenerateResult }

/** Receives raw text of sample `index` (in [0, n)) as it arrives. */
export type TextDeltaHandler = (index: number, text: string) => void

/**
 * Starts `generate(onDelta)` and yields a `text-delta` part per delta it reports, then a
 * `finish` part with its result; when it rejects, the iteration throws its error after the
 * deltas already reported.
 */
export async function* streamGeneration(
  generate: (onDelta: TextDeltaHandler) => Promise<GenerateResult>,
): AsyncGenerator<GenerationStreamPart> {
  const queue = createAsyncQueue<GenerationStreamPart>()
  generate((index, text) => queue.push({ type: 'text-delta', index, text })).then(
    (result) => {
      queue.push({ type: 'finish', result })
      queue.end()
    },
    (error: unknown) => queue.fail(error),
  )
  yield* queue
}
