// The drafter interface of speculative decoding: something that cheaply proposes the next few
// tokens of many sequences at once (a small model, or n-gram lookup in the text so far).
import type { TokenModel } from '@metagen/core'
import type { DecodeStats } from '../prefill.js'

/** A drafter's per-sequence state (e.g. the draft model's KV cache). */
export interface DraftSession {
  /** Frees what the session holds. Idempotent. */
  dispose(): void
}

/** How a drafter turns its logits into a proposed token. */
export interface DraftChoice {
  /** The proposed token. */
  token: number
  /**
   * The proposal distribution q the token was drawn from (probabilities, vocabulary length), or
   * undefined for a deterministic proposal (greedy or lookup: q is a point mass on `token`).
   */
  probabilities: Float64Array | undefined
}

/** One sequence to draft for. */
export interface DraftRequest {
  /** The sequence's session. */
  session: DraftSession
  /** Every committed token (prompt and generated), in order. */
  tokens: readonly number[]
  /** The most tokens to propose (>= 1). A drafter may propose fewer, even none. */
  maxDraftTokens: number
  /**
   * Chooses a draft token from the drafter model's raw next-token logits, given the tokens
   * proposed so far in this round (applies the request's sampling options with the sequence's
   * own random stream). Model-free drafters do not call it.
   */
  choose(logits: Float32Array, drafted: readonly number[]): DraftChoice
  /**
   * True when `choose` is exactly the argmax of the raw logits (lowest id on ties) with no
   * probabilities: greedy with no processor. A model drafter may then draft inside its backend
   * (`TokenModel.sampleTokens`) instead of calling `choose` per position.
   */
  plainGreedy?: boolean
}

/** A proposal for one sequence. */
export interface DraftProposal {
  /** Proposed tokens, at most `maxDraftTokens`. */
  tokens: number[]
  /** Per token, its {@link DraftChoice.probabilities}. */
  probabilities: Array<Float64Array | undefined>
}

/** Proposes draft tokens for speculative decoding. */
export interface Drafter {
  /** Name for stats and traces, e.g. `model:tinymath-draft` or `prompt-lookup`. */
  readonly name: string
  /** Longest sequence (prompt + generated) the drafter supports (Infinity when unlimited). */
  readonly maxSequenceLength: number
  /**
   * The draft model, for a drafter whose greedy drafts are exactly that model's argmax
   * ({@link createModelDrafter}): a target backend may then run the whole greedy speculative
   * loop itself ({@link TokenModel.speculativeTokens}). Undefined for other drafters.
   */
  readonly model?: TokenModel | undefined
  /**
   * Creates `count` sessions that continue `prompt` (a model drafter prefills once and forks).
   * Forward work is added to `stats`.
   */
  start(
    prompt: readonly number[],
    count: number,
    stats: DecodeStats,
    options: { signal?: AbortSignal | undefined },
  ): Promise<DraftSession[]>
  /** Proposes tokens for every request, batched (one forward pass per draft position). */
  propose(
    requests: readonly DraftRequest[],
    stats: DecodeStats,
    options: { signal?: AbortSignal | undefined },
  ): Promise<DraftProposal[]>
  /**
   * Reports the outcome of a round: the first `accepted` proposed tokens were kept, then `next`
   * (a correction or bonus token) was committed. The session must now continue after them.
   */
  update(session: DraftSession, proposal: DraftProposal, accepted: number, next: number): void
}
