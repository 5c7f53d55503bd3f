// A fake OpenAI(-compatible) API server on 127.0.0.1 for tests, benchmarks and offline examples:
// /v1/chat/completions and /v1/completions in JSON and SSE, n, logprobs, echo, prompt_logprobs,
// usage with cached tokens, auth, and scripted failures. Answers come from a caller's function.
import { compact } from '@metagen/core'
import {
  extractQuestion,
  type FakeRequestContext,
  type FakeServerHarness,
  fakeLogprob,
  fakeTokenId,
  fakeTokenize,
  sendJson,
  sendServerSentEvents,
  startFakeServerHarness,
  waitUnlessClosed,
} from '@metagen/provider-utils/testing'

/** What a responder is asked to answer. */
export interface FakeOpenAIResponderContext {
  endpoint: 'chat' | 'completion'
  /** The completion prompt, or for chat the content of the last user message. */
  prompt: string
  /** Chat messages (chat endpoint only). */
  messages?: ReadonlyArray<{ role: string; content: string }>
  /** The question of a tinymath-style prompt (`Q: {question}\nA:`), when there is one. */
  question?: string
  /** Index of the choice being generated in [0, n). */
  sampleIndex: number
  /** The request's `seed`, when given. */
  seed?: number
  /** The request's `temperature`, when given. */
  temperature?: number
  /** The raw request body. */
  body: Record<string, unknown>
}

/** Produces the full text of one choice (before the server applies max_tokens and stop). */
export type FakeOpenAIResponder = (context: FakeOpenAIResponderContext) => string

/** Options of {@link startFakeOpenAIServer}. */
export interface FakeOpenAIServerOptions {
  /** Produces answers (default: `Sample {i}: a fake answer. The answer is 42.`). */
  respond?: FakeOpenAIResponder
  /** Delay before each response (and before the first SSE event), in milliseconds (default 0). */
  latencyMs?: number
  /** Delay between SSE chunks, in milliseconds (default 0). */
  chunkDelayMs?: number
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string
  /** Answer one choice whatever `n` is (like servers that ignore n). */
  ignoreN?: boolean
  /** Port (default 0: a random free port). */
  port?: number
}

