// Ways to turn a critique into the reviser's input: an instruction prompt for instruction
// models (self-refine), or a continuation from the correct prefix for completion models.
import { parseOption, questionText, type TextInput } from '@metagen/core'
import type { Attempt, RevisionPlan, RevisionState } from './critique.js'
import { chainedOptionSchemas } from './option-schemas.js'
import { appendToInput } from './text-input.js'

/**
 * The default self-refine revision for instruction models: the task, the previous answer and
 * the feedback, and the instruction to write an improved answer (a new attempt from scratch).
 */
export function instructionRevision(state: RevisionState): RevisionPlan {
  const instruction = `Feedback on your answer:\n${state.critique.feedback}\n\nWrite an improved, complete answer that fixes these problems.`
  if (state.input.messages !== undefined) {
    return {
      input: {
        ...state.input,
        messages: [
          ...state.input.messages,
          { role: 'assistant', content: state.attempt.text },
          { role: 'user', content: instruction },
        ],
      },
      prefix: '',
    }
  }
  const { prompt: _prompt, ...rest } = state.input
  return {
    input: {
      ...rest,
      prompt: `Task:\n${questionText(state.input)}\n\nPrevious answer:\n${state.attempt.text.trim()}\n\n${instruction}\n\nImproved answer:`,
    },
    prefix: '',
  }
}

/** Options of {@link continuationRevision}. */
export interface ContinuationRevisionOptions {
  /**
   * Reflexion-style memory: the last `memory` failed attempts with their feedback are put in
   * front of the task (integer >= 0, default 0 = none). It changes the prompt's format, so it
   * suits instruction models better than completion-only ones such as tinymath.
   */
  memory?: number
  /** Formats the memory block (default {@link formatMemory}). */
  formatMemory?: (attempts: readonly Attempt[]) => string
}

/** The default memory block: `Earlier wrong attempts:` then each attempt and its feedback. */
export function formatMemory(attempts: readonly Attempt[]): string {
  const lines = attempts.map(
    (attempt, index) =>
      `Attempt ${index + 1}: ${attempt.text.trim()}\nFeedback: ${attempt.feedback}`,
  )
  return `Earlier wrong attempts:\n${lines.join('\n')}\n\n`
}

/**
 * A revision that continues from the critique's correct prefix (plus its correction, if any):
 * the reviser's input is the task continued by that text, and the text is kept in front of the
 * reviser's output. With `memory`, earlier failed attempts are prepended to the task.
 */
export function continuationRevision(
  options: ContinuationRevisionOptions = {},
): (state: RevisionState) => RevisionPlan {
  const memory = options.memory ?? 0
  parseOption('options.memory', chainedOptionSchemas.memory, memory)
  const format = options.formatMemory ?? formatMemory
  return (state) => {
    const prefix = (state.critique.correctPrefix ?? '') + (state.critique.correction ?? '')
    let input: TextInput = state.input
    if (memory > 0) {
      const failed = state.history.filter((attempt) => !attempt.done).slice(-memory)
      if (failed.length > 0) input = prependToTask(input, format(failed))
    }
    return { input: appendToInput(input, prefix), prefix }
  }
}

function prependToTask(input: TextInput, text: string): TextInput {
  if (input.messages === undefined) return { ...input, prompt: text + (input.prompt ?? '') }
  const messages = [...input.messages]
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]
    if (message?.role === 'user') {
      messages[index] = { role: 'user', content: text + message.content }
      return { ...input, messages }
    }
  }
  return { ...input, messages: [{ role: 'user', content: text }, ...messages] }
}
