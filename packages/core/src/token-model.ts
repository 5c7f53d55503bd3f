// The token-level model: what decoders need from a local backend. Batched next-token logits,
// sequences whose KV cache can be extended by several tokens and forked, and a tokenizer.
import type { Tokenizer } from './tokenizer.js'

/**
 * One sequence and the backend state behind it (its KV cache). A state is extended in place by
 * {@link TokenModel.extend}; {@link SequenceState.fork} gives a second state that shares the
 * cache computed so far, so N samples, beams or tree branches never recompute their prefix.
 */
export interface SequenceState {
  /** Every token id in the cache, prompt included, in order. */
  readonly tokens: readonly number[]
  /** `tokens.length`. */
  readonly length: number
  /**
   * Raw (unnormalised) next-token logits after the last token, `vocabSize` floats, or undefined
   * for an empty sequence. Forks share the array: treat it as read-only.
   */
  readonly lastLogits: Float32Array | undefined
  /** True once {@link SequenceState.dispose} was called. */
  readonly disposed: boolean
  /**
   * A new state with the same tokens and cache. Costs no model call: the cache is shared until
   * either state is extended, and extending one never changes the other.
   */
  fork(): SequenceState
  /**
   * Rolls the state back to its first `length` tokens (an integer in [0, this.length]), in
   * place, without a model call and without copying the cache: the backend forgets the later
   * positions by bookkeeping. Forks are not affected. Afterwards `lastLogits` is the next-token
   * row after the new last token when the state's latest extend returned that row (always
   * for a `length` covered by an `'all'` extend, as speculative verification uses), otherwise
   * undefined until the next extend. Throws InvalidArgumentError for a disposed state,
   * one being extended, or a `length` out of range.
   */
  truncate(length: number): void
  /** Releases the cache held for this state. Idempotent. A disposed state cannot be extended. */
  dispose(): void
}

/** One sequence to extend in a batched forward pass. */
export interface ExtendRequest {
  /** The sequence to extend in place. A sequence may appear at most once per call. */
  sequence: SequenceState
  /** Token ids to append, at least one. Several at once for prefill, speculative verification or forced text. */
  tokens: readonly number[]
  /**
   * Which logits to return: `'last'` (default) the next-token logits after the final new
   * token; `'all'` one row per new token (row i = logits after `tokens[i]`), as needed to verify
   * k speculative tokens or to score a continuation by teacher forcing.
   */
  logits?: 'last' | 'all'
}

/** The logits computed for one {@link ExtendRequest}. */
export interface ExtendResult {
  /**
   * Row-major float32 logits, `rows x vocabSize`, where rows is 1 for `'last'` and
   * `tokens.length` for `'all'`. Row r is the distribution of the token after position r.
   */
  logits: Float32Array
  /** Number of rows in `logits`. */
  rows: number
  /**
   * The token positions the backend computed for this request, for FLOP accounting
   * (2 x parameters per computed position). A batched forward pass over `rows` sequences
   * appending up to `window` tokens each computes rows x window positions, including the
   * padding columns of shorter requests (left padding) and ghost rows (rows of a reused cache
   * block that nobody extends, which ride along instead of being copied away). Each request
   * of a pass gets a share proportional to the real tokens it feeds, in integers that sum to
   * the pass's rows x window; requests of concurrent calls that share a pass split it the same
   * way. An unpadded single-sequence pass computes exactly its tokens. Attention over the
   * cached past is not counted. Undefined when the backend does not report it: FLOPs are then
   * charged for `tokens.length`.
   */
  computedPositions?: number
}

/** Counters of the work a token-level model has done, for tests and compute reports. */
export interface TokenModelStats {
  /** Batched forward passes run (one ONNX run each for the local backend). */
  forwardPasses: number
  /** Real tokens fed through the model (padding excluded): prefill plus decode. */
  tokensProcessed: number
  /** Sum over forward passes of the batch size. */
  batchRows: number
  /**
   * Positions computed, summed over forward passes (see {@link ExtendResult.computedPositions}): tokens
   * processed plus padding and ghost rows. Undefined for backends that do not report it.
   */
  computedPositions?: number
  /** Sequences created with {@link TokenModel.createSequence}. */
  sequencesCreated: number
  /** Forks made. */
  forks: number
  /** Sequences currently holding a cache (created or forked, not yet disposed). */
  liveSequences: number
}