/** A running fake OpenAI server. */
export interface FakeOpenAIServer extends FakeServerHarness {
  /** Base URL for the SDK, `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string
}

/** The default responder: a short deterministic text that names the sample. */
export const defaultFakeOpenAIResponder: FakeOpenAIResponder = (context) =>
  `Sample ${context.sampleIndex}: a fake answer. The answer is 42.`

interface GeneratedChoice {
  text: string
  tokens: string[]
  finishReason: 'stop' | 'length'
}

/**
 * Starts a fake OpenAI API server. Answers `POST /v1/chat/completions` and `POST /v1/completions`
 * (JSON, or SSE with `stream: true`, with a usage chunk when `stream_options.include_usage`).
 * Tokens are {@link fakeTokenize} pieces; log-probabilities are deterministic pseudo values;
 * `usage.prompt_tokens_details.cached_tokens` equals the prompt tokens when the same prompt was
 * answered before (a simple prompt cache).
 */
export async function startFakeOpenAIServer(
  options: FakeOpenAIServerOptions = {},
): Promise<FakeOpenAIServer> {
  const respond = options.respond ?? defaultFakeOpenAIResponder
  const promptCache = new Set<string>()
  let counter = 0
  const harness = await startFakeServerHarness({
    ...compact({ port: options.port }),
    isApiPath: (path) => path.startsWith('/v1/'),
    handle: async (context) => {
      const { request, response } = context
      if (
        options.apiKey !== undefined &&
        request.headers.authorization !== `Bearer ${options.apiKey}`
      ) {
        sendJson(response, 401, {
          error: {
            message: 'Incorrect API key provided.',
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        })
        return
      }
      const endpoint =
        request.path === '/v1/chat/completions'
          ? 'chat'
          : request.path === '/v1/completions'
            ? 'completion'
            : undefined
      if (request.method !== 'POST' || !endpoint) {
        sendJson(response, 404, {
          error: {
            message: `Unknown route ${request.method} ${request.path}`,
            type: 'invalid_request_error',
          },
        })
        return
      }
      const body = request.body
      if (!body || typeof body.model !== 'string') {
        sendJson(response, 400, {
          error: { message: 'model is required', type: 'invalid_request_error', param: 'model' },
        })
        return
      }
      if (options.latencyMs && !(await waitUnlessClosed(options.latencyMs, context.closed))) return
      const id = `fake-${++counter}`
      if (endpoint === 'chat') await answerChat(context, body, id)
      else await answerCompletion(context, body, id)
    },
  })

  function generate(
    body: Record<string, unknown>,
    base: Omit<FakeOpenAIResponderContext, 'sampleIndex' | 'body'>,
    sampleIndex: number,
  ): GeneratedChoice {
    let text = respond({ ...base, sampleIndex, body })
    let finishReason: GeneratedChoice['finishReason'] = 'stop'
    const stops =
      typeof body.stop === 'string'
        ? [body.stop]
        : Array.isArray(body.stop)
          ? (body.stop as string[])
          : []
    let cut = -1
    for (const stop of stops) {
      const at = text.indexOf(stop)
      if (at >= 0 && (cut < 0 || at < cut)) cut = at
    }
    if (cut >= 0) text = text.slice(0, cut)
    let tokens = fakeTokenize(text)
    const maxTokens = (body.max_completion_tokens ?? body.max_tokens) as number | undefined
    if (typeof maxTokens === 'number' && tokens.length > maxTokens) {
      tokens = tokens.slice(0, maxTokens)
      text = tokens.join('')
      finishReason = 'length'
    }
    return { text, tokens, finishReason }
  }

  function sampleCount(body: Record<string, unknown>): number {
    return options.ignoreN ? 1 : typeof body.n === 'number' ? body.n : 1
  }

  function usageOf(promptKey: string, promptTokens: number, completionTokens: number) {
    const cached = promptCache.has(promptKey) ? promptTokens : 0
    promptCache.add(promptKey)
    return {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    }
  }

  function chatLogprobs(tokens: string[], topCount: number, salt: number) {
    return tokens.map((token, position) => {
      const logprob = fakeLogprob(token, position, salt)
      return {
        token,
        logprob,
        bytes: [...Buffer.from(token, 'utf8')],
        top_logprobs: topAlternatives(token, logprob, topCount).map(([text, value]) => ({
          token: text,
          logprob: value,
          bytes: [...Buffer.from(text, 'utf8')],
        })),
      }
    })
  }

  async function answerChat(
    context: FakeRequestContext,
    body: Record<string, unknown>,
    id: string,
  ) {
    const messages = (body.messages as Array<{ role: string; content: string }>) ?? []
    const lastUser = [...messages].reverse().find((message) => message.role === 'user')
    const prompt = typeof lastUser?.content === 'string' ? lastUser.content : ''
    const question = extractQuestion(prompt)
    const base = {
      endpoint: 'chat' as const,
      prompt,
      messages,
      ...compact({ question }),
      ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
      ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    }
    const n = sampleCount(body)
    const choices = Array.from({ length: n }, (_, index) => generate(body, base, index))
    const promptTokens = messages.reduce(
      (total, message) => total + 3 + fakeTokenize(String(message.content)).length,
      3,
    )
    const completionTokens = choices.reduce((total, choice) => total + choice.tokens.length, 0)
    const usage = usageOf(JSON.stringify(messages), promptTokens, completionTokens)
    const wantLogprobs = body.logprobs === true
    const topCount = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0
    const created = Math.floor(Date.now() / 1000)
    if (body.stream === true) {
      const chunks: unknown[] = []
      const chunk = (choice: unknown) => ({
        id,
        object: 'chat.completion.chunk',
        created,
        model: body.model,
        choices: [choice],
      })
      for (let index = 0; index < choices.length; index++) {
        chunks.push(
          chunk({
            index,
            delta: { role: 'assistant', content: '' },
            logprobs: null,
            finish_reason: null,
          }),
        )
      }
      const longest = Math.max(0, ...choices.map((choice) => choice.tokens.length))
      for (let position = 0; position < longest; position++) {
        choices.forEach((choice, index) => {
          const token = choice.tokens[position]
          if (token === undefined) return
          const logprobs = wantLogprobs
            ? { content: [chatLogprobs(choice.tokens, topCount, index)[position]], refusal: null }
            : null
          chunks.push(chunk({ index, delta: { content: token }, logprobs, finish_reason: null }))
        })
      }
      choices.forEach((choice, index) => {
        chunks.push(chunk({ index, delta: {}, logprobs: null, finish_reason: choice.finishReason }))
      })
      const includeUsage =
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
      if (includeUsage)
        chunks.push({
          id,
          object: 'chat.completion.chunk',
          created,
          model: body.model,
          choices: [],
          usage,
        })
      await sendServerSentEvents(
        context,
        chunks.map((data) => ({ data })),
        { chunkDelayMs: options.chunkDelayMs ?? 0, final: 'data: [DONE]\n\n' },
      )
      return
    }
    sendJson(context.response, 200, {
      id,
      object: 'chat.completion',
      created,
      model: body.model,
      system_fingerprint: 'fp_fake',
      choices: choices.map((choice, index) => ({
        index,
        message: { role: 'assistant', content: choice.text, refusal: null, annotations: [] },
        logprobs: wantLogprobs
          ? { content: chatLogprobs(choice.tokens, topCount, index), refusal: null }
          : null,
        finish_reason: choice.finishReason,
      })),
      usage,
    })
  }

  async function answerCompletion(
    context: FakeRequestContext,
    body: Record<string, unknown>,
    id: string,
  ) {
    const prompts = Array.isArray(body.prompt)
      ? (body.prompt as string[])
      : [String(body.prompt ?? '')]
    const n = sampleCount(body)
    const echo = body.echo === true
    const logprobCount = typeof body.logprobs === 'number' ? body.logprobs : undefined
    const promptLogprobs =
      typeof body.prompt_logprobs === 'number' ? body.prompt_logprobs : undefined
    const created = Math.floor(Date.now() / 1000)
    const choices: Array<Record<string, unknown>> = []
    let promptTokens = 0
    let completionTokens = 0
    prompts.forEach((prompt, promptIndex) => {
      const question = extractQuestion(prompt)
      const base = {
        endpoint: 'completion' as const,
        prompt,
        ...compact({ question }),
        ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
        ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
      }
      const promptPieces = fakeTokenize(prompt)
      promptTokens += promptPieces.length
      for (let sample = 0; sample < n; sample++) {
        const generated =
          body.max_tokens === 0
            ? { text: '', tokens: [] as string[], finishReason: 'length' as const }
            : generate(body, base, sample)
        completionTokens += generated.tokens.length
        const tokens = echo ? [...promptPieces, ...generated.tokens] : generated.tokens
        const startOffset = echo ? 0 : prompt.length
        let offset = startOffset
        const textOffset = tokens.map((token) => {
          const at = offset
          offset += token.length
          return at
        })
        const tokenLogprobs = tokens.map((token, position) =>
          echo && position === 0 ? null : fakeLogprob(token, position, sample),
        )
        choices.push({
          index: promptIndex * n + sample,
          text: echo ? prompt + generated.text : generated.text,
          finish_reason: generated.finishReason,
          logprobs:
            logprobCount === undefined
              ? null
              : {
                  tokens,
                  token_logprobs: tokenLogprobs,
                  top_logprobs: tokens.map((token, position) => {
                    const logprob = tokenLogprobs[position]
                    return logprob === null || logprob === undefined
                      ? null
                      : Object.fromEntries(
                          topAlternatives(token, logprob, Math.max(1, logprobCount)),
                        )
                  }),
                  text_offset: textOffset,
                },
          ...(promptLogprobs !== undefined
            ? {
                prompt_logprobs: promptPieces.map((token, position) =>
                  position === 0
                    ? null
                    : {
                        [String(fakeTokenId(token))]: {
                          logprob: fakeLogprob(token, position),
                          rank: 1,
                          decoded_token: token,
                        },
                      },
                ),
              }
            : {}),
        })
      }
    })
    const usage = usageOf(JSON.stringify(prompts), promptTokens, completionTokens)
    if (body.stream === true) {
      const chunks: unknown[] = []
      for (const choice of choices) {
        const logprobs = choice.logprobs as {
          tokens: string[]
          token_logprobs: Array<number | null>
          top_logprobs: unknown[]
          text_offset: number[]
        } | null
        const pieces = logprobs?.tokens ?? fakeTokenize(String(choice.text))
        pieces.forEach((token, position) => {
          chunks.push({
            id,
            object: 'text_completion',
            created,
            model: body.model,
            choices: [
              {
                index: choice.index,
                text: token,
                logprobs: logprobs
                  ? {
                      tokens: [token],
                      token_logprobs: [logprobs.token_logprobs[position]],
                      top_logprobs: [logprobs.top_logprobs[position]],
                      text_offset: [logprobs.text_offset[position]],
                    }
                  : null,
                finish_reason: null,
              },
            ],
          })
        })
        chunks.push({
          id,
          object: 'text_completion',
          created,
          model: body.model,
          choices: [
            { index: choice.index, text: '', logprobs: null, finish_reason: choice.finish_reason },
          ],
        })
      }
      const includeUsage =
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
      if (includeUsage)
        chunks.push({
          id,
          object: 'text_completion',
          created,
          model: body.model,
          choices: [],
          usage,
        })
      await sendServerSentEvents(
        context,
        chunks.map((data) => ({ data })),
        { chunkDelayMs: options.chunkDelayMs ?? 0, final: 'data: [DONE]\n\n' },
      )
      return
    }
    sendJson(context.response, 200, {
      id,
      object: 'text_completion',
      created,
      model: body.model,
      choices,
      usage,
    })
  }

  return Object.assign(harness, { baseURL: `${harness.origin}/v1` }) as FakeOpenAIServer
}

/** `count` alternatives: the token itself first, then made-up tokens with lower log-probabilities. */
function topAlternatives(token: string, logprob: number, count: number): Array<[string, number]> {
  const alternatives: Array<[string, number]> = []
  for (let rank = 0; rank < count; rank++) {
    alternatives.push(rank === 0 ? [token, logprob] : [`${token}~${rank}`, logprob - rank * 0.75])
  }
  return alternatives
}
