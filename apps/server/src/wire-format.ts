// Conversions from metagen's results to OpenAI's wire format: finish reasons and log-probabilities.
import type { FinishReason, TokenLogprob } from '@metagen/core'
import type { PromptTokenLogprob } from './vllm-extensions.js'

/**
 * OpenAI's finish reason for a metagen one: `stop` and `length` map to themselves,
 * `content-filter` to `content_filter`, `error` stays `error` (a failed sample), `other` and
 * an unknown reason to `stop`.
 */
export function toWireFinishReason(reason: FinishReason | undefined): string {
  switch (reason) {
    case 'length':
      return 'length'
    case 'content-filter':
      return 'content_filter'
    case 'error':
      return 'error'
    default:
      return 'stop'
  }
}

/** The legacy completions `logprobs` object. */
export interface CompletionLogprobs {
  /** The generated tokens' texts. */
  tokens: string[]
  /** Natural-log probability of each generated token. */
  token_logprobs: number[]
  /** Per position, the requested most likely alternatives as `{ token: logprob }`. */
  top_logprobs: Array<Record<string, number>>
  /** Character offset of each token in prompt + completion. */
  text_offset: number[]
}

/** Converts token log-probabilities to the completions format; offsets start after `prompt`. */
export function toCompletionLogprobs(
  logprobs: readonly TokenLogprob[],
  prompt: string,
): CompletionLogprobs {
  let offset = prompt.length
  const textOffset: number[] = []
  for (const entry of logprobs) {
    textOffset.push(offset)
    offset += entry.token.length
  }
  return {
    tokens: logprobs.map((entry) => entry.token),
    token_logprobs: logprobs.map((entry) => entry.logprob),
    // With `logprobs: 0` (no alternatives) each position still lists the sampled token, as vLLM does.
    top_logprobs: logprobs.map((entry) =>
      entry.topLogprobs && entry.topLogprobs.length > 0
        ? Object.fromEntries(entry.topLogprobs.map((top) => [top.token, top.logprob]))
        : { [entry.token]: entry.logprob },
    ),
    text_offset: textOffset,
  }
}

/** One position of the chat `logprobs.content` array. */
export interface ChatTokenLogprob {
  token: string
  logprob: number
  /** UTF-8 bytes of the token text. */
  bytes: number[]
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>
}

/** Converts token log-probabilities to the chat format `{ content, refusal: null }`. */
export function toChatLogprobs(logprobs: readonly TokenLogprob[]): {
  content: ChatTokenLogprob[]
  refusal: null
} {
  return {
    content: logprobs.map((entry) => ({
      token: entry.token,
      logprob: entry.logprob,
      bytes: utf8Bytes(entry.token),
      top_logprobs: (entry.topLogprobs ?? []).map((top) => ({
        token: top.token,
        logprob: top.logprob,
        bytes: utf8Bytes(top.token),
      })),
    })),
    refusal: null,
  }
}

function utf8Bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')]
}

/**
 * The completions `logprobs` of `echo: true`: the prompt's tokens (text-bearing ones; the first
 * has a null log-probability, as OpenAI sends it) followed by the generated ones, with offsets
 * from the start of the prompt.
 */
export function toEchoedLogprobs(
  promptTokens: readonly PromptTokenLogprob[],
  generated: readonly TokenLogprob[],
  prompt: string,
): {
  tokens: string[]
  token_logprobs: Array<number | null>
  top_logprobs: Array<Record<string, number> | null>
  text_offset: number[]
} {
  const visible = promptTokens.filter((entry) => !entry.special)
  const rest = toCompletionLogprobs(generated, prompt)
  const offsets: number[] = []
  let offset = 0
  for (const entry of visible) {
    offsets.push(offset)
    offset += entry.token.length
  }
  return {
    tokens: [...visible.map((entry) => entry.token), ...rest.tokens],
    token_logprobs: [...visible.map((entry) => entry.logprob), ...rest.token_logprobs],
    top_logprobs: [
      ...visible.map((entry) => (entry.logprob === null ? null : { [entry.token]: entry.logprob })),
      ...rest.top_logprobs,
    ],
    text_offset: [...offsets, ...rest.text_offset],
  }
}

/**
 * vLLM's `prompt_logprobs`: per prompt token (BOS included), null for the first, else
 * `{ "<token id>": { logprob, rank: null, decoded_token } }` (no alternatives are computed).
 */
export function toPromptLogprobs(
  promptTokens: readonly PromptTokenLogprob[],
): Array<Record<string, { logprob: number; rank: null; decoded_token: string }> | null> {
  return promptTokens.map((entry) =>
    entry.logprob === null
      ? null
      : {
          [String(entry.tokenId)]: {
            logprob: entry.logprob,
            rank: null,
            decoded_token: entry.token,
          },
        },
  )
}
