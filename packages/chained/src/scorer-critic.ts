// A critic whose feedback comes from a scorer or verifier instead of the model: with a process
// scorer it names the first wrong step and keeps the correct steps before it.
import {
  assertNonEmptyString,
  callScorer,
  InvalidArgumentError,
  parseOption,
  questionText,
  type RunContext,
  type Score,
  type Scorer,
  type StepScore,
  type Usage,
} from '@metagen/core'
import type { Critic, Critique, CritiqueInput } from './critique.js'
import { chainedOptionSchemas } from './option-schemas.js'

/** Options of {@link scorerCritic}. */
export interface ScorerCriticOptions {
  /** The scorer or verifier (process scores are used where it gives them). */
  scorer: Scorer
  /** A step or outcome score below this is wrong, in [0, 1] (default 0.5). */
  threshold?: number
  /** Name in traces (default `scorer-critic`). */
  name?: string
}

/**
 * A critic from a scorer. With process scores: the first step scoring below `threshold` is
 * named in the feedback and `correctPrefix` is the attempt's text before that step (trailing
 * whitespace removed), so a revision continues from the last correct step. When every step
 * passes, the attempt is done if its outcome score (when given) passes too; otherwise the
 * prefix keeps every step and the revision rewrites the ending. Without process scores, the
 * outcome score decides and a revision starts over. The critique's score is the outcome score,
 * else the fraction of steps that pass. An unscorable attempt is not done and keeps nothing.
 */
export function scorerCritic(options: ScorerCriticOptions): Critic {
  const { scorer, threshold, name } = resolveScorerCriticOptions(options, 0.5, 'scorer-critic')
  return {
    name,
    async run(state, context) {
      const { score, usage } = await scoreAttempt(context, scorer, state)
      return { output: critiqueFromScore(state.attempt.text, score, threshold), usage }
    },
  }
}

/**
 * Checks the options shared by the scorer-backed critics (`scorer` a Scorer, `threshold` in
 * [0, 1], `name` non-empty) and fills the defaults. Internal to @metagen/chained.
 */
export function resolveScorerCriticOptions(
  options: { scorer: Scorer; threshold?: number; name?: string },
  defaultThreshold: number,
  defaultName: string,
): { scorer: Scorer; threshold: number; name: string } {
  if (!options || typeof options.scorer?.score !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.scorer',
      expected: 'a Scorer',
      received: options?.scorer,
    })
  }
  const threshold = options.threshold ?? defaultThreshold
  parseOption('options.threshold', chainedOptionSchemas.criticThreshold, threshold)
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  return { scorer: options.scorer, threshold, name: options.name ?? defaultName }
}

/** Scores the attempt of `state` (against its question) with `scorer` through the run context. */
export async function scoreAttempt(
  context: RunContext,
  scorer: Scorer,
  state: CritiqueInput,
): Promise<{ score: Score | undefined; usage: Usage }> {
  const result = await callScorer(context, scorer, [
    { prompt: questionText(state.input), output: state.attempt.text },
  ])
  return { score: result.scores[0], usage: result.usage }
}

function critiqueFromScore(
  text: string,
  score: { value: number | undefined; steps?: StepScore[]; error?: string } | undefined,
  threshold: number,
): Critique {
  if (!score || (score.value === undefined && (score.steps ?? []).length === 0)) {
    return {
      done: false,
      feedback: `The answer could not be checked${score?.error ? `: ${score.error}` : ''}.`,
    }
  }
  const steps = score.steps ?? []
  const passing = steps.filter((step) => step.score >= threshold).length
  const value = score.value ?? (steps.length > 0 ? passing / steps.length : undefined)
  const withScore = (critique: Critique): Critique =>
    value === undefined ? critique : { ...critique, score: value }
  const firstWrong = steps.findIndex((step) => step.score < threshold)
  if (firstWrong >= 0) {
    const step = steps[firstWrong] as StepScore
    const start = locateStep(text, steps, firstWrong)
    return withScore({
      done: false,
      feedback: `Step ${firstWrong + 1} ("${step.text.trim()}") is wrong.`,
      correctPrefix: start === undefined ? '' : text.slice(0, start).trimEnd(),
    })
  }
  if (score.value === undefined || score.value >= threshold) {
    return withScore({ done: true, feedback: 'Every step is correct.', correctPrefix: text })
  }
  const end = steps.length > 0 ? locateStepEnd(text, steps) : undefined
  return withScore({
    done: false,
    feedback: 'The steps are correct but the final answer is wrong or missing.',
    correctPrefix: end === undefined ? '' : text.slice(0, end),
  })
}

/** Offset where step `index` starts in `text`, finding the steps in order; undefined if lost. */
function locateStep(text: string, steps: readonly StepScore[], index: number): number | undefined {
  let cursor = 0
  for (let position = 0; position <= index; position++) {
    const found = findStep(text, (steps[position] as StepScore).text, cursor)
    if (!found) return undefined
    if (position === index) return found.start
    cursor = found.end
  }
  return undefined
}

/** Offset right after the last step (and its closing period, if any); undefined if lost. */
function locateStepEnd(text: string, steps: readonly StepScore[]): number | undefined {
  let cursor = 0
  for (const step of steps) {
    const found = findStep(text, step.text, cursor)
    if (!found) return undefined
    cursor = found.end
  }
  return text[cursor] === '.' ? cursor + 1 : cursor
}

function findStep(
  text: string,
  step: string,
  from: number,
): { start: number; end: number } | undefined {
  const needle = step.trim()
  if (needle === '') return undefined
  const start = text.indexOf(needle, from)
  return start < 0 ? undefined : { start, end: start + needle.length }
}
