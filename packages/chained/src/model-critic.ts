// A critic that asks a language model for feedback on an attempt (the feedback step of
// self-refine); the attempt is done when the feedback matches a stop pattern.
import {
  assertNonEmptyString,
  callModel,
  InvalidArgumentError,
  type LanguageModel,
  noOutputError,
  questionText,
  type RequestOptions,
  requestForInput,
  type TextInput,
} from '@metagen/core'
import type { Critic, CritiqueInput } from './critique.js'

/** Options of {@link modelCritic}. */
export interface ModelCriticOptions {
  /** The model that writes the feedback. */
  model: LanguageModel
  /** Builds the feedback request (default {@link defaultFeedbackTemplate}). */
  template?: (state: CritiqueInput) => TextInput
  /** True when the feedback says the attempt needs no change (default: contains the word `DONE`). */
  isDone?: (feedback: string) => boolean
  /** Request fields of the feedback call (temperature, maxTokens, ...). */
  request?: RequestOptions
  /** Name in traces (default `model-critic`). */
  name?: string
}

/**
 * The default feedback request for instruction-following models: the task, the attempt, and
 * the instruction to reply `DONE` when it is fully correct or else name the first mistake.
 * Chat inputs get the attempt as an assistant message and the instruction as a user message.
 */
export function defaultFeedbackTemplate(state: CritiqueInput): TextInput {
  const instruction =
    'Review the answer above step by step. If it is fully correct and complete, reply with ' +
    'exactly DONE. Otherwise name the first mistake and say how to fix it.'
  if (state.input.messages !== undefined) {
    return {
      ...state.input,
      messages: [
        ...state.input.messages,
        { role: 'assistant', content: state.attempt.text },
        { role: 'user', content: instruction },
      ],
    }
  }
  const { prompt: _prompt, ...rest } = state.input
  return {
    ...rest,
    prompt: `Task:\n${questionText(state.input)}\n\nAnswer:\n${state.attempt.text.trim()}\n\n${instruction}\n\nFeedback:`,
  }
}

/** Default stop rule: the feedback contains the word DONE (upper case). */
export function defaultIsDone(feedback: string): boolean {
  return /\bDONE\b/.test(feedback)
}

/** A critic whose feedback is written by `model` (one model call per critique). */
export function modelCritic(options: ModelCriticOptions): Critic {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
  const {
    model,
    template = defaultFeedbackTemplate,
    isDone = defaultIsDone,
    request = {},
  } = options
  return {
    name: options.name ?? 'model-critic',
    async run(state, context) {
      const result = await callModel(context, model, {
        ...requestForInput(template(state), request),
        n: 1,
      })
      const output = result.outputs[0]
      if (!output) throw noOutputError(model)
      if (output.error) throw output.error
      const feedback = output.text.trim()
      return { output: { done: isDone(feedback), feedback }, usage: result.usage }
    },
  }
}
