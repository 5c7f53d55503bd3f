// Self-refine (Madaan et al., 2023): the model answers, criticises its own answer and revises
// it, until the feedback says done, the score stops improving, or a round limit.
import {
  compact,
  type Generator,
  InvalidArgumentError,
  type LanguageModel,
  languageModelGenerator,
  type RequestOptions,
  type Scorer,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import type { Critic, CritiqueInput, RevisionPlan, RevisionState } from './critique.js'
import { modelCritic } from './model-critic.js'
import { type RefineOutput, refine } from './refine.js'
import { instructionRevision } from './revisions.js'

/** Options of {@link selfRefine}. */
export interface SelfRefineOptions {
  /** The model that answers, criticises and revises. */
  model: LanguageModel
  /** Maximum revisions, an integer >= 0 (default 3). */
  maxRounds?: number
  /** Request fields of the answer and revision calls. */
  request?: RequestOptions
  /** Request fields of the feedback calls (default: `request`). */
  feedbackRequest?: RequestOptions
  /** Feedback prompt (default: instruction prompt asking for DONE or the first mistake). */
  feedbackTemplate?: (state: CritiqueInput) => TextInput
  /** Stop rule on the feedback text (default: it contains `DONE`). */
  isDone?: (feedback: string) => boolean
  /** Replaces the model-written feedback by another critic (e.g. {@link arithmeticRecheckCritic}). */
  critic?: Critic
  /** Revision prompt (default {@link instructionRevision}). */
  revise?: (state: RevisionState) => RevisionPlan
  /** Produces the initial attempt (default: one call of `model` with `request`). */
  generator?: Generator<TextInput, TextOutput>
  /** Outcome scorer; with it the loop can stop when the score stops improving. */
  scorer?: Scorer
  /** Stop after this many revisions without a better score (integer >= 1; needs scores). */
  patience?: number
  /** Output: `last` attempt (default, as in the paper) or `best` scored. */
  select?: 'best' | 'last'
  /** Sets `answer` on every attempt. */
  extractAnswer?: (text: string) => string | undefined
  /** Name in traces (default `self-refine`). */
  name?: string
}

/**
 * Self-refine over any language model: generate, feedback (the model's, through
 * {@link modelCritic}, unless another critic is given), revise; a {@link refine} loop, so it
 * always ends after `maxRounds` revisions and traces one span per round.
 */
export function selfRefine(options: SelfRefineOptions): Generator<TextInput, RefineOutput> {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  const { model, request = {} } = options
  const reviser = languageModelGenerator({ model, request, name: 'revise' })
  const critic =
    options.critic ??
    modelCritic({
      model,
      request: options.feedbackRequest ?? request,
      ...(options.feedbackTemplate ? { template: options.feedbackTemplate } : {}),
      ...compact({ isDone: options.isDone }),
    })
  return refine({
    name: options.name ?? 'self-refine',
    generator: options.generator ?? languageModelGenerator({ model, request }),
    critic,
    reviser,
    revise: options.revise ?? instructionRevision,
    maxRounds: options.maxRounds ?? 3,
    select: options.select ?? 'last',
    ...compact({
      patience: options.patience,
      scorer: options.scorer,
      extractAnswer: options.extractAnswer,
    }),
  })
}
