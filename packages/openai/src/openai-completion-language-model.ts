// The metagen LanguageModel over OpenAI's legacy completions API (/completions), which
// davinci-002, *-instruct models and most compatible servers (vLLM) still offer: a prompt,
// log-probabilities with top alternatives, and scoring of given text by teacher forcing.
import {
  compact,
  type GenerateOutput,
  InvalidArgumentError,
  type ScoreContinuationsRequest,
  type ScoreContinuationsResult,
  type TokenLogprob,
  throwIfAborted,
  UnsupportedCapabilityError,
} from '@metagen/core'
import { malformedResponseError as malformed, type TextDeltaHandler } from '@metagen/provider-utils'
import type {
  CompletionChoice,
  CompletionCreateParamsNonStreaming,
} from 'openai/resources/completions'
import type { ReasoningEffort } from 'openai/resources/shared'
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
  mapUsage,
  parsedResponse,
  readChoiceStream,
  sortedChoices,
  withTokenId,
} from './openai-response.js'

/**
 * The request body: the SDK's completions request type plus the fields of compatible servers
 * (`reasoning_effort` is a chat field that compatible servers also take here).
 */
type CompletionRequestBody = CompletionCreateParamsNonStreaming &
  CompatibleServerFields & { reasoning_effort?: ReasoningEffort }

/** One entry of vLLM's `prompt_logprobs`: token id -> log-probability (null for the first token). */
type PromptLogprobEntry = Map<string, { logprob: number; decodedToken: string | undefined }> | null

/**
 * A completions model of an OpenAI(-compatible) server (`api: 'completion'`; see
 * {@link OpenAILanguageModel} for `n`, streaming and stop sequences). Takes a prompt, not chat
 * messages (UnsupportedCapabilityError); `response_format` is dropped with a warning.
 * `scoreContinuations` scores given text on the server.
 */
export class OpenAICompletionLanguageModel extends OpenAILanguageModel {
  /** Throws InvalidArgumentError for a bad model id or option (the message names `options.<key>`). */
  constructor(
    modelId: string,
    config: OpenAILanguageModelConfig,
    options: OpenAIModelOptions = {},
  ) {
    super(modelId, config, options, 'completion')
  }

  /**
   * Log-probabilities of each continuation given `prompt`, by teacher forcing on the server.
   * `echo` scoring sends every `prompt + continuation` in one request with
   * `echo: true, logprobs: 0, max_tokens: 0` and keeps the tokens that end after the prompt (a
   * token straddling the boundary is included). `prompt-logprobs` scoring (vLLM) also sends the
   * prompt alone, assumes the prompt's tokens do not change when a continuation is appended,
   * and keeps the tokens after them.
   */
  async scoreContinuations(request: ScoreContinuationsRequest): Promise<ScoreContinuationsResult> {
    if (typeof request.prompt !== 'string' || request.prompt === '') {
      throw new InvalidArgumentError({
        argument: 'prompt',
        expected: 'a non-empty string',
        received: request.prompt,
      })
    }
    if (
      !Array.isArray(request.continuations) ||
      request.continuations.length === 0 ||
      request.continuations.some(
        (continuation) => typeof continuation !== 'string' || continuation === '',
      )
    ) {
      throw new InvalidArgumentError({
        argument: 'continuations',
        expected: 'a non-empty array of non-empty strings',
        received: request.continuations,
      })
    }
    throwIfAborted(request.signal)
    const prompt = request.prompt
    const mode = this.options.scoring ?? 'echo'
    const withContinuations = request.continuations.map((continuation) => prompt + continuation)
    const prompts = mode === 'echo' ? withContinuations : [prompt, ...withContinuations]
    const body: CompletionRequestBody =
      mode === 'echo'
        ? { model: this.modelId, prompt: prompts, echo: true, logprobs: 0, max_tokens: 0 }
        : { model: this.modelId, prompt: prompts, prompt_logprobs: 0, max_tokens: 1 }
    body.temperature = 0
    const response = await this.runner.run(
      (signal) => this.config.client.completions.create(body, this.requestOptions(signal)),
      request.signal,
    )
    const choices = sortedChoices(response, this.provider)
    if (choices.length < prompts.length) {
      throw malformed(
        `expected ${prompts.length} choices, received ${choices.length}`,
        this.provider,
      )
    }
    const usage = this.withCost(mapUsage(response.usage, this.provider))
    if (mode === 'echo') {
      return {
        continuations: request.continuations.map((continuation, index) => ({
          logprobs: this.echoedLogprobs(
            choices[index]?.logprobs,
            prompt.length,
            prompt.length + continuation.length,
          ),
        })),
        usage,
      }
    }
    const promptEntries = readPromptLogprobs(choices[0], this.provider)
    return {
      continuations: request.continuations.map((_, index) => {
        const entries = readPromptLogprobs(choices[index + 1], this.provider)
        return {
          logprobs: entries.slice(promptEntries.length).map((entry) => {
            if (!entry)
              throw malformed('a prompt_logprobs entry after the first one is null', this.provider)
            const [tokenId, value] = [...entry][0] ?? []
            if (tokenId === undefined || value === undefined)
              throw malformed('empty prompt_logprobs entry', this.provider)
            const tokenNumber = Number(tokenId)
            return {
              token: value.decodedToken ?? tokenId,
              logprob: value.logprob,
              ...(Number.isInteger(tokenNumber) ? { tokenId: tokenNumber } : {}),
            }
          }),
        }
      }),
      usage,
    }
  }

