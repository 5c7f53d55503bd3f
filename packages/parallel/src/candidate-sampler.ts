// Drawing candidates for the parallel generators: batched or concurrent sampling in
// budget-aware rounds, with per-sample failures kept as failed candidates.
import {
  AbortedError,
  addUsage,
  assertInteger,
  BudgetExhaustedError,
  type Candidate,
  callModel,
  emptyUsage,
  type GenerateOutput,
  type GenerateRequest,
  InvalidArgumentError,
  normaliseAnswer,
  type RunContext,
  runChild,
  type TextInput,
  UnsupportedCapabilityError,
  type Usage,
} from '@metagen/core'
import { extractFinalAnswer } from './extract-final-answer.js'
import type { SampleSourceOptions } from './sample-source.js'

/** A candidate drawn by a {@link CandidateSampler}. */
export interface SampledCandidate extends Candidate {
  /** Position in draw order (0-based); the tie rules of the selection functions use it. */
  index: number
  /**
   * The normalised answer (vote key), or undefined when no answer was extracted, the answer is
   * empty once normalised, or the sample failed.
   */
  key?: string
}

/** Draws candidates from a model or a base generator, round after round. */
export interface CandidateSampler {
  /** Every candidate drawn so far, in draw order (failed ones included, with `error`). */
  readonly candidates: readonly SampledCandidate[]
  /** Usage of every model call and child run so far. */
  readonly usage: Usage
  /** Set once sampling was cut short because the budget ran out. */
  readonly stoppedBy: 'budget' | undefined
  /**
   * Draws up to `count` more candidates and returns them. Stops early (returning fewer) when the
   * budget runs out; {@link stoppedBy} then says so.
   */
  sample(count: number): Promise<SampledCandidate[]>
}

/**
 * Creates a sampler for one input.
 *
 * Batching: with `model.capabilities.nativeN` the samples of a round are ONE call with `n`;
 * otherwise one call per sample, all issued at once and run concurrently up to the context's
 * limiter. A `base` generator runs once per sample, concurrently, each through `runChild` with
 * the label `{labelPrefix}-{index}` (`settings.labelPrefix`, default `sample`), so that its RNG
 * stream does not depend on scheduling.
 *
 * Budget-aware rounds: when the run's budget limits output tokens to R remaining and each
 * sample may use up to T = `maxTokens` tokens, a round draws only k = max(1, floor(R / T))
 * samples with maxTokens min(T, floor(R / k)), so that the round cannot overshoot the budget
 * and samples are not truncated to R / n tokens each. Since most samples end well before T,
 * later rounds use what the earlier ones left. Sampling stops when the budget is exhausted
 * (or `floor(R / k) < 1`); a `base` child that refuses a call with {@link BudgetExhaustedError}
 * also stops it. The guarantee usage <= budget holds as long as nothing else in the run spends
 * concurrently with this sampler.
 *
 * Failures: a sample with `GenerateOutput.error`, a failed call or a throwing child becomes a
 * candidate with `error` set (and `finishReason: 'error'`); the other samples are kept.
 * {@link AbortedError}, {@link InvalidArgumentError} and {@link UnsupportedCapabilityError} are
 * not sample failures and propagate.
 */
