// Contrastive search (Su et al. 2022) over a token model that exposes only logits: the
// degeneration penalty compares next-token logits rows instead of hidden states (see below).
import {
  InvalidArgumentError,
  logSoftmax,
  parseOption,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
} from '@metagen/core'
import { contrastiveSearchOptionSchemas } from './option-schemas.js'
import { assertPromptFits, emptyDecodeStats, prefillModels, recordForward } from './prefill.js'
import { type DecodeResult, textBeforeStop, topEntries } from './sample-sequences.js'
import {
  applyPenalties,
  type SamplingOptions,
  validateSamplingOptions,
} from './sampling-options.js'

/** Options of {@link contrastiveSearch}. */
export interface ContrastiveSearchOptions {
  /** The model. */
  model: TokenModel
  /** Prompt token ids. */
  prompt: readonly number[]
  /** Candidates per step k, an integer >= 1 (default 4). k = 1 is greedy decoding. */
  topK?: number
  /** Degeneration-penalty weight alpha in [0, 1] (default 0.6). alpha = 0 is greedy decoding. */
  alpha?: number
  /** Maximum generated tokens, integer >= 1 (default min(256, room in context)). */
  maxTokens?: number
  /** Penalty steps of the processor chain (sampling fields are ignored: the search is deterministic). */
  processors?: SamplingOptions
  /** Text-level stop sequences. */
  stop?: readonly string[]
  /** Checked between steps. */
  signal?: AbortSignal
}

/**
 * The representation that stands in for a hidden state: the logits row output at a position,
 * centred (minus its mean, since softmax ignores a constant shift) and scaled to unit length.
 * The ONNX models expose logits only; logits = W h (the tied output embedding times the final
 * hidden state), so this is a fixed linear image of h and cosine similarity of these vectors
 * measures how alike two positions' hidden states are as seen through the output layer.
 */
export function logitsRepresentation(row: ArrayLike<number>): Float64Array {
  let mean = 0
  for (let index = 0; index < row.length; index++) mean += row[index] as number
  mean /= row.length
  const result = new Float64Array(row.length)
  let norm = 0
  for (let index = 0; index < row.length; index++) {
    const value = (row[index] as number) - mean
    result[index] = value
    norm += value * value
  }
  norm = Math.sqrt(norm)
  if (norm > 0)
    for (let index = 0; index < result.length; index++)
      result[index] = (result[index] as number) / norm
  return result
}

/**
 * Contrastive search: at each step the k most likely tokens v (after the penalty processors)
 * are each fed to a fork of the sequence (one batched pass of k rows), and the chosen token is
 * argmax_v (1 - alpha) p(v | x) - alpha max_j cos(r_v, r_j), ties to the more likely token.
 * Su et al. use hidden states h; here r_v is {@link logitsRepresentation} of the logits row the
 * model outputs at v's position, and r_j ranges over every earlier position (prompt included).
 * The chosen fork becomes the sequence, so no token is recomputed. Reported logprobs are
 * log p(v | x) of the model (after penalties, temperature 1). One sequence; usage counts the k
 * candidate rows fed per step in tokensProcessed and flops (flops: the positions computed).
 */
