// Helpers that extend a TextInput with generated text and set an output's answer, shared by
// every chained generator (continuations, revisions, tool splices). Checking an input, its
// request and its question text are core's (assertTextInput, requestForInput, questionText).
import type { TextInput, TextOutput } from '@metagen/core'

/**
 * `input` continued by `text` without knowing the model that will continue it (a revision plan
 * is handed to any reviser): for a prompt, the prompt followed by `text`; for chat messages,
 * `text` is appended to a trailing assistant message (created when missing). Where the model is
 * known, core's `continueInput(input, text, model)` picks the form the model continues and
 * refuses a model that cannot.
 */
export function appendToInput(input: TextInput, text: string): TextInput {
  if (text === '') return input
  if (input.messages !== undefined) {
    const messages = [...input.messages]
    const last = messages[messages.length - 1]
    if (last?.role === 'assistant') {
      messages[messages.length - 1] = { role: 'assistant', content: last.content + text }
    } else {
      messages.push({ role: 'assistant', content: text })
    }
    return { ...input, messages }
  }
  return { ...input, prompt: (input.prompt ?? '') + text }
}

/** A TextOutput with `answer` set from `extractAnswer` when one was given and matched. */
export function withAnswer(
  output: TextOutput,
  extractAnswer: ((text: string) => string | undefined) | undefined,
): TextOutput {
  if (!extractAnswer) return output
  const answer = extractAnswer(output.text)
  const { answer: _previous, ...rest } = output
  return answer === undefined ? rest : { ...rest, answer }
}