export function createCandidateSampler(
  context: RunContext,
  input: TextInput,
  options: SampleSourceOptions,
  settings: { labelPrefix?: string } = {},
): CandidateSampler {
  const labelPrefix = settings.labelPrefix ?? 'sample'
  const candidates: SampledCandidate[] = []
  let usage = emptyUsage()
  let stoppedBy: 'budget' | undefined
  const extract = options.extractAnswer ?? extractFinalAnswer
  const normalise = options.normaliseAnswer ?? normaliseAnswer
  const perSampleTokens = options.maxTokens ?? input.request?.maxTokens

  const makeCandidate = (
    fields: Omit<SampledCandidate, 'index' | 'key'>,
    answer: string | undefined,
  ): SampledCandidate => {
    const candidate: SampledCandidate = { ...fields, index: candidates.length }
    if (fields.error === undefined) {
      const extracted = answer ?? extract(fields.text)
      // An empty answer (`\boxed{}`, `Answer: $ $`) is no answer: it must not vote as "".
      const key = extracted === undefined ? '' : normalise(extracted)
      if (extracted !== undefined && key !== '') {
        candidate.answer = extracted
        candidate.key = key
      }
    }
    candidates.push(candidate)
    return candidate
  }

  const failed = (error: unknown): Omit<SampledCandidate, 'index' | 'key'> => ({
    text: '',
    finishReason: 'error',
    error: error instanceof Error ? error.message : String(error),
  })

  const fromOutput = (output: GenerateOutput): SampledCandidate => {
    if (output.error) return makeCandidate(failed(output.error), undefined)
    const fields: Omit<SampledCandidate, 'index' | 'key'> = {
      text: output.text,
      finishReason: output.finishReason,
    }
    if (output.logprobs && output.logprobs.length > 0) {
      fields.logprob = output.logprobs.reduce((sum, token) => sum + token.logprob, 0)
    }
    return makeCandidate(fields, undefined)
  }

  const baseRequest = (): GenerateRequest => {
    const request: GenerateRequest = { ...input.request }
    if (input.prompt !== undefined) request.prompt = input.prompt
    if (input.messages !== undefined) request.messages = input.messages
    // an explicit option wins (as in requestForInput); the input's own temperature beats the default
    request.temperature = options.temperature ?? input.request?.temperature ?? 1
    return request
  }

  const drawFromModel = async (count: number, maxTokens: number | undefined) => {
    const model = options.model!
    const request = baseRequest()
    if (maxTokens !== undefined) request.maxTokens = maxTokens
    const drawn: SampledCandidate[] = []
    if (model.capabilities.nativeN) {
      try {
        const result = await callModel(context, model, { ...request, n: count })
        usage = addUsage(usage, result.usage)
        for (let index = 0; index < count; index++) {
          const output = result.outputs[index]
          drawn.push(
            output
              ? fromOutput(output)
              : makeCandidate(failed(`the model returned no output #${index}`), undefined),
          )
        }
      } catch (error) {
        if (isFatal(error)) throw error
        if (BudgetExhaustedError.isInstance(error)) {
          stoppedBy = 'budget'
          return drawn
        }
        for (let index = 0; index < count; index++)
          drawn.push(makeCandidate(failed(error), undefined))
      }
      return drawn
    }
    const settled = await Promise.allSettled(
      Array.from({ length: count }, () => callModel(context, model, { ...request, n: 1 })),
    )
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') {
        usage = addUsage(usage, outcome.value.usage)
        const output = outcome.value.outputs[0]
        drawn.push(
          output
            ? fromOutput(output)
            : makeCandidate(failed('the model returned no output'), undefined),
        )
      } else if (isFatal(outcome.reason)) {
        throw outcome.reason
      } else if (BudgetExhaustedError.isInstance(outcome.reason)) {
        stoppedBy = 'budget'
      } else {
        drawn.push(makeCandidate(failed(outcome.reason), undefined))
      }
    }
    return drawn
  }

  const drawFromBase = async (count: number, maxTokens: number | undefined) => {
    const base = options.base!
    const childInput: TextInput =
      maxTokens === undefined ? input : { ...input, request: { ...input.request, maxTokens } }
    const first = candidates.length
    const settled = await Promise.allSettled(
      Array.from({ length: count }, (_, offset) =>
        runChild(context, base, childInput, { label: `${labelPrefix}-${first + offset}` }),
      ),
    )
    const drawn: SampledCandidate[] = []
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') {
        const { output, usage: childUsage } = outcome.value
        usage = addUsage(usage, childUsage)
        if (outcome.value.stoppedBy === 'budget') stoppedBy = 'budget'
        const fields: Omit<SampledCandidate, 'index' | 'key'> = { text: output.text }
        if (output.finishReason !== undefined) fields.finishReason = output.finishReason
        if (output.score !== undefined) fields.score = output.score
        drawn.push(makeCandidate(fields, output.answer))
      } else if (isFatal(outcome.reason)) {
        throw outcome.reason
      } else if (BudgetExhaustedError.isInstance(outcome.reason)) {
        stoppedBy = 'budget'
      } else {
        drawn.push(makeCandidate(failed(outcome.reason), undefined))
      }
    }
    return drawn
  }

  return {
    get candidates() {
      return candidates
    },
    get usage() {
      return usage
    },
    get stoppedBy() {
      return stoppedBy
    },
    async sample(count) {
      assertInteger('count', count, 0)
      const drawn: SampledCandidate[] = []
      let remaining = count
      while (remaining > 0 && stoppedBy === undefined) {
        if (context.budget.isExhausted()) {
          stoppedBy = 'budget'
          break
        }
        const round = planRound(context, remaining, perSampleTokens, options)
        if (round === undefined) {
          stoppedBy = 'budget'
          break
        }
        const roundCandidates = options.model
          ? await drawFromModel(round.count, round.maxTokens)
          : await drawFromBase(round.count, round.maxTokens)
        drawn.push(...roundCandidates)
        remaining -= round.count
      }
      return drawn
    },
  }
}

/** Errors that are not a failure of one sample: they would fail every sample, or were asked for. */
function isFatal(error: unknown): boolean {
  return (
    AbortedError.isInstance(error) ||
    InvalidArgumentError.isInstance(error) ||
    UnsupportedCapabilityError.isInstance(error)
  )
}

/** Size and token cap of the next round, or undefined when the budget leaves no room. */
function planRound(
  context: RunContext,
  wanted: number,
  perSampleTokens: number | undefined,
  options: SampleSourceOptions,
): { count: number; maxTokens: number | undefined } | undefined {
  let count = wanted
  let maxTokens = perSampleTokens
  if (options.model && !options.model.capabilities.nativeN) {
    const calls = context.budget.remainingCalls()
    if (calls < 1) return undefined
    count = Math.min(count, calls)
  } else if (options.model && context.budget.remainingCalls() < 1) {
    return undefined
  }
  const remainingTokens = context.budget.remainingOutputTokens()
  if (Number.isFinite(remainingTokens)) {
    if (perSampleTokens !== undefined) {
      count = Math.min(count, Math.max(1, Math.floor(remainingTokens / perSampleTokens)))
    }
    const share = Math.floor(remainingTokens / count)
    if (share < 1) return undefined
    maxTokens = perSampleTokens === undefined ? share : Math.min(perSampleTokens, share)
  }
  return { count, maxTokens }
}
