// Continuing a partial assistant turn on any model: a prompt extended as text on completion
// models, a trailing assistant message on chat models that support prefill, and a clear refusal
// on chat models that cannot continue (the answer would be a fresh reply, silently wrong).
import { InvalidArgumentError } from './errors.js'
import type { TextInput } from './generator.js'
import type { LanguageModel } from './language-model.js'

/**
 * Throws {@link InvalidArgumentError} naming `argument` unless `model` can continue a partial
 * assistant turn (`capabilities.continuation` is `native` or `assistant-prefill`). `purpose`
 * says who needs it, e.g. `step search`; the message suggests a completion model.
 */
export function assertCanContinue(argument: string, model: LanguageModel, purpose: string): void {
  const support = model?.capabilities?.continuation
  if (support === 'native' || support === 'assistant-prefill') return
  throw new InvalidArgumentError({
    argument,
    expected: `a model that continues a partial assistant turn for ${purpose} (capabilities.continuation "native" or "assistant-prefill"): a completion model (a local ONNX model, createOpenAI(...)(id, { api: 'completion' }), vLLM completions), Anthropic (assistant prefill) or a vLLM chat server (compatibility 'vllm', continue_final_message)`,
    received: `${model?.provider}:${model?.modelId} (capabilities.continuation: ${String(support)})`,
  })
}

/**
 * `input` continued by `text` in the form `model` continues: for a prompt on a `native` model,
 * the prompt followed by `text`; for a prompt on an `assistant-prefill` model, a user message
 * with the prompt and an assistant message `text`; for chat messages, `text` appended to the
 * trailing assistant message (created when missing). `text === ''` returns `input` unchanged.
 * Throws {@link InvalidArgumentError} (argument `model`) when the model cannot continue (see
 * {@link assertCanContinue}).
 */
export function continueInput(
  input: TextInput,
  text: string,
  model: LanguageModel,
  purpose = 'continuing a partial output',
): TextInput {
  if (text === '') return input
  assertCanContinue('model', model, purpose)
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
  if (model.capabilities.continuation === 'native') {
    return { ...input, prompt: (input.prompt ?? '') + text }
  }
  const { prompt, ...rest } = input
  return {
    ...rest,
    messages: [
      { role: 'user', content: prompt ?? '' },
      { role: 'assistant', content: text },
    ],
  }
}
