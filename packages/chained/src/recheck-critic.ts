// A self-critic for completion models that are not instruction-tuned: the model recomputes
// each arithmetic step `a op b=c` of its attempt in a fresh context, and the first step whose
// recomputation disagrees is the feedback (self-refine without an instruction prompt).
import {
  addUsage,
  assertCanContinue,
  assertInteger,
  assertNonEmptyString,
  callModel,
  continueInput,
  emptyUsage,
  InvalidArgumentError,
  type LanguageModel,
  type RequestOptions,
  requestForInput,
  type TextInput,
  type Usage,
} from '@metagen/core'
import type { Critic, Critique } from './critique.js'

/** Options of {@link arithmeticRecheckCritic}. */
export interface ArithmeticRecheckCriticOptions {
  /** The model that rechecks (usually the one that wrote the attempt). */
  model: LanguageModel
  /**
   * The recheck request for one step: default the task input continued by ` {a}{op}{b}=`,
   * i.e. the step alone right after the question (a context without the earlier steps).
   */
  template?: (input: TextInput, expression: string) => TextInput
  /** Request fields of the recheck calls (default temperature 0, maxTokens 12, stop `.`). */
  request?: RequestOptions
  /** Most steps rechecked per attempt, an integer >= 1 (default 16). */
  maxSteps?: number
  /** Name in traces (default `recheck-critic`). */
  name?: string
}

const stepPattern = /(-?\d+)\s*([+\-*/])\s*(-?\d+)\s*=\s*(-?\d+)/g

/**
 * Recomputes the attempt's steps one by one with `model` (one call per step, stopping at the
 * first disagreement). On a disagreement the critique keeps the text before the step as
 * `correctPrefix` and proposes `correction` = the step's expression with the recomputed value,
 * so a continuation revision goes on from the corrected step. Done when every step agrees.
 * Score: the fraction of rechecked steps that agree (undefined without steps).
 */
export function arithmeticRecheckCritic(options: ArithmeticRecheckCriticOptions): Critic {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  const maxSteps = options.maxSteps ?? 16
  assertInteger('options.maxSteps', maxSteps, 1)
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  const { model } = options
  if (options.template === undefined)
    assertCanContinue('options.model', model, 'the recheck critic')
  const template =
    options.template ??
    ((input: TextInput, expression: string) =>
      continueInput(input, ` ${expression}=`, model, 'the recheck critic'))
  const request: RequestOptions = { temperature: 0, maxTokens: 12, stop: ['.'], ...options.request }
  return {
    name: options.name ?? 'recheck-critic',
    async run(state, context) {
      const text = state.attempt.text
      const steps = [...text.matchAll(stepPattern)].slice(0, maxSteps)
      let usage: Usage = emptyUsage()
      for (const [index, step] of steps.entries()) {
        const [, left, operator, right, claimed] = step as unknown as [
          string,
          string,
          string,
          string,
          string,
        ]
        const expression = `${left}${operator}${right}`
        const result = await callModel(context, model, {
          ...requestForInput(template(state.input, expression), request),
          n: 1,
        })
        usage = addUsage(usage, result.usage)
        const recomputed = /^\s*(-?\d+)/.exec(result.outputs[0]?.text ?? '')?.[1]
        if (recomputed === undefined || BigInt(recomputed) === BigInt(claimed)) continue
        const start = step.index ?? 0
        const equals = text.indexOf('=', start)
        const critique: Critique = {
          done: false,
          feedback: `Step ${index + 1}: ${expression}= recomputes to ${recomputed}, not ${claimed}.`,
          score: index / steps.length,
          correctPrefix: text.slice(0, start),
          correction: `${text.slice(start, equals + 1)}${recomputed}`,
        }
        return { output: critique, usage }
      }
      const critique: Critique = {
        done: true,
        feedback: steps.length > 0 ? 'Every step rechecks.' : 'No arithmetic steps to recheck.',
        ...(steps.length > 0 ? { score: 1 } : {}),
      }
      return { output: critique, usage }
    },
  }
}
