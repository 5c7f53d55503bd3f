// Prefilling a prompt into fresh sequence states, and the shared bookkeeping of forward work
// (tokens fed per model, hence FLOPs) that every decoder reports.
import {
  type ExtendResult,
  InvalidArgumentError,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
} from '@metagen/core'

/** Forward work done by one decoder run. */
export interface DecodeStats {
  /** Prompt tokens prefilled (counted once per prompt, not per model or sample). */
  inputTokens: number
  /** Tokens chosen by the decoder (summed over returned and discarded hypotheses, see each decoder). */
  outputTokens: number
  /** Batched forward passes (`extend` calls), summed over models. */
  forwardPasses: number
  /** Tokens fed through any model (prompt included), summed over models. */
  tokensProcessed: number
  /**
   * Estimated FLOPs: sum over models of 2 x parameterCount x the positions that model computed
   * (the tokens fed, plus the padding columns and ghost rows of batched passes when the backend
   * reports them as `computedPositions`, as the ONNX backend does).
   */
  flops: number
}

/** A zero {@link DecodeStats}. */
export function emptyDecodeStats(): DecodeStats {
  return { inputTokens: 0, outputTokens: 0, forwardPasses: 0, tokensProcessed: 0, flops: 0 }
}

/**
 * Adds the work of one `extend` call on `model` that fed `tokens` tokens and returned
 * `results`. FLOPs are charged for the positions the call computed: the sum of the results'
 * `computedPositions` (padding and ghost rows included) when every result reports it, else
 * `tokens`.
 */
export function recordForward(
  stats: DecodeStats,
  model: TokenModel,
  tokens: number,
  results?: readonly ExtendResult[],
): void {
  stats.forwardPasses += 1
  stats.tokensProcessed += tokens
  stats.flops += 2 * model.parameterCount * computedPositionsOf(results, tokens)
}

/**
 * The positions a call computed: the sum of the `results`' `computedPositions` when there is at
 * least one result and every one reports it, else `fallback` (the tokens fed).
 */
export function computedPositionsOf(
  results: readonly { computedPositions?: number | undefined }[] | undefined,
  fallback: number,
): number {
  if (results === undefined || results.length === 0) return fallback
  let sum = 0
  for (const result of results) {
    if (result.computedPositions === undefined) return fallback
    sum += result.computedPositions
  }
  return sum
}

/**
 * Checks that `prompt` is a non-empty token list that leaves room in every model's context, and
 * returns that room (maxSequenceLength - prompt length, the most tokens that can follow).
 * Throws InvalidArgumentError otherwise.
 */
export function assertPromptFits(
  models: readonly TokenModel[],
  prompt: readonly number[],
  argument = 'prompt',
): number {
  if (prompt.length === 0) {
    throw new InvalidArgumentError({
      argument,
      expected: 'a prompt of at least one token',
      received: 'an empty prompt',
    })
  }
  const maxSequenceLength = Math.min(...models.map((model) => model.maxSequenceLength))
  if (prompt.length >= maxSequenceLength) {
    throw new InvalidArgumentError({
      argument,
      expected: `a prompt shorter than the model context of ${maxSequenceLength} tokens`,
      received: `${prompt.length} tokens`,
    })
  }
  return maxSequenceLength - prompt.length
}

/**
 * Creates one state per model and prefills `prompt` into each (one forward pass per model, run
 * concurrently). `logits: 'all'` also returns the per-position logits rows. On failure every
 * created state is disposed.
 */
export async function prefillModels(
  models: readonly TokenModel[],
  prompt: readonly number[],
  stats: DecodeStats,
  options: { signal?: AbortSignal | undefined; logits?: 'last' | 'all' } = {},
): Promise<{ states: SequenceState[]; rows: Float32Array[] }> {
  throwIfAborted(options.signal)
  const states = models.map((model) => model.createSequence())
  try {
    const results: ExtendResult[][] = await Promise.all(
      models.map((model, index) =>
        model.extend(
          [
            {
              sequence: states[index] as SequenceState,
              tokens: prompt,
              logits: options.logits ?? 'last',
            },
          ],
          options.signal ? { signal: options.signal } : {},
        ),
      ),
    )
    models.forEach((model, index) => {
      recordForward(stats, model, prompt.length, results[index])
    })
    stats.inputTokens += prompt.length
    return { states, rows: results.map((result) => (result[0] as { logits: Float32Array }).logits) }
  } catch (error) {
    for (const state of states) state.dispose()
    throw error
  }
}
