// Turning OpenAI chat messages into the tinymath prompt format (`Q: {question}\nA:`), since the
// tinymath models have no chat template.
import { type ChatMessage, InvalidArgumentError } from '@metagen/core'
import { formatPrompt } from '@metagen/tinymath'

/** A chat message as received on the wire (validated by {@link chatMessagesToPrompt}). */
export interface WireChatMessage {
  role: string
  content: unknown
}

/**
 * Renders chat messages as one prompt. With `chatTemplate` (a model folder's own template, e.g.
 * `tokenizer.applyChatTemplate`), `system`, `user` and `assistant` messages with text content are
 * rendered by it (InvalidArgumentError naming `messages[i].role` for another role). Without it:
 * the tinymath rule below.
 *
 * Tinymath rule: renders chat messages as one tinymath prompt. Only `user` messages are accepted (the models
 * have no system prompt and no multi-turn format): a `system`, `assistant` or other role throws
 * InvalidArgumentError (`messages[i].role`). The user contents (strings, or arrays of
 * `{ type: 'text', text }` parts, concatenated) are joined with a newline. When the joined text
 * already starts with `Q:` it is used as given, with `\nA:` appended unless it already ends in
 * `A:`; otherwise it is a bare question and becomes `Q: {question}\nA:`.
 */
export function chatMessagesToPrompt(
  messages: unknown,
  chatTemplate?: (messages: readonly ChatMessage[]) => string,
): string {
  if (chatTemplate) return renderWithTemplate(messages, chatTemplate)
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError({
      argument: 'messages',
      expected: 'a non-empty array of chat messages',
      received: messages,
    })
  }
  const parts: string[] = []
  messages.forEach((message: unknown, index) => {
    if (typeof message !== 'object' || message === null) {
      throw new InvalidArgumentError({
        argument: `messages[${index}]`,
        expected: 'an object with role and content',
        received: message,
      })
    }
    const { role, content } = message as WireChatMessage
    if (role !== 'user') {
      throw new InvalidArgumentError({
        argument: `messages[${index}].role`,
        expected:
          '"user" (the tinymath models have no chat template: send the question as user message(s))',
        received: role,
      })
    }
    parts.push(messageText(content, index))
  })
  const text = parts.join('\n').trim()
  if (text === '') {
    throw new InvalidArgumentError({
      argument: 'messages',
      expected: 'user messages with non-empty content',
      received: messages,
    })
  }
  if (/^Q:/.test(text)) return /A:$/.test(text) ? text : `${text}\nA:`
  return formatPrompt(text)
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
): string {
  return chatTemplate(parseChatMessages(messages))
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
