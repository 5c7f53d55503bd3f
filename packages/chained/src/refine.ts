// The refinement loop shared by self-refine and refinement with external feedback: attempt,
// critique, revise, until the critic is satisfied, the score stops improving or a round limit.
import {
  addUsage,
  assertNonEmptyString,
  assertTextInput,
  BudgetExhaustedError,
  callScorer,
  compact,
  emptyUsage,
  type Generator,
  type GeneratorResult,
  InvalidArgumentError,
  parseOption,
  questionText,
  type RunContext,
  runChild,
  type Scorer,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'
import type { Attempt, Critic, Critique, RevisionPlan, RevisionState } from './critique.js'
import { chainedOptionSchemas } from './option-schemas.js'
import { withAnswer } from './text-input.js'

/** Why a refinement loop stopped. */
export type RefineStopReason = 'critic-done' | 'max-rounds' | 'no-improvement' | 'budget'

/** Options of {@link refine}. */
export interface RefineOptions {
  /** Produces the initial attempt (round 0). */
  generator: Generator<TextInput, TextOutput>
  /** Judges each attempt. */
  critic: Critic
  /** Produces revisions from the plans of `revise`. */
  reviser: Generator<TextInput, TextOutput>
  /** Builds the reviser's input (and kept prefix) from the task, the attempt and its critique. */
  revise: (state: RevisionState) => RevisionPlan
  /** Maximum number of revisions, an integer >= 0. The loop always ends after it. */
  maxRounds: number
  /**
   * Stop after this many consecutive revisions whose score does not beat the best score so
   * far (an integer >= 1). Default: no such stop. Needs scores (critic or `scorer`).
   */
  patience?: number
  /** Outcome scorer of every attempt; its value is the attempt's score when the critic gives none. */
  scorer?: Scorer
  /**
   * Which attempt is the output: `best` (highest score, ties to the later attempt; the last
   * attempt when no attempt has a score) or `last`. Default `best`.
   */
  select?: 'best' | 'last'
  /** Sets `answer` on the attempts. */
  extractAnswer?: (text: string) => string | undefined
  /** Name in traces (default `refine`); each round is a span named `{name}-round`. */
  name?: string
}

/** Output of a refinement loop. */
export interface RefineOutput extends TextOutput {
  /** Revisions made (0 when the initial attempt was accepted). */
  rounds: number
  /** Why the loop stopped. */
  stopReason: RefineStopReason
  /** Every attempt, oldest first. */
  attempts: Attempt[]
}

/**
 * The refinement loop. Round 0 generates the initial attempt and critiques it; round k >= 1
 * revises the previous attempt from its critique and critiques the revision. Each round is a
 * trace span (`{name}-round`, data `round`, span-end with the round's usage, score, feedback).
 * The loop stops when the critic says done, after `maxRounds` revisions, when the score has not
 * improved for `patience` revisions, or when the budget runs out after the first attempt
 * (`stoppedBy: 'budget'`, output = the selected attempt so far).
 */
export function refine(options: RefineOptions): Generator<TextInput, RefineOutput> {
  validateRefineOptions(options)
  const name = options.name ?? 'refine'
  const select = options.select ?? 'best'
  const { generator, critic, reviser, revise, maxRounds, patience, scorer, extractAnswer } = options
  return {
    name,
    async run(input, context): Promise<GeneratorResult<RefineOutput>> {
      assertTextInput('input', input)
      const attempts: Attempt[] = []
      const outputs: TextOutput[] = []
      let usage: Usage = emptyUsage()
      let stopReason: RefineStopReason = 'max-rounds'
      let bestScore: number | undefined
      let stale = 0
      let previous: { attempt: TextOutput; critique: Critique } | undefined
      for (let round = 0; round <= maxRounds; round++) {
        const spanId = context.nextId('s')
        context.emit({ kind: 'span-start', id: spanId, name: `${name}-round`, data: { round } })
        const roundContext = context.child({ id: spanId, rngLabel: `round-${round}` })
        let roundUsage: Usage = emptyUsage()
        let record: Attempt | undefined
        let budgetHit = false
        try {
          let attempt: TextOutput
          if (!previous) {
            const result = await runChild(roundContext, generator, input, { label: 'attempt' })
            roundUsage = addUsage(roundUsage, result.usage)
            attempt = withAnswer(result.output, extractAnswer)
            budgetHit = result.stoppedBy === 'budget'
          } else {
            const plan = revise({
              input,
              attempt: previous.attempt,
              critique: previous.critique,
              round,
              history: attempts,
            })
            const result = await runChild(roundContext, reviser, plan.input, {
              label: 'revision',
              data: { round },
            })
            roundUsage = addUsage(roundUsage, result.usage)
            attempt = withAnswer(
              { ...result.output, text: plan.prefix + result.output.text },
              extractAnswer,
            )
            budgetHit = result.stoppedBy === 'budget'
          }
          outputs.push(attempt)
          // A budget-truncated attempt is kept but not critiqued: nothing could be revised.
          if (budgetHit) {
            record = { round, text: attempt.text, feedback: '', done: false }
            if (attempt.answer !== undefined) record.answer = attempt.answer
          } else {
            const critiqued = await critiqueAttempt(roundContext, {
              critic,
              scorer,
              input,
              attempt,
              round,
              history: attempts,
            })
            roundUsage = addUsage(roundUsage, critiqued.usage)
            record = critiqued.record
            previous = { attempt, critique: critiqued.critique }
          }
          attempts.push(record)
        } catch (error) {
          if (!BudgetExhaustedError.isInstance(error) || outputs.length === 0) {
            context.emit({
              kind: 'span-end',
              id: spanId,
              name: `${name}-round`,
              usage: roundUsage,
              data: { round, error: error instanceof Error ? error.message : String(error) },
            })
            throw error
          }
          budgetHit = true
          const last = outputs[outputs.length - 1]
          if (last && outputs.length > attempts.length) {
            record = { round, text: last.text, feedback: '', done: false }
            if (last.answer !== undefined) record.answer = last.answer
            attempts.push(record)
          }
        } finally {
          usage = addUsage(usage, roundUsage)
        }
        context.emit({
          kind: 'span-end',
          id: spanId,
          name: `${name}-round`,
          usage: roundUsage,
          data: {
            round,
            ...(record
              ? {
                  text: record.text,
                  feedback: record.feedback,
                  done: record.done,
                  ...compact({ score: record.score, answer: record.answer }),
                }
              : {}),
            ...(budgetHit ? { stoppedBy: 'budget' } : {}),
          },
        })
        if (budgetHit) {
          stopReason = 'budget'
          break
        }
        if (record?.done) {
          stopReason = 'critic-done'
          break
        }
        if (record?.score !== undefined) {
          if (bestScore === undefined || record.score > bestScore) {
            bestScore = record.score
            stale = 0
          } else if (round > 0) {
            stale++
          }
          if (patience !== undefined && stale >= patience) {
            stopReason = 'no-improvement'
            break
          }
        }
      }
      const chosen = chooseAttempt(attempts, outputs, select)
      const output: RefineOutput = {
        ...chosen.output,
        ...(chosen.attempt?.score !== undefined ? { score: chosen.attempt.score } : {}),
        rounds: attempts.length - 1,
        stopReason,
        attempts,
      }
      return { output, usage, ...(stopReason === 'budget' ? { stoppedBy: 'budget' as const } : {}) }
    },
  }
}

async function critiqueAttempt(
  context: RunContext,
  options: {
    critic: Critic
    scorer: Scorer | undefined
    input: TextInput
    attempt: TextOutput
    round: number
    history: readonly Attempt[]
  },
): Promise<{ critique: Critique; record: Attempt; usage: Usage }> {
  const { critic, scorer, input, attempt, round, history } = options
  const result = await runChild(
    context,
    critic,
    { input, attempt, round, history: [...history] },
    { label: 'critique' },
  )
  let usage = result.usage
  const critique = result.output
  let score = assertScoreValue('critic output.score', critique.score)
  if (scorer) {
    const scored = await callScorer(context, scorer, [
      { prompt: questionText(input), output: attempt.text },
    ])
    usage = addUsage(usage, scored.usage)
    score ??= assertScoreValue(`scorer ${scorer.name} value`, scored.scores[0]?.value)
  }
  const record: Attempt = {
    round,
    text: attempt.text,
    feedback: critique.feedback,
    done: critique.done,
  }
  if (attempt.answer !== undefined) record.answer = attempt.answer
  if (score !== undefined) record.score = score
  return { critique, record, usage }
}

function chooseAttempt(
  attempts: readonly Attempt[],
  outputs: readonly TextOutput[],
  select: 'best' | 'last',
): { output: TextOutput; attempt: Attempt | undefined } {
  let index = outputs.length - 1
  if (select === 'best') {
    let best: number | undefined
    for (const [position, attempt] of attempts.entries()) {
      if (attempt.score === undefined) continue
      const bestAttempt = best === undefined ? undefined : attempts[best]
      if (bestAttempt?.score === undefined || attempt.score >= bestAttempt.score) best = position
    }
    if (best !== undefined) index = best
  }
  return { output: outputs[index] as TextOutput, attempt: attempts[index] }
}

function validateRefineOptions(options: RefineOptions): void {
  if (!options || typeof options !== 'object') {
    throw new InvalidArgumentError({
      argument: 'options',
      expected: 'an options object',
      received: options,
    })
  }
  for (const field of ['generator', 'critic', 'reviser'] as const) {
    if (typeof options[field]?.run !== 'function') {
      throw new InvalidArgumentError({
        argument: `options.${field}`,
        expected: 'a generator (an object with a run method)',
        received: options[field],
      })
    }
  }
  if (typeof options.revise !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.revise',
      expected: 'a function (state) => { input, prefix }',
      received: options.revise,
    })
  }
  parseOption('options.maxRounds', chainedOptionSchemas.maxRounds, options.maxRounds)
  if (options.patience !== undefined)
    parseOption('options.patience', chainedOptionSchemas.patience, options.patience)
  if (options.select !== undefined && options.select !== 'best' && options.select !== 'last') {
    throw new InvalidArgumentError({
      argument: 'options.select',
      expected: '"best" or "last"',
      received: options.select,
    })
  }
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
}

/**
 * `value` when it is a finite number or undefined; throws {@link InvalidArgumentError} naming
 * `argument` otherwise (a NaN score would make every comparison of attempts false).
 */
function assertScoreValue(argument: string, value: number | undefined): number | undefined {
  if (value !== undefined && !Number.isFinite(value)) {
    throw new InvalidArgumentError({
      argument,
      expected: 'a finite number or undefined (no score)',
      received: value,
    })
  }
  return value
}