  protected prepareRequest(parts: OpenAIRequestParts): OpenAIPreparedRequest {
    const { request, providerOptions: extra, drop } = parts
    if (request.messages) {
      throw new UnsupportedCapabilityError({
        capability: 'chat',
        message: `${this.provider}:${this.modelId} uses the completions API, which takes a prompt, not chat messages (use { api: 'chat' } for a chat model).`,
      })
    }
    const body: CompletionRequestBody = {
      model: this.modelId,
      prompt: request.prompt ?? '',
      ...parts.sampling,
    }
    const logprobsRequested = logprobsToSend(parts, this.modelId)
    if (logprobsRequested) body.logprobs = request.topLogprobs ?? 0
    if (extra.responseFormat !== undefined)
      drop('providerOptions.openai.responseFormat', 'the completions API has no response_format.')
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
    body: CompletionRequestBody,
    signal: AbortSignal | undefined,
  ): Promise<OpenAIParsedResponse> {
    const response = await this.config.client.completions.create(body, this.requestOptions(signal))
    return parsedResponse(response, this.provider, mapCompletionChoice)
  }

  private async streamRequest(
    body: CompletionRequestBody,
    signal: AbortSignal | undefined,
    onDelta: TextDeltaHandler | undefined,
  ): Promise<OpenAIParsedResponse> {
    const stream = await this.config.client.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      this.requestOptions(signal),
    )
    return readChoiceStream(
      stream,
      this.provider,
      (choice) => ({
        text: choice.text ?? '',
        logprobs: mapCompletionLogprobs(choice.logprobs),
        finishReason: choice.finish_reason,
      }),
      onDelta,
    )
  }

  /** The echoed tokens that end after `promptLength` and start before `end`. */
  private echoedLogprobs(
    logprobs: CompletionChoice.Logprobs | null | undefined,
    promptLength: number,
    end: number,
  ): TokenLogprob[] {
    if (!logprobs?.tokens || !logprobs.token_logprobs || !logprobs.text_offset) {
      throw malformed(
        'echo scoring needs logprobs.tokens, token_logprobs and text_offset',
        this.provider,
      )
    }
    const result: TokenLogprob[] = []
    logprobs.tokens.forEach((token, position) => {
      const offset = logprobs.text_offset?.[position] ?? 0
      // the SDK types promise numbers; the first echoed token's log-probability is null
      const logprob: number | null | undefined = logprobs.token_logprobs?.[position]
      if (offset < end && offset + token.length > promptLength && typeof logprob === 'number') {
        result.push(withTokenId({ token, logprob }))
      }
    })
    return result
  }
}

function mapCompletionChoice(choice: CompletionChoice): GenerateOutput {
  const logprobs = mapCompletionLogprobs(choice.logprobs)
  return {
    text: choice.text ?? '',
    finishReason: mapFinishReason(choice.finish_reason),
    ...compact({ logprobs }),
  }
}

function mapCompletionLogprobs(
  logprobs: CompletionChoice.Logprobs | null | undefined,
): TokenLogprob[] | undefined {
  if (!logprobs?.tokens || !logprobs.token_logprobs) return undefined
  const result: TokenLogprob[] = []
  logprobs.tokens.forEach((token, position) => {
    const logprob: number | null | undefined = logprobs.token_logprobs?.[position]
    if (typeof logprob !== 'number') return
    const top = logprobs.top_logprobs?.[position]
    const topLogprobs = top
      ? Object.entries(top)
          .map(([text, value]) => ({ token: text, logprob: value }))
          .sort((left, right) => right.logprob - left.logprob)
      : []
    result.push(withTokenId({ token, logprob, ...(topLogprobs.length > 0 ? { topLogprobs } : {}) }))
  })
  return result
}

/**
 * vLLM's `choices[].prompt_logprobs` (not in the SDK's types): one entry per prompt token,
 * null or `{ [tokenId]: { logprob, decoded_token? } }`. Throws a malformed-response
 * ApiCallError when it is missing or not of that shape.
 */
function readPromptLogprobs(
  choice: CompletionChoice | undefined,
  provider: string,
): PromptLogprobEntry[] {
  const entries = choice && 'prompt_logprobs' in choice ? choice.prompt_logprobs : undefined
  if (!Array.isArray(entries)) {
    throw malformed(
      'prompt-logprobs scoring needs choices[].prompt_logprobs (a vLLM extension)',
      provider,
    )
  }
  return entries.map((entry: unknown) => {
    if (entry === null) return null
    if (typeof entry !== 'object')
      throw malformed('a prompt_logprobs entry is not an object', provider)
    const tokens: PromptLogprobEntry = new Map()
    for (const [tokenId, value] of Object.entries(entry)) {
      const logprob: unknown = value?.logprob
      const decoded: unknown = value?.decoded_token
      if (typeof logprob !== 'number')
        throw malformed('a prompt_logprobs value has no numeric logprob', provider)
      tokens.set(tokenId, {
        logprob,
        decodedToken: typeof decoded === 'string' ? decoded : undefined,
      })
    }
    return tokens
  })
}
