// A critic that passes on a scorer's own feedback text (Score.feedback), e.g. the failing tests
// and error messages of a test runner: the external feedback of Self-Debug.
import type { Scorer } from '@metagen/core'
import type { Critic } from './critique.js'
import { resolveScorerCriticOptions, scoreAttempt } from './scorer-critic.js'

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
  const { scorer, threshold, name } = resolveScorerCriticOptions(options, 1, 'scorer-feedback')
  return {
    name,
    async run(state, context) {
      const { score, usage } = await scoreAttempt(context, scorer, state)
      if (score?.value === undefined) {
        return {
          output: {
            done: false,
            feedback: `The answer could not be checked${score?.error ? `: ${score.error}` : ''}.`,
          },
          usage,
        }
      }
      const done = score.value >= threshold
      const feedback =
        score.feedback ?? `Score ${score.value}${done ? '' : `, below the required ${threshold}`}.`
      return { output: { done, feedback, score: score.value }, usage }
    },
  }
}
