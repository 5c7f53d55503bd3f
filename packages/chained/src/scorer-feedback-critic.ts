// A critic that passes on a scorer's own feedback text (Score.feedback), e.g. the failing tests
// and error messages of a test runner: the external feedback of Self-Debug.
import {
  assertNonEmptyString,
  callScorer,
  InvalidArgumentError,
  parseOption,
  questionText,
  type Scorer,
} from '@metagen/core'
import type { Critic } from './critique.js'
import { chainedOptionSchemas } from './option-schemas.js'

/** Options of {@link scorerFeedbackCritic}. */
export interface ScorerFeedbackCriticOptions {
  /** An outcome scorer that explains its scores in `Score.feedback` (e.g. a test runner). */
  scorer: Scorer
  /** The attempt is done when its score is at least this, in [0, 1] (default 1: every test passes). */
  threshold?: number
  /** Name in traces (default `scorer-feedback`). */
  name?: string
}

/**
 * A critic whose feedback is the scorer's `feedback` text for the attempt, verbatim. The
 * critique's score is the scorer's value and the attempt is done when that value is at least
 * `threshold`. An unscorable attempt is not done, and its feedback is the scorer's error.
 * Nothing of the attempt is kept (`correctPrefix` unset): a revision rewrites it whole.
 */
export function scorerFeedbackCritic(options: ScorerFeedbackCriticOptions): Critic {
  if (!options || typeof options.scorer?.score !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.scorer',
      expected: 'a Scorer',
      received: options?.scorer,
    })
  }
  const threshold = options.threshold ?? 1
  parseOption('options.threshold', chainedOptionSchemas.criticThreshold, threshold)
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  const { scorer } = options
  return {
    name: options.name ?? 'scorer-feedback',
    async run(state, context) {
      const result = await callScorer(context, scorer, [
        { prompt: questionText(state.input), output: state.attempt.text },
      ])
      const score = result.scores[0]
      if (score?.value === undefined) {
        return {
          output: {
            done: false,
            feedback: `The answer could not be checked${score?.error ? `: ${score.error}` : ''}.`,
          },
          usage: result.usage,
        }
      }
      const done = score.value >= threshold
      const feedback =
        score.feedback ?? `Score ${score.value}${done ? '' : `, below the required ${threshold}`}.`
      return { output: { done, feedback, score: score.value }, usage: result.usage }
    },
  }
}
