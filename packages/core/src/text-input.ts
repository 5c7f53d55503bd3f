// Helpers every generator over a TextInput needs: checking the input, turning it into a model
// request, and the question text that scorers and judges see.
import { compact } from './compact.js'
import { InvalidArgumentError } from './errors.js'
import type { TextInput } from './generator.js'
import type { GenerateRequest } from './language-model.js'

/** Request fields a generator may set on each model call besides the prompt. */
export type RequestOptions = Omit<GenerateRequest, 'prompt' | 'messages' | 'n' | 'signal'>

/**
 * Checks that `input` has exactly one of `prompt` (a string) and `messages` (a non-empty
 * array). Throws {@link InvalidArgumentError} naming `argument` otherwise.
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
 * The generate request for `input`: `defaults`, then the input's own request fields, then
 * `options` (later fields win), then the input's prompt or messages.
 */
export function requestForInput(
  input: TextInput,
  options: RequestOptions = {},
  defaults: RequestOptions = {},
): GenerateRequest {
  return {
    ...defaults,
    ...(input.request ?? {}),
    ...options,
    ...compact({ prompt: input.prompt, messages: input.messages }),
  }
}

/**
 * The question of `input` as scorers, judges and critics see it: the prompt, or else the content
 * of the last user message (the turn the output answers), or else of the last message, or `''`
 * for no messages. System messages and earlier turns are not part of the question.
 */
export function questionText(input: TextInput): string {
  if (input.prompt !== undefined) return input.prompt
  const messages = input.messages ?? []
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]
    if (message?.role === 'user') return message.content
  }
  return messages[messages.length - 1]?.content ?? ''
}

/**
 * The input that asks a model to repair a program from its execution feedback (Self-Debug's
 * "unit test" feedback): the task, the previous `program`, "Running the code on the tests
 * gave:" with `feedback`, then `instruction`. A chat input keeps its messages and gets the
 * program as an assistant turn and the feedback with the instruction as the next user turn; a
 * prompt input becomes one prompt (task = {@link questionText}) ending in `Corrected code:\n`.
 * The input's other fields (its request) are kept.
 */
export function programRepairInput(
  input: TextInput,
  program: string,
  feedback: string,
  instruction: string,
): TextInput {
  const report = `Running the code on the tests gave:\n${feedback}`
  if (input.messages !== undefined) {
    return {
      ...input,
      messages: [
        ...input.messages,
        { role: 'assistant', content: program },
        { role: 'user', content: `${report}\n\n${instruction}` },
      ],
    }
  }
  const { prompt: _prompt, ...rest } = input
  return {
    ...rest,
    prompt: `Task:\n${questionText(input)}\n\nYour code:\n${program.trim()}\n\n${report}\n\n${instruction}\n\nCorrected code:\n`,
  }
}
