// The metagen LanguageModel over OpenAI's chat completions API (/chat/completions): chat
// messages or a prompt as one user message, log-probabilities with top alternatives,
// structured outputs, reasoning models' max_completion_tokens. No scoring of given text.
import {
  compact,
  type GenerateOutput,
  type ScoreContinuationsRequest,
  type ScoreContinuationsResult,
  type TokenLogprob,
  UnsupportedCapabilityError,
} from '@metagen/core'
import type { TextDeltaHandler } from '@metagen/provider-utils'
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTokenLogprob,
} from 'openai/resources/chat/completions'
import {
  type CompatibleServerFields,
  logprobsToSend,
  OpenAILanguageModel,
  type OpenAILanguageModelConfig,
  type OpenAIModelOptions,
  type OpenAIParsedResponse,
  type OpenAIPreparedRequest,
  type OpenAIRequestParts,
  preparedRequest,
} from './openai-language-model.js'
import {
  mapFinishReason,
  parsedResponse,
  readChoiceStream,
  withTokenId,
} from './openai-response.js'

/** The request body: the SDK's chat request type plus the fields of compatible servers. */
type ChatRequestBody = ChatCompletionCreateParamsNonStreaming & CompatibleServerFields

/**
 * A chat model of an OpenAI(-compatible) server (`api: 'chat'`; see {@link OpenAILanguageModel} for
 * `n`, streaming and stop sequences). A prompt is sent as one user message. Messages that end
 * with an assistant message are continued with vLLM's `continue_final_message` when the model
 * continues (`continueFinalMessage`), else sent with a warning (the server answers them as a new
 * turn). Reasoning models get
 * `max_completion_tokens` instead of `max_tokens`. `scoreContinuations` throws
 * UnsupportedCapabilityError: the chat API cannot return log-probabilities of given text.
 */
export class OpenAIChatLanguageModel extends OpenAILanguageModel {
  /** Throws InvalidArgumentError for a bad model id or option (the message names `options.<key>`). */
  constructor(
    modelId: string,
    config: OpenAILanguageModelConfig,
    options: OpenAIModelOptions = {},
  ) {
    super(modelId, config, options, 'chat')
  }

  /** Always throws UnsupportedCapabilityError (`capabilities.scoring` is false). */
  async scoreContinuations(_request: ScoreContinuationsRequest): Promise<ScoreContinuationsResult> {
    throw new UnsupportedCapabilityError({
      capability: 'scoring',
      message: `${this.provider}:${this.modelId} uses the chat completions API, which cannot return log-probabilities of given text. Use a completions model ({ api: 'completion' }) on a server that supports echo + logprobs or prompt_logprobs (e.g. davinci-002, vLLM).`,
    })
  }

  protected prepareRequest(parts: OpenAIRequestParts): OpenAIPreparedRequest {
    const { request, providerOptions: extra, reasoning } = parts
    const messages: ChatCompletionMessageParam[] = request.messages
      ? request.messages.map((message) => ({ role: message.role, content: message.content }))
      : [{ role: 'user', content: request.prompt ?? '' }]
    const { max_tokens: maxTokens, ...sampling } = parts.sampling
    const body: ChatRequestBody = {
      model: this.modelId,
      messages,
      ...sampling,
    }
    // reasoning models reject max_tokens
    if (maxTokens != null) body[reasoning ? 'max_completion_tokens' : 'max_tokens'] = maxTokens
    const logprobsRequested = logprobsToSend(parts, this.modelId)
    if (logprobsRequested) {
      body.logprobs = true
      if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs
    }
    if (request.messages?.at(-1)?.role === 'assistant') {
      if (this.capabilities.continuation === 'assistant-prefill') {
        body.continue_final_message = true
        body.add_generation_prompt = false
      } else {
        parts.warn({
          type: 'unsupported-setting',
          setting: 'messages',
          message: `${this.modelId}: the trailing assistant message is answered as a new turn, not continued (capabilities.continuation is 'none'; set the model option continueFinalMessage on a vLLM server, or use a completions model).`,
        })
      }
    }
    const responseFormat = parts.responseFormat ?? extra.responseFormat
    if (responseFormat !== undefined) body.response_format = responseFormat
    if (parts.reasoningEffort !== undefined) body.reasoning_effort = parts.reasoningEffort
    if (extra.extraBody) Object.assign(body, extra.extraBody)
    return preparedRequest(
      body,
      logprobsRequested,
      (batchBody, signal) => this.jsonRequest(batchBody, signal),
      (batchBody, signal, onDelta) => this.streamRequest(batchBody, signal, onDelta),
    )
  }

  private async jsonRequest(
    body: ChatRequestBody,
    signal: AbortSignal | undefined,
  ): Promise<OpenAIParsedResponse> {
    const response = await this.config.client.chat.completions.create(
      body,
      this.requestOptions(signal),
    )
    return parsedResponse(response, this.provider, mapChatChoice)
  }

  private async streamRequest(
    body: ChatRequestBody,
    signal: AbortSignal | undefined,
    onDelta: TextDeltaHandler | undefined,
  ): Promise<OpenAIParsedResponse> {
    const stream = await this.config.client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      this.requestOptions(signal),
    )
    return readChoiceStream(
      stream,
      this.provider,
      (choice) => ({
        text: choice.delta?.content ?? '',
        logprobs: mapChatLogprobs(choice.logprobs?.content),
        finishReason: choice.finish_reason,
      }),
      onDelta,
    )
  }
}

function mapChatChoice(choice: ChatCompletion.Choice): GenerateOutput {
  const refused = !choice.message?.content && choice.message?.refusal
  return {
    text: choice.message?.content ?? '',
    finishReason: refused ? 'content-filter' : mapFinishReason(choice.finish_reason),
    ...compact({ logprobs: mapChatLogprobs(choice.logprobs?.content) }),
  }
}

function mapChatLogprobs(
  content: ChatCompletionTokenLogprob[] | null | undefined,
): TokenLogprob[] | undefined {
  if (!content) return undefined
  return content.map((entry) =>
    withTokenId({
      token: entry.token,
      logprob: entry.logprob,
      ...(entry.top_logprobs && entry.top_logprobs.length > 0
        ? {
            topLogprobs: entry.top_logprobs.map((top) => ({
              token: top.token,
              logprob: top.logprob,
            })),
          }
        : {}),
    }),
  )
}
