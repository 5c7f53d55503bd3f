// Turning OpenAI chat messages into the tinymath prompt format (`Q: {question}\nA:`), since the
// tinymath models have no chat template.
import { type ChatMessage, InvalidArgumentError } from '@metagen/core'
import { formatPrompt } from '@metagen/tinymath'

/** A chat message as received on the wire (validated by {@link chatMessagesToPrompt}). */
export interface WireChatMessage {
  role: string
  content: unknown
}

/** How the final message of a chat request is treated (vLLM's chat-template options). */
export interface ChatPromptOptions {
  /**
   * vLLM's `continue_final_message`: the request ends with an assistant message (a partial
   * answer) that the model continues as its own turn, rather than answering it afresh.
   */
  continueFinalMessage?: boolean
}

/**
 * Renders chat messages as one prompt. With `chatTemplate` (a model folder's own template, e.g.
 * `tokenizer.applyChatTemplate`), `system`, `user` and `assistant` messages with text content are
 * rendered by it (InvalidArgumentError naming `messages[i].role` for another role); with
 * `continueFinalMessage` the rendering is cut right after the final assistant message's content,
 * so the template neither closes that turn nor opens a new one (as vLLM does). Without a
 * template: the tinymath rule below.
 *
 * Tinymath rule: renders chat messages as one tinymath prompt. The models have no system prompt
 * and no multi-turn format, so the messages are `user` messages, optionally followed by ONE final
 * `assistant` message when `continueFinalMessage` is set: a partial answer that the model
 * continues. Any other `system`, `assistant` or other role throws InvalidArgumentError
 * (`messages[i].role`). The user contents (strings, or arrays of `{ type: 'text', text }` parts,
 * concatenated) are joined with a newline. When the joined text already starts with `Q:` it is
 * used as given, with `\nA:` appended unless it already ends in `A:`; otherwise it is a bare
 * question and becomes `Q: {question}\nA:`. The final assistant message's content is appended to
 * that prompt exactly as given (tinymath answers start with a space: ` 4*17=68.`).
 */
export function chatMessagesToPrompt(
  messages: unknown,
  chatTemplate?: (messages: readonly ChatMessage[]) => string,
  options: ChatPromptOptions = {},
): string {
  const continueFinal = options.continueFinalMessage === true
  if (chatTemplate) return renderWithTemplate(messages, chatTemplate, continueFinal)
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError({
      argument: 'messages',
      expected: 'a non-empty array of chat messages',
      received: messages,
    })
  }
  const parts: string[] = []
  let partialAnswer: string | undefined
  messages.forEach((message: unknown, index) => {
    if (typeof message !== 'object' || message === null) {
      throw new InvalidArgumentError({
        argument: `messages[${index}]`,
        expected: 'an object with role and content',
        received: message,
      })
    }
    const { role, content } = message as WireChatMessage
    const isFinal = index === messages.length - 1
    if (role === 'assistant' && isFinal && continueFinal && index > 0) {
      partialAnswer = messageText(content, index)
      return
    }
    if (role !== 'user') {
      throw new InvalidArgumentError({
        argument: `messages[${index}].role`,
        expected:
          role === 'assistant' && isFinal
            ? '"user", or a final "assistant" message with continue_final_message: true (the tinymath models have no multi-turn format: a final assistant message can only be continued)'
            : '"user" (the tinymath models have no chat template: send the question as user message(s), optionally followed by a partial answer as a final assistant message with continue_final_message: true)',
        received: role,
      })
    }
    parts.push(messageText(content, index))
  })
  if (continueFinal && partialAnswer === undefined) {
    throw new InvalidArgumentError({
      argument: 'continue_final_message',
      expected:
        'false or absent unless the last message is an assistant message after the question',
      received: true,
    })
  }
  const text = parts.join('\n').trim()
  if (text === '') {
    throw new InvalidArgumentError({
      argument: 'messages',
      expected: 'user messages with non-empty content',
      received: messages,
    })
  }
  const prompt = /^Q:/.test(text) ? (/A:$/.test(text) ? text : `${text}\nA:`) : formatPrompt(text)
  return prompt + (partialAnswer ?? '')
}

function messageText(content: unknown, index: number): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, partIndex) => {
        const typed = part as { type?: unknown; text?: unknown } | null
        if (typed?.type !== 'text' || typeof typed.text !== 'string') {
          throw new InvalidArgumentError({
            argument: `messages[${index}].content[${partIndex}]`,
            expected: 'a text part { type: "text", text: string }',
            received: part,
          })
        }
        return typed.text
      })
      .join('')
  }
  throw new InvalidArgumentError({
    argument: `messages[${index}].content`,
    expected: 'a string or an array of text parts',
    received: content,
  })
}

function renderWithTemplate(
  messages: unknown,
  chatTemplate: (messages: readonly ChatMessage[]) => string,
  continueFinal: boolean,
): string {
  const parsed = parseChatMessages(messages)
  const rendered = chatTemplate(parsed)
  if (!continueFinal) return rendered
  const final = parsed[parsed.length - 1] as ChatMessage
  if (final.role !== 'assistant') {
    throw new InvalidArgumentError({
      argument: 'continue_final_message',
      expected: 'false or absent unless the last message is an assistant message',
      received: true,
    })
  }
  // The template renders the final turn closed (and a generation prompt after it): keep the
  // text up to the end of its content, as vLLM does.
  const end = final.content === '' ? -1 : rendered.lastIndexOf(final.content)
  if (end < 0) {
    throw new InvalidArgumentError({
      argument: 'messages',
      expected: `a final assistant message that the chat template renders verbatim (to continue it), and non-empty`,
      received: final.content,
    })
  }
  return rendered.slice(0, end + final.content.length)
}

/**
 * Validates wire chat messages into metagen ChatMessages: a non-empty array of `system`, `user`
 * or `assistant` messages whose content is a string or text parts. Throws InvalidArgumentError
 * naming `messages[i].role` or `messages[i].content`.
 */
export function parseChatMessages(messages: unknown): ChatMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError({
      argument: 'messages',
      expected: 'a non-empty array of chat messages',
      received: messages,
    })
  }
  const typed = messages.map((message: unknown, index): ChatMessage => {
    const { role, content } = (message ?? {}) as WireChatMessage
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw new InvalidArgumentError({
        argument: `messages[${index}].role`,
        expected: '"system", "user" or "assistant"',
        received: role,
      })
    }
    return { role, content: messageText(content, index) }
  })
  return typed
}
