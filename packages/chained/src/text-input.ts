// Helpers that turn a TextInput into model requests and extend it with generated text, shared
// by every chained generator (continuations, revisions, tool splices).
import {
  type GenerateRequest,
  InvalidArgumentError,
  type TextInput,
  type TextOutput,
} from '@metagen/core'

/** Request fields a chained generator may set on each model call besides the prompt. */
export type RequestOptions = Omit<GenerateRequest, 'prompt' | 'messages' | 'n' | 'signal'>

/**
 * Checks that `input` has exactly one of `prompt` and `messages`. Throws
 * {@link InvalidArgumentError} naming `argument` otherwise.
 */
export function assertTextInput(argument: string, input: unknown): asserts input is TextInput {
  const value = input as TextInput | undefined
  const hasPrompt = typeof value?.prompt === 'string'
  const hasMessages = Array.isArray(value?.messages) && (value?.messages?.length ?? 0) > 0
  if (!value || typeof value !== 'object' || hasPrompt === hasMessages) {
    throw new InvalidArgumentError({
      argument,
      expected: 'an input with exactly one of prompt (string) and messages (non-empty array)',
      received: input,
    })
  }
}

/**
 * The generate request for `input`: the input's own request fields, then `options`
 * (later fields win), then the prompt or messages.
 */
export function requestFor(input: TextInput, options: RequestOptions = {}): GenerateRequest {
  return {
    ...(input.request ?? {}),
    ...options,
    ...(input.prompt !== undefined ? { prompt: input.prompt } : {}),
    ...(input.messages !== undefined ? { messages: input.messages } : {}),
  }
}

/**
 * `input` continued by `text`: for a prompt, the prompt followed by `text`; for chat messages,
 * `text` is appended to a trailing assistant message (created when missing), which backends
 * that support assistant prefill continue.
 */
export function continueInput(input: TextInput, text: string): TextInput {
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

/** The text of the user's question in `input`: the prompt, or the last user message. */
export function inputText(input: TextInput): string {
  if (input.prompt !== undefined) return input.prompt
  const messages = input.messages ?? []
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]
    if (message?.role === 'user') return message.content
  }
  return messages[messages.length - 1]?.content ?? ''
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
