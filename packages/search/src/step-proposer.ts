// The step-proposer abstraction: what a step-level search needs from a model. A proposer turns a
// partial solution into sampled next steps, over a language model (any backend) or over a
// token-level model whose nodes fork their parent's KV cache.
import type { FinishReason, RunContext, Usage } from '@metagen/core'

/**
 * A partial (or finished) solution: the text generated after the prompt, split into steps.
 * States are immutable; the proposer that made a state keeps whatever backend state belongs to it
 * (for the token-level proposer: the sequence holding the KV cache).
 */
export interface StepState {
  /** The solution so far, without the prompt: the concatenation of `steps`. */
  readonly text: string
  /** The steps, in order; each ends with the step delimiter unless it is the solution's last. */
  readonly steps: readonly string[]
  /** True when the solution cannot be continued: it is complete or it was cut (see `finishReason`). */
  readonly finished: boolean
  /**
   * Why a finished solution ended: `stop` (end-of-text, or the completion test said it is
   * complete), `length` (a token limit cut it), `error` (its generation failed). Undefined while
   * unfinished.
   */
  readonly finishReason: FinishReason | undefined
  /** Tokens generated for the whole solution so far (prompt excluded). */
  readonly generatedTokens: number
}

/** Asks for `count` sampled next steps of `state`. */
export interface ProposeRequest {
  /** The partial solution to continue; must be unfinished and made by the same proposer. */
  state: StepState
  /** Number of next steps to sample, an integer >= 1. */
  count: number
}

/** One sampled next step. */
export interface ProposedStep {
  /** The parent's state extended by the new step. */
  state: StepState
  /** The new step's text (empty when the model ended the solution right away). */
  step: string
  /**
   * This step's share of the expansion's cost: its own generated tokens, and an even share of
   * the prompt tokens and calls of the call that produced it (so that the shares of all children
   * sum to the call's usage).
   */
  usage: Usage
}

/** The next steps sampled for one {@link ProposeRequest}. */
export interface ProposeResult {
  /** The sampled steps, in sampling order (fewer than `count`, or none, when generation failed). */
  children: ProposedStep[]
  /** Set when generating this request's steps failed; the other requests are unaffected. */
  error?: string
}

/** The result of {@link StepProposer.propose}. */
export interface ProposeResponse {
  /** One result per request, in order. */
  results: ProposeResult[]
  /** Everything the call cost (already charged to the context's budget). */
  usage: Usage
  /**
   * True when at least one sample was cut (ended with `length`) by the remaining budget's share
   * rather than by the proposer's own limits: the search then knows it ran out of budget.
   */
  budgetLimited: boolean
}

/** The result of {@link StepProposer.start}. */
export interface StartResponse {
  /** The empty solution of the prompt (the search tree's root). */
  root: StepState
  /** What starting cost, e.g. the prompt's prefill (already charged to the budget). */
  usage: Usage
}

/** Samples next steps of partial solutions. Searches are written against this interface only. */
export interface StepProposer {
  /** Name for traces, e.g. `lm:tinymath-draft` or `token:tinymath-draft`. */
  readonly name: string
  /**
   * Opens a search for one prompt and returns the root (empty) solution. A token-level proposer
   * prefills the prompt here, once for the whole search.
   */
  start(input: { prompt: string }, context: RunContext): Promise<StartResponse>
  /**
   * Samples next steps for several partial solutions at once (one batch where the backend
   * allows). Checks the budget first: output tokens are capped so that all requested samples fit
   * the remaining budget, and {@link BudgetExhaustedError} is thrown when no token is left.
   * Usage is charged to `context.budget`.
   */
  propose(requests: readonly ProposeRequest[], context: RunContext): Promise<ProposeResponse>
  /**
   * Frees what the proposer holds for a state (the token-level proposer disposes its KV cache).
   * Idempotent; a released state can no longer be proposed from.
   */
  release(state: StepState): void
}
