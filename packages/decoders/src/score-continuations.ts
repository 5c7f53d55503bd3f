// Teacher forcing: the log-probability of each token of given continuations of one prompt, with
// the prompt prefilled once and every continuation scored in one batched forward pass.
import {
  InvalidArgumentError,
  logSoftmax,
  type SequenceState,
  type TokenModel,
} from '@metagen/core'
import {
  assertPromptFits,
  type DecodeStats,
  emptyDecodeStats,
  prefillModels,
  recordForward,
} from './prefill.js'

/** Options of {@link scoreTokenContinuations}. */
export interface ScoreTokenContinuationsOptions {
  /** Prompt token ids (at least one). */
  prompt: readonly number[]
  /** Continuations as token ids; an empty one scores as an empty list. */
  continuations: readonly (readonly number[])[]
  /** Cancels between the prefill and the scoring pass. */
  signal?: AbortSignal
}

/** Per-continuation token log-probabilities, and the work done. */
export interface ScoreTokenContinuationsResult {
  /** logprobs[c][j] = log p(continuation_c[j] | prompt, continuation_c[<j]) (natural log). */
  logprobs: number[][]
  stats: DecodeStats
}

/**
 * Scores continuations by teacher forcing: prefills the prompt once, forks it per non-empty
 * continuation and extends all forks with their continuation in ONE batched pass with logits
 * `'all'`. Token j's log-probability is the log-softmax of the row before it (the prompt's last
 * row for j = 0). Throws InvalidArgumentError when prompt + continuation exceed the context.
 */
export async function scoreTokenContinuations(
  model: TokenModel,
  options: ScoreTokenContinuationsOptions,
): Promise<ScoreTokenContinuationsResult> {
  const room = assertPromptFits([model], options.prompt)
  options.continuations.forEach((continuation, index) => {
    if (continuation.length > room) {
      throw new InvalidArgumentError({
        argument: `continuations[${index}]`,
        expected: `at most ${room} tokens (the room left in the context after the prompt)`,
        received: `${continuation.length} tokens`,
      })
    }
  })
  const stats = emptyDecodeStats()
  const { states } = await prefillModels([model], options.prompt, stats, { signal: options.signal })
  const promptState = states[0] as SequenceState
  const forks: SequenceState[] = []
  try {
    const promptRow = logSoftmax(promptState.lastLogits as Float32Array)
    const nonEmpty = options.continuations
      .map((tokens, index) => ({ tokens, index }))
      .filter((entry) => entry.tokens.length > 0)
    const logprobs: number[][] = options.continuations.map(() => [])
    if (nonEmpty.length > 0) {
      for (const _ of nonEmpty) forks.push(promptState.fork())
      const results = await model.extend(
        nonEmpty.map((entry, index) => ({
          sequence: forks[index] as SequenceState,
          tokens: entry.tokens,
          logits: 'all' as const,
        })),
        options.signal ? { signal: options.signal } : {},
      )
      recordForward(
        stats,
        model,
        nonEmpty.reduce((total, entry) => total + entry.tokens.length, 0),
        results,
      )
      nonEmpty.forEach((entry, entryIndex) => {
        const result = results[entryIndex] as { logits: Float32Array }
        const scores: number[] = []
        for (let position = 0; position < entry.tokens.length; position++) {
          const token = entry.tokens[position] as number
          const row =
            position === 0
              ? promptRow
              : logSoftmax(
                  result.logits.subarray(
                    (position - 1) * model.vocabSize,
                    position * model.vocabSize,
                  ),
                )
          scores.push(row[token] as number)
        }
        logprobs[entry.index] = scores
      })
    }
    return { logprobs, stats }
  } finally {
    promptState.dispose()
    for (const fork of forks) fork.dispose()
  }
}
