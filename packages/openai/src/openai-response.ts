// Response mapping shared by the chat and completions models: finish reasons, usage, vLLM token
// ids, choice order and the stop sequences applied after the response.
import {
  compact,
  type FinishReason,
  type GenerateOutput,
  type TokenLogprob,
  type Usage,
} from '@metagen/core'
import { malformedResponseError as malformed } from '@metagen/provider-utils'
import type { CompletionUsage } from 'openai/resources/completions'
import type { OpenAIParsedResponse } from './openai-language-model.js'

/** The metagen finish reason of an OpenAI `finish_reason`. */
export function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop'
    case 'length':
      return 'length'
    case 'content_filter':
      return 'content-filter'
    default:
      return 'other'
  }
}

/**
 * The metagen usage of a response's `usage` (one call; zero tokens when the server sent none).
 * Throws a malformed-response ApiCallError when the token counts are not numbers.
 */
export function mapUsage(usage: CompletionUsage | null | undefined, provider: string): Usage {
  if (usage == null) return { inputTokens: 0, outputTokens: 0, calls: 1 }
  // the SDK's types promise numbers; compatible servers do not always keep the promise
  const promptTokens: unknown = usage.prompt_tokens
  const completionTokens: unknown = usage.completion_tokens
  if (typeof promptTokens !== 'number' || typeof completionTokens !== 'number') {
    throw malformed('usage.prompt_tokens / usage.completion_tokens are not numbers', provider)
  }
  const cached = usage.prompt_tokens_details?.cached_tokens
  return {
    inputTokens: promptTokens,
    outputTokens: completionTokens,
    calls: 1,
    ...compact({ cachedInputTokens: typeof cached === 'number' ? cached : undefined }),
  }
}

/** vLLM's `return_tokens_as_token_ids` renders tokens as `token_id:123`. */
export function withTokenId(logprob: TokenLogprob): TokenLogprob {
  const match = /^token_id:(\d+)$/.exec(logprob.token)
  return match ? { ...logprob, tokenId: Number(match[1]) } : logprob
}

/**
 * The choices of a response in index order. Throws a malformed-response ApiCallError when the
 * body has no `choices` array (the SDK returns whatever JSON the server sent).
 */
export function sortedChoices<TChoice extends { index: number }>(
  response: { choices: TChoice[] } | null | undefined,
  provider: string,
): TChoice[] {
  if (response === null || typeof response !== 'object' || !Array.isArray(response.choices)) {
    throw malformed('the body has no choices array', provider)
  }
  return [...response.choices].sort((left, right) => (left.index ?? 0) - (right.index ?? 0))
}

/** The text of each sample, its finish reason and log-probabilities, built up from stream chunks. */
export class StreamedChoices {
  private readonly states = new Map<
    number,
    { text: string; finishReason: FinishReason; logprobs: TokenLogprob[] | undefined }
  >()

  /** Adds one chunk of choice `index`; returns nothing (the caller reports `text` as a delta). */
  add(
    index: number,
    text: string,
    logprobs: TokenLogprob[] | undefined,
    finishReason: string | null | undefined,
  ): void {
    let state = this.states.get(index)
    if (!state) {
      state = { text: '', finishReason: 'other', logprobs: undefined }
      this.states.set(index, state)
    }
    state.text += text
    if (logprobs) state.logprobs = [...(state.logprobs ?? []), ...logprobs]
    if (typeof finishReason === 'string') state.finishReason = mapFinishReason(finishReason)
  }

  /** The samples in index order. */
  outputs(): GenerateOutput[] {
    return [...this.states.entries()]
      .sort(([left], [right]) => left - right)
      .map(([, state]) => ({
        text: state.text,
        finishReason: state.finishReason,
        ...compact({ logprobs: state.logprobs }),
      }))
  }
}

/**
 * Cuts `output` at the first of `stops` (stop sequences the server was not sent), marking it
 * stopped and keeping the log-probabilities of the tokens before the cut. Failed samples are
 * left alone.
 */
export function applyClientStops(output: GenerateOutput, stops: readonly string[]): void {
  if (output.error) return
  let cut = -1
  for (const stop of stops) {
    const at = output.text.indexOf(stop)
    if (at >= 0 && (cut < 0 || at < cut)) cut = at
  }
  if (cut < 0) return
  output.text = output.text.slice(0, cut)
  output.finishReason = 'stop'
  if (output.logprobs) {
    const kept: TokenLogprob[] = []
    let length = 0
    for (const entry of output.logprobs) {
      if (length >= cut) break
      kept.push(entry)
      length += entry.token.length
    }
    output.logprobs = kept
  }
}

/**
 * The parsed response of a non-streamed body: its choices in index order mapped by `mapChoice`,
 * and its usage (zero tokens, flagged `usageMissing`, when the server sent none). Throws a
 * malformed-response ApiCallError when the body has no choices array.
 */
export function parsedResponse<TChoice extends { index: number }>(
  response: { choices: TChoice[]; usage?: CompletionUsage | null | undefined },
  provider: string,
  mapChoice: (choice: TChoice) => GenerateOutput,
): OpenAIParsedResponse {
  return {
    outputs: sortedChoices(response, provider).map(mapChoice),
    usage: mapUsage(response.usage, provider),
    usageMissing: response.usage == null,
  }
}

/** What one streamed choice chunk adds to its sample. */
export interface ChoiceDelta {
  text: string
  logprobs: TokenLogprob[] | undefined
  finishReason: string | null | undefined
}

/**
 * Reads a streamed response to its end: every choice chunk's text, log-probabilities and finish
 * reason (read by `readChoice`) are appended to its sample, non-empty text also goes to `onDelta`
 * with the choice index, and the usage of the last chunk that carries one is kept (zero tokens,
 * flagged `usageMissing`, when none does). Chunks without a choices array are skipped.
 */
export async function readChoiceStream<TChoice extends { index?: number }>(
  stream: AsyncIterable<{ choices: TChoice[]; usage?: CompletionUsage | null | undefined }>,
  provider: string,
  readChoice: (choice: TChoice) => ChoiceDelta,
  onDelta: ((index: number, text: string) => void) | undefined,
): Promise<OpenAIParsedResponse> {
  const choices = new StreamedChoices()
  let usage: CompletionUsage | null | undefined
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage
    if (!Array.isArray(chunk.choices)) continue
    for (const choice of chunk.choices) {
      const index = typeof choice.index === 'number' ? choice.index : 0
      const { text, logprobs, finishReason } = readChoice(choice)
      choices.add(index, text, logprobs, finishReason)
      if (text) onDelta?.(index, text)
    }
  }
  return {
    outputs: choices.outputs(),
    usage: mapUsage(usage, provider),
    usageMissing: usage == null,
  }
}