/** Everything a decoder needs from a local model. */
export interface TokenModel {
  /** Interface version, so that implementations of later versions can live side by side. */
  readonly specificationVersion: 'v1'
  /** Model id, e.g. `tinymath-generator`. */
  readonly modelId: string
  /** The model's tokenizer. */
  readonly tokenizer: Tokenizer
  /** Width of the logits; equals `tokenizer.vocabSize`. */
  readonly vocabSize: number
  /** Longest sequence (prompt + generated) the model supports, in tokens. */
  readonly maxSequenceLength: number
  /** Number of parameters, for FLOP estimates (about 2 x parameters per processed token). */
  readonly parameterCount: number
  /** A new, empty sequence (no cache yet). Extend it with the prompt to prefill. */
  createSequence(): SequenceState
  /**
   * Appends tokens to each sequence and returns the requested logits, all in one batched forward
   * pass (sequences of different lengths are padded by the backend). Sequences are updated in
   * place, including `lastLogits`. On error no sequence is changed.
   */
  extend(
    requests: readonly ExtendRequest[],
    options?: { signal?: AbortSignal },
  ): Promise<ExtendResult[]>
  /**
   * Optional: a whole plain decoding loop run inside the backend, so that it costs one round
   * trip instead of one per token (see {@link SampleTokensRequest} for the exact semantics,
   * which equal a per-step loop over `extend` that chooses each token from `lastLogits`).
   * Decoders use it only for requests without per-step hooks (processors, constraints, stop
   * strings, several models) and fall back to `extend` otherwise.
   */
  sampleTokens?(request: SampleTokensRequest): Promise<SampledTokens[]>
  /**
   * Optional: speculative decoding (greedy or sampled) of one sequence, drafts by `request.draft`, run
   * whole inside the backend (one round trip for the generation instead of several per
   * round). Resolves to undefined, having done nothing, when this backend cannot run `draft`
   * beside itself (a different backend, say): the caller then decodes with `extend`. See
   * {@link SpeculativeTokensRequest} for the exact semantics.
   */
  speculativeTokens?(request: SpeculativeTokensRequest): Promise<SpeculativeTokens | undefined>
  /** A snapshot of the work counters. */
  stats(): TokenModelStats
  /** Frees every resource (sessions, worker threads). The model cannot be used afterwards. */
  close(): Promise<void>
}

/**
 * A plain decoding loop for {@link TokenModel.sampleTokens}. For each sequence, independently,
 * starting from its `lastLogits`: choose a token; stop if it is in `stopTokenIds`
 * (`'stop'`), or `maxTokens` tokens were chosen (`'length'`), or the sequence could not take one
 * more token within the model's context (`'length'`, `contextExhausted`); otherwise feed the
 * token (the sequences of the request are extended together, one batched forward pass per step)
 * and repeat. The last chosen token is never fed. Choosing: temperature 0 takes the argmax
 * (lowest id on ties) and reports log-softmax(logits)[token]; temperature T > 0 draws by
 * inverse transform sampling, one `next()` of `createRng(seed).fork(rngLabels[i])` per token,
 * from log-softmax(float32(logits / T)) (the logits as they are when T = 1), and reports the
 * log-probability of the draw under that distribution.
 */
export interface SampleTokensRequest {
  /** The sequences to continue, in place; each must have `lastLogits` and appear once. */
  sequences: readonly SequenceState[]
  /** 0 for greedy, else a finite temperature > 0. */
  temperature: number
  /** Seed (uint32) of the draws; required when temperature > 0. */
  seed?: number
  /** Per sequence, the label its generator is forked with (default: its index). */
  rngLabels?: readonly number[]
  /** Most tokens chosen per sequence, an integer >= 1. */
  maxTokens: number
  /** Token ids that end a sequence (typically the tokenizer's end-of-sequence ids). */
  stopTokenIds: readonly number[]
  /** Checked before every step; when aborted, rejects with AbortedError (sequences keep the tokens fed so far). */
  signal?: AbortSignal
}

