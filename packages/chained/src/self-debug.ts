// Self-Debug (Chen et al., 2023, "Teaching Large Language Models to Self-Debug"): the model
// writes a program, the program is run against the tests, and the execution feedback (failing
// tests and their errors) goes back to the model, which writes a corrected program; until every
// test passes or a round limit.
import {
  assertNonEmptyString,
  compact,
  type Generator,
  InvalidArgumentError,
  type LanguageModel,
  languageModelGenerator,
  programRepairInput,
  type RequestOptions,
  type Scorer,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import type { RevisionPlan, RevisionState } from './critique.js'
import { type RefineOutput, refine } from './refine.js'
import { scorerFeedbackCritic } from './scorer-feedback-critic.js'

/** Options of {@link selfDebugRevision}. */
export interface SelfDebugRevisionOptions {
  /**
   * Self-Debug's "explanation" feedback: ask the model to explain the code line by line and
   * why it fails before writing the fix (default false: the "unit test" feedback alone).
   */
  explain?: boolean
}

/**
 * The Self-Debug revision prompt: the task, the previous program, the execution feedback and
 * the instruction to write the corrected program in one JavaScript code block. Chat inputs get
 * the program as an assistant turn and the feedback as the next user turn.
 */
export function selfDebugRevision(
  options: SelfDebugRevisionOptions = {},
): (state: RevisionState) => RevisionPlan {
  const explanation = options.explain
    ? 'First explain what the code does line by line and why it fails the tests, then write'
    : 'Write'
  return (state) => ({
    input: programRepairInput(
      state.input,
      state.attempt.text,
      state.critique.feedback,
      `${explanation} the corrected complete program in one \`\`\`javascript code block.`,
    ),
    prefix: '',
  })
}

/** Options of {@link selfDebug}. */
export interface SelfDebugOptions {
  /** The model that writes the programs and the fixes. */
  model: LanguageModel
  /**
   * The execution scorer: its value is the fraction of tests passed and its `feedback` the
   * failing tests and errors (e.g. `createTestRunnerScorer` of @metagen/execution).
   */
  scorer: Scorer
  /** Maximum revisions, an integer >= 0 (default 3). */
  maxRounds?: number
  /** An attempt is accepted when its score reaches this, in [0, 1] (default 1: all tests pass). */
  threshold?: number
  /** Request fields of the first program (e.g. temperature 0). */
  request?: RequestOptions
  /** Request fields of the fixes, over `request` (default: `request` alone). */
  reviseRequest?: RequestOptions
  /** Self-Debug's explanation feedback (see {@link SelfDebugRevisionOptions}; default false). */
  explain?: boolean
  /** Produces the first program (default: one call of `model` with `request`). */
  generator?: Generator<TextInput, TextOutput>
  /** Stop after this many fixes without a better score (integer >= 1). Default: none. */
  patience?: number
  /** Output: the `best` attempt (default: most tests passed, ties to the later) or the `last`. */
  select?: 'best' | 'last'
  /** Name in traces (default `self-debug`). */
  name?: string
}

/**
 * Self-Debug over any language model: write a program, run it against the tests through
 * `scorer`, and while it fails, give the model its program with the execution feedback (the
 * scorer's `Score.feedback`, verbatim) and let it write a corrected program, at most
 * `maxRounds` times. Stops as soon as an attempt reaches `threshold` (default: every test
 * passes). A {@link refine} loop: one trace span per round, `rounds`, `stopReason` and every
 * attempt with its feedback in the output.
 */
export function selfDebug(options: SelfDebugOptions): Generator<TextInput, RefineOutput> {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  const { model, request = {} } = options
  return refine({
    name: options.name ?? 'self-debug',
    generator: options.generator ?? languageModelGenerator({ model, request }),
    critic: scorerFeedbackCritic({
      scorer: options.scorer,
      ...compact({ threshold: options.threshold }),
    }),
    reviser: languageModelGenerator({
      model,
      request: { ...request, ...(options.reviseRequest ?? {}) },
      name: 'debug',
    }),
    revise: selfDebugRevision({ explain: options.explain ?? false }),
    maxRounds: options.maxRounds ?? 3,
    select: options.select ?? 'best',
    ...compact({ patience: options.patience }),
  })
}
