// A fake Anthropic Messages API server on 127.0.0.1 for tests, benchmarks and offline examples:
// POST /v1/messages in JSON and SSE, stop sequences, max_tokens, a prompt cache that honours
// cache_control, usage with cache writes and reads, auth, and scripted failures.
import { compact } from '@metagen/core'
import {
  extractQuestion,
  type FakeRequestContext,
  type FakeServerHarness,
  fakeTokenize,
  sendJson,
  sendServerSentEvents,
  startFakeServerHarness,
  waitUnlessClosed,
} from '@metagen/provider-utils/testing'

/** What a responder is asked to answer. */
export interface FakeAnthropicResponderContext {
  /** Text of the last user message. */
  prompt: string
  /** The system prompt as text ('' when none). */
  system: string
  /** The messages as text. */
  messages: ReadonlyArray<{ role: string; content: string }>
  /** The question of a tinymath-style prompt (`Q: {question}\nA:`), when there is one. */
  question?: string
  /** 0-based number of this request among all requests the server answered (varies samples). */
  requestIndex: number
  /** The raw request body. */
  body: Record<string, unknown>
}

/**
 * Produces the full text of one response (before the server applies max_tokens and stop). When
 * the request forces a tool (`tool_choice: { type: 'tool', name }`), the text is the JSON of the
 * tool input.
 */
export type FakeAnthropicResponder = (context: FakeAnthropicResponderContext) => string

/** Options of {@link startFakeAnthropicServer}. */
export interface FakeAnthropicServerOptions {
  /** Produces answers (default: `Reply {requestIndex}: a fake answer. The answer is 42.`). */
  respond?: FakeAnthropicResponder
  /** Delay before each response (and before `message_start`), in milliseconds (default 0). */
  latencyMs?: number
  /** Delay between SSE events, in milliseconds (default 0). */
  chunkDelayMs?: number
  /** When set, requests must carry this key as `Authorization: Bearer` or `x-api-key` (else 401). */
  apiKey?: string
  /** Port (default 0: a random free port). */
  port?: number
}

/** A running fake Anthropic server. */
export interface FakeAnthropicServer extends FakeServerHarness {
  /** Base URL for the SDK, `http://127.0.0.1:<port>`. */
  readonly baseURL: string
}

/** The default responder. */
export const defaultFakeAnthropicResponder: FakeAnthropicResponder = (context) =>
  `Reply ${context.requestIndex}: a fake answer. The answer is 42.`

type Block = { type?: string; text?: string; cache_control?: unknown }

const textOf = (blocks: Block[]) => blocks.map((block) => block.text ?? '').join('')

function parseBlocks(body: Record<string, unknown>) {
  const systemBlocks = blocksOf(body.system)
  const messages = (body.messages as Array<{ role: string; content: unknown }>).map((message) => ({
    role: message.role,
    blocks: blocksOf(message.content),
  }))
  const allBlocks = [...systemBlocks, ...messages.flatMap((message) => message.blocks)]
  return { systemBlocks, messages, allBlocks }
}

/** The cache key and token count of the prefix up to the last block with cache_control. */
function cachedPrefix(body: Record<string, unknown>): { key: string; tokens: number } | undefined {
  const { allBlocks } = parseBlocks(body)
  const lastMarked = allBlocks.findLastIndex((block) => block.cache_control)
  if (lastMarked < 0) return undefined
  const prefix = allBlocks.slice(0, lastMarked + 1)
  return {
    key: `${String(body.model)}\u0000${JSON.stringify(prefix.map((block) => block.text))}`,
    tokens: fakeTokenize(textOf(prefix)).length,
  }
}

function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  return Array.isArray(content) ? (content as Block[]) : []
}