export async function contrastiveSearch(options: ContrastiveSearchOptions): Promise<DecodeResult> {
  const { model } = options
  const topK = options.topK ?? 4
  parseOption('topK', contrastiveSearchOptionSchemas.topK, topK)
  const alpha = options.alpha ?? 0.6
  parseOption('alpha', contrastiveSearchOptionSchemas.alpha, alpha)
  const processors = options.processors ?? {}
  validateSamplingOptions(processors, 'processors.')
  const room = assertPromptFits([model], options.prompt)
  const maxTokens = options.maxTokens ?? Math.min(256, room)
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > room) {
    throw new InvalidArgumentError({
      argument: 'maxTokens',
      expected: `an integer in [1, ${room}] (the room left in the context)`,
      received: maxTokens,
    })
  }
  const tokenizer = model.tokenizer
  const eos = new Set(tokenizer.eosTokenIds)
  const stops = options.stop ?? []
  const stats = emptyDecodeStats()
  const vocabSize = model.vocabSize
  const { states, rows } = await prefillModels([model], options.prompt, stats, {
    signal: options.signal,
    logits: 'all',
  })
  let state = states[0] as SequenceState
  const history: Float64Array[] = []
  const promptRows = rows[0] as Float32Array
  for (let position = 0; position < options.prompt.length; position++) {
    history.push(
      logitsRepresentation(promptRows.subarray(position * vocabSize, (position + 1) * vocabSize)),
    )
  }
  const tokenIds: number[] = []
  const logprobs: number[] = []
  let text = ''
  let finishReason: 'stop' | 'length' = 'length'
  const forks: SequenceState[] = []
  try {
    for (;;) {
      throwIfAborted(options.signal)
      const penalised = applyPenalties(state.lastLogits as Float32Array, processors, {
        tokens: [...options.prompt, ...tokenIds],
        generatedCount: tokenIds.length,
        eosTokenIds: tokenizer.eosTokenIds,
      })
      const distribution = logSoftmax(penalised)
      const candidates = topEntries(distribution, topK).filter(
        (entry) => entry.logprob > Number.NEGATIVE_INFINITY,
      )
      if (candidates.length === 0) {
        throw new InvalidArgumentError({
          argument: 'processors',
          expected: 'processors that leave at least one token possible',
          received: 'every token masked',
        })
      }
      let chosenIndex = 0
      let chosenRepresentation: Float64Array | undefined
      if (candidates.length > 1 && alpha > 0) {
        for (const _ of candidates) forks.push(state.fork())
        const extended = await model.extend(
          candidates.map((candidate, index) => ({
            sequence: forks[index] as SequenceState,
            tokens: [candidate.tokenId],
          })),
          options.signal ? { signal: options.signal } : {},
        )
        recordForward(stats, model, candidates.length, extended)
        let bestScore = Number.NEGATIVE_INFINITY
        candidates.forEach((candidate, index) => {
          const representation = logitsRepresentation(
            (forks[index] as SequenceState).lastLogits as Float32Array,
          )
          let maxSimilarity = Number.NEGATIVE_INFINITY
          for (const previous of history) {
            let dot = 0
            for (let offset = 0; offset < representation.length; offset++) {
              dot += (representation[offset] as number) * (previous[offset] as number)
            }
            if (dot > maxSimilarity) maxSimilarity = dot
          }
          const score = (1 - alpha) * Math.exp(candidate.logprob) - alpha * maxSimilarity
          if (score > bestScore) {
            bestScore = score
            chosenIndex = index
            chosenRepresentation = representation
          }
        })
      }
      const chosen = candidates[chosenIndex] as { tokenId: number; logprob: number }
      tokenIds.push(chosen.tokenId)
      logprobs.push(chosen.logprob)
      stats.outputTokens += 1
      let done = false
      if (eos.has(chosen.tokenId)) {
        finishReason = 'stop'
        text = tokenizer.decode(tokenIds)
        done = true
      } else {
        const beforeStop = textBeforeStop(tokenizer, tokenIds, stops)
        if (beforeStop !== undefined) {
          finishReason = 'stop'
          text = beforeStop
          done = true
        }
      }
      if (!done && tokenIds.length >= maxTokens) {
        text = tokenizer.decode(tokenIds)
        done = true
      }
      if (forks.length > 0) {
        // Keep the chosen fork (already extended with the token), free the rest.
        state.dispose()
        state = forks[chosenIndex] as SequenceState
        forks.forEach((fork, index) => {
          if (index !== chosenIndex) fork.dispose()
        })
        forks.length = 0
        history.push(chosenRepresentation as Float64Array)
      } else if (!done) {
        const extended = await model.extend(
          [{ sequence: state, tokens: [chosen.tokenId] }],
          options.signal ? { signal: options.signal } : {},
        )
        recordForward(stats, model, 1, extended)
        history.push(logitsRepresentation(state.lastLogits as Float32Array))
      }
      if (done) break
    }
  } finally {
    state.dispose()
    for (const fork of forks) fork.dispose()
  }
  return {
    sequences: [
      {
        tokenIds,
        text,
        finishReason,
        logprobs,
        sequenceLogprob: logprobs.reduce((total, value) => total + value, 0),
      },
    ],
    stats,
    contextExhausted: false,
  }
}