/** The outcome of {@link TokenModel.sampleTokens} for one sequence. */
export interface SampledTokens {
  /** The chosen tokens, in order (the last one, which ended the loop, was not fed). */
  tokenIds: number[]
  /** Natural-log probability of each chosen token under the distribution it was chosen from. */
  logprobs: number[]
  /** `stop`: a stop token was chosen; `length`: maxTokens or the context ran out. */
  finishReason: 'stop' | 'length'
  /** True when the sequence ended because the model's context was full. */
  contextExhausted: boolean
  /**
   * This sequence's shares of the positions its forward passes computed (see
   * {@link ExtendResult.computedPositions}): one share per fed token's pass, padding and ghost rows
   * included. Undefined when the backend does not report it (FLOPs are then charged for the
   * tokens fed, `tokenIds.length - 1`).
   */
  computedPositions?: number
}

/**
 * Speculative decoding of one sequence for {@link TokenModel.speculativeTokens}, with exactly
 * the rounds of the decoders' `speculativeDecode` for a request with no processors (greedy, or
 * sampling at a temperature). Each round: the draft model proposes up to k tokens by argmax of its raw logits
 * (lowest id on ties), stopping after a stop token; the budget of a round is
 * min(k, maxTokens - chosen - 1, min(both contexts) - length - 1), at least 0. The target is
 * extended by [the previous round's correction or bonus token, drafts] in one pass; draft i is
 * accepted while it equals the argmax of the target's row before it; the first mismatch is
 * replaced by that argmax, and when every draft matches the argmax of the last row is the
 * bonus token. So the tokens are the target's greedy tokens, one by one. Rejected drafts are
 * rolled back by truncation (every chosen token is fed to each model once). With `adaptive`,
 * k grows by 2 after a round whose drafts were all accepted and shrinks by 1 otherwise, within
 * [1, maxK]. The loop ends on a stop token (`'stop'`), after `maxTokens` tokens, or when one
 * more token would not fit either model's context (`'length'`, `contextExhausted`). Like
 * {@link TokenModel.sampleTokens}, the sequence is continued in place and the last chosen
 * token is not fed.
 *
 * With `temperature` > 0 (speculative sampling), both models' logits are divided by the
 * temperature: draft i is drawn from the draft's distribution q_i, accepted with probability
 * min(1, p_i(d_i) / q_i(d_i)) under the target's p_i, and the first rejected one is replaced by
 * a draw from normalise(max(0, p_i - q_i)); when every draft is accepted the bonus token is
 * drawn from the last row. So every chosen token follows the target's distribution at that
 * temperature (draws from streams seeded by `seed`; the same seed gives the same tokens, not
 * the tokens of the decoders' extend loop). Logprobs are under the tempered target.
 */
export interface SpeculativeTokensRequest {
  /** The target sequence to continue, in place; it must have `lastLogits`. */
  sequence: SequenceState
  /** The draft model (same vocabulary); the backend prefills its own draft cache with `sequence.tokens`. */
  draft: TokenModel
  /** Draft tokens per round, an integer >= 1; with `adaptive`, the starting value. */
  k: number
  /** Adapt k per round (see above). */
  adaptive: boolean
  /** Upper bound of k with `adaptive`, an integer >= k. */
  maxK: number
  /** Most tokens chosen, an integer >= 1. */
  maxTokens: number
  /** Token ids that end the sequence. */
  stopTokenIds: readonly number[]
  /** 0 (default) for greedy, else a finite temperature > 0 for speculative sampling. */
  temperature?: number
  /** Seed (uint32) of the draws; required when temperature > 0. */
  seed?: number
  /** Checked before every round; when aborted, rejects with AbortedError. */
  signal?: AbortSignal
}

/** The outcome of {@link TokenModel.speculativeTokens}. */
export interface SpeculativeTokens extends SampledTokens {
  /** Verification rounds (one target forward pass each). */
  rounds: number
  /** Draft tokens proposed. */
  draftedTokens: number
  /** Draft tokens accepted. */
  acceptedTokens: number
  /** Forward passes of the target (verification rounds). */
  targetForwardPasses: number
  /** Tokens fed to the target (each chosen token at most once). */
  targetTokensFed: number
  /** Forward passes of the draft model, its prefill included. */
  draftForwardPasses: number
  /** Tokens fed to the draft model, its prefill included. */
  draftTokensFed: number
  /**
   * Positions the draft's passes computed, its prefill included (see
   * {@link ExtendResult.computedPositions}); undefined when the backend does not report it.
   * The inherited `computedPositions` are the target's verification passes: `targetTokensFed`
   * plus the ghost rows they carried.
   */
  draftComputedPositions?: number
}