/**
 * Starts a fake Anthropic API server. Requests must send an `anthropic-version` header (else
 * 400); a trailing assistant message (prefill) must not end with whitespace (else 400, as the
 * real API). Prompt caching: the prefix up to the last block with `cache_control` is written to the
 * cache when the server starts answering (`cache_creation_input_tokens`); later requests with
 * the same prefix read it (`cache_read_input_tokens`). Forced tool use (`tool_choice:
 * { type: 'tool', name }`): the answer is one `tool_use` block whose input is the responder's
 * text parsed as JSON (streamed as `input_json_delta` pieces), `stop_reason: 'tool_use'`; stop
 * sequences do not apply, and an answer over `max_tokens` ends with `max_tokens` and no tool call.
 */
export async function startFakeAnthropicServer(
  options: FakeAnthropicServerOptions = {},
): Promise<FakeAnthropicServer> {
  const respond = options.respond ?? defaultFakeAnthropicResponder
  const cache = new Set<string>()
  let requestCounter = 0
  const harness = await startFakeServerHarness({
    ...compact({ port: options.port }),
    isApiPath: (path) => path.startsWith('/v1/'),
    handle: async (context) => {
      const { request, response } = context
      const key =
        request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /, '')
      if (options.apiKey !== undefined && key !== options.apiKey) {
        sendJson(response, 401, {
          type: 'error',
          error: { type: 'authentication_error', message: 'invalid x-api-key' },
        })
        return
      }
      if (!request.headers['anthropic-version']) {
        sendJson(response, 400, {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: 'anthropic-version: header is required',
          },
        })
        return
      }
      if (request.method !== 'POST' || request.path !== '/v1/messages') {
        sendJson(response, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: `Unknown route ${request.path}` },
        })
        return
      }
      const body = request.body
      if (
        !body ||
        typeof body.model !== 'string' ||
        typeof body.max_tokens !== 'number' ||
        !Array.isArray(body.messages)
      ) {
        sendJson(response, 400, {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: 'model, max_tokens and messages are required',
          },
        })
        return
      }
      const lastMessage = (body.messages as Array<{ role?: unknown; content?: unknown }>).at(-1)
      if (lastMessage?.role === 'assistant' && /\s$/.test(textOf(blocksOf(lastMessage.content)))) {
        sendJson(response, 400, {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: 'messages: final assistant content cannot end with trailing whitespace',
          },
        })
        return
      }
      const requestIndex = requestCounter++
      // a cache entry is usable by requests that arrive after its writer started answering
      const prefix = cachedPrefix(body)
      const hit = prefix !== undefined && cache.has(prefix.key)
      if (options.latencyMs && !(await waitUnlessClosed(options.latencyMs, context.closed))) return
      if (prefix) cache.add(prefix.key)
      await answer(context, body, requestIndex, prefix ? { tokens: prefix.tokens, hit } : undefined)
    },
  })

  async function answer(
    context: FakeRequestContext,
    body: Record<string, unknown>,
    requestIndex: number,
    prefix: { tokens: number; hit: boolean } | undefined,
  ) {
    const { systemBlocks, messages, allBlocks } = parseBlocks(body)
    const inputTokens = fakeTokenize(textOf(allBlocks)).length + 4 * messages.length
    const lastMarked = allBlocks.findLastIndex((block) => block.cache_control)
    const cacheWrite = prefix && !prefix.hit ? prefix.tokens : 0
    const cacheRead = prefix?.hit ? prefix.tokens : 0
    const textMessages = messages.map((message) => ({
      role: message.role,
      content: textOf(message.blocks),
    }))
    const lastUser = [...textMessages].reverse().find((message) => message.role === 'user')
    const prompt = lastUser?.content ?? ''
    const question = extractQuestion(prompt)
    let text = respond({
      prompt,
      system: textOf(systemBlocks),
      messages: textMessages,
      ...compact({ question }),
      requestIndex,
      body,
    })
    const toolChoice = body.tool_choice as { type?: string; name?: string } | undefined
    const forcedTool = toolChoice?.type === 'tool' ? toolChoice.name : undefined
    let stopReason = forcedTool ? 'tool_use' : 'end_turn'
    let stopSequence: string | null = null
    const stops =
      Array.isArray(body.stop_sequences) && !forcedTool ? (body.stop_sequences as string[]) : []
    let cut = -1
    for (const stop of stops) {
      const at = text.indexOf(stop)
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at
        stopSequence = stop
      }
    }
    if (cut >= 0) {
      text = text.slice(0, cut)
      stopReason = 'stop_sequence'
    }
    let tokens = fakeTokenize(text)
    const maxTokens = body.max_tokens as number
    if (tokens.length > maxTokens) {
      tokens = tokens.slice(0, maxTokens)
      text = tokens.join('')
      stopReason = 'max_tokens'
      stopSequence = null
    }
    const ttl1h =
      lastMarked >= 0 &&
      (allBlocks[lastMarked]?.cache_control as { ttl?: string } | undefined)?.ttl === '1h'
    const usage = {
      input_tokens: inputTokens - cacheWrite - cacheRead,
      output_tokens: tokens.length,
      cache_creation_input_tokens: cacheWrite,
      cache_read_input_tokens: cacheRead,
      cache_creation: {
        ephemeral_5m_input_tokens: ttl1h ? 0 : cacheWrite,
        ephemeral_1h_input_tokens: ttl1h ? cacheWrite : 0,
      },
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'standard',
      speed: null,
    }
    const id = `msg_fake_${requestIndex}`
    const toolCall =
      forcedTool && stopReason === 'tool_use'
        ? {
            type: 'tool_use',
            id: `toolu_fake_${requestIndex}`,
            name: forcedTool,
            caller: { type: 'direct' },
          }
        : undefined
    const base = {
      id,
      type: 'message',
      role: 'assistant',
      model: body.model,
      container: null,
      diagnostics: null,
      stop_details: null,
    }
    if (body.stream === true) {
      const events: Array<[string, unknown]> = [
        [
          'message_start',
          {
            type: 'message_start',
            message: {
              ...base,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { ...usage, output_tokens: 1 },
            },
          },
        ],
        [
          'content_block_start',
          {
            type: 'content_block_start',
            index: 0,
            content_block: toolCall
              ? { ...toolCall, input: {} }
              : { type: 'text', text: '', citations: null },
          },
        ],
        ['ping', { type: 'ping' }],
        ...tokens.map((token): [string, unknown] => [
          'content_block_delta',
          {
            type: 'content_block_delta',
            index: 0,
            delta: toolCall
              ? { type: 'input_json_delta', partial_json: token }
              : { type: 'text_delta', text: token },
          },
        ]),
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        [
          'message_delta',
          {
            type: 'message_delta',
            delta: {
              stop_reason: stopReason,
              stop_sequence: stopSequence,
              stop_details: null,
              container: null,
            },
            usage: {
              input_tokens: usage.input_tokens,
              output_tokens: usage.output_tokens,
              cache_creation_input_tokens: usage.cache_creation_input_tokens,
              cache_read_input_tokens: usage.cache_read_input_tokens,
              output_tokens_details: null,
              server_tool_use: null,
            },
          },
        ],
        ['message_stop', { type: 'message_stop' }],
      ]
      await sendServerSentEvents(
        context,
        events.map(([event, data]) => ({ event, data })),
        { chunkDelayMs: options.chunkDelayMs ?? 0 },
      )
      return
    }
    sendJson(context.response, 200, {
      ...base,
      content: toolCall
        ? [{ ...toolCall, input: JSON.parse(text) }]
        : forcedTool
          ? []
          : [{ type: 'text', text, citations: null }],
      stop_reason: stopReason,
      stop_sequence: stopSequence,
      usage,
    })
  }

  return Object.assign(harness, { baseURL: harness.origin }) as FakeAnthropicServer
}
