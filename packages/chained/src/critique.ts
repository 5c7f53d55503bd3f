// The types shared by refinement loops: attempts, critiques (feedback from the model itself or
// from a scorer/verifier) and revision plans.
import type { Generator, TextInput, TextOutput } from '@metagen/core'

/** One attempt of a refinement loop, as remembered in its history. */
export interface Attempt {
  /** Round that produced it: 0 for the initial attempt, k for the k-th revision. */
  round: number
  /** The attempt's full text. */
  text: string
  /** Its extracted answer, where an extractor was given. */
  answer?: string
  /** Its score (higher is better), where the critic or scorer produced one. */
  score?: number
  /** The critic's feedback on it. */
  feedback: string
  /** True when the critic judged it done. */
  done: boolean
}

/** What a critic sees. */
export interface CritiqueInput {
  /** The refinement's input (the task). */
  input: TextInput
  /** The attempt to judge. */
  attempt: TextOutput
  /** Round of the attempt (0 = initial). */
  round: number
  /** Earlier attempts, oldest first. */
  history: readonly Attempt[]
}

/** A critic's judgement of an attempt. */
export interface Critique {
  /** True when the attempt needs no revision: the loop stops. */
  done: boolean
  /** Feedback for the revision (e.g. `Step 3 ("23+68=92") is wrong.`). */
  feedback: string
  /** Score of the attempt, higher is better, where the critic produces one. */
  score?: number
  /**
   * The beginning of the attempt judged correct (e.g. up to the first wrong step); a
   * continuation revision keeps it and generates after it. Undefined: nothing is kept.
   */
  correctPrefix?: string
  /** Text the critic proposes right after `correctPrefix` (e.g. a recomputed step). */
  correction?: string
}

/** A critic is a generator from an attempt to a critique, so it is traced and budgeted. */
export type Critic = Generator<CritiqueInput, Critique>

/** What a revision sees: the task, the attempt just judged, its critique, and the history. */
export interface RevisionState {
  input: TextInput
  attempt: TextOutput
  critique: Critique
  /** Round of the revision to produce (1 = first revision). */
  round: number
  /** Every earlier attempt including the one just judged, oldest first. */
  history: readonly Attempt[]
}

/** How to produce a revision: the reviser's input and the text kept before its output. */
export interface RevisionPlan {
  /** Input of the reviser. */
  input: TextInput
  /** Text of the new attempt before the reviser's output (a kept prefix); '' for none. */
  prefix: string
}
