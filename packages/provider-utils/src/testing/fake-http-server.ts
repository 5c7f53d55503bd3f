// A tiny HTTP server harness for fake API servers: records requests, counts requests in flight,
// replays scripted responses (errors, delays, hangs, malformed bodies) before the normal handler.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** A request the fake server received. */
export interface RecordedRequest {
  method: string
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string
  /** Lower-case header names. */
  headers: IncomingHttpHeaders
  /** The parsed JSON body (undefined when empty or not JSON). */
  body: Record<string, unknown> | undefined
  /** True when the client closed the connection before the response was complete. */
  aborted: boolean
}

/**
 * A response to replay instead of the normal handler, consumed one per API request in FIFO
 * order by {@link FakeServerHarness.enqueue}.
 */
export interface ScriptedResponse {
  /** HTTP status (default 200). */
  status?: number
  headers?: Record<string, string>
  /** An object is sent as JSON; a string is sent verbatim (for malformed bodies) with content-type application/json. */
  body?: unknown
  /** Content type (default `application/json`; e.g. `text/event-stream` for a scripted SSE body). */
  contentType?: string
  /** Waits this long before answering, in milliseconds. */
  delayMs?: number
  /** Never answers (until the client disconnects or the server closes): for timeouts and aborts. */
  hang?: boolean
  /** Destroys the connection without a response. */
  dropConnection?: boolean
}

/** What a handler receives. */
export interface FakeRequestContext {
  request: RecordedRequest
  response: ServerResponse
  /** True once the client has gone away. */
  isClosed(): boolean
  /** Aborts when the client goes away. */
  closed: AbortSignal
}

/** The running harness. */
export interface FakeServerHarness {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[]
  /** Requests being answered now. */
  readonly inFlight: number
  /** Most requests that were ever being answered at once. */
  readonly peakInFlight: number
  /** Requests whose client disconnected before the response was complete. */
  readonly abortedRequests: number
  /** Queues scripted responses for the next requests. */
  enqueue(...responses: ScriptedResponse[]): void
  /** Resets `peakInFlight` to the current in-flight count and clears `requests`. */
  reset(): void
  /** Stops the server and drops open connections. */
  close(): Promise<void>
}

/**
 * Sleeps `milliseconds`; resolves true when the time is up, or false as soon as `closed`
 * aborts (the client went away).
 */
export function waitUnlessClosed(milliseconds: number, closed: AbortSignal): Promise<boolean> {
  if (closed.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      closed.removeEventListener('abort', onClose)
      resolve(true)
    }, milliseconds)
    closed.addEventListener('abort', onClose, { once: true })
  })
}

/** Sends a JSON response. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(typeof body === 'string' ? body : JSON.stringify(body))
}

/**
 * Starts a harness on 127.0.0.1 (port 0 = a random free port). `handle` answers requests that
 * no scripted response claimed; `isApiPath` says which paths consume scripted responses.
 */
export async function startFakeServerHarness(options: {
  port?: number
  isApiPath: (path: string) => boolean
  handle: (context: FakeRequestContext) => Promise<void>
}): Promise<FakeServerHarness> {
  const requests: RecordedRequest[] = []
  const scripted: ScriptedResponse[] = []
  const sockets = new Set<Socket>()
  let inFlight = 0
  let peakInFlight = 0
  let abortedRequests = 0
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = []
      for await (const chunk of incoming) chunks.push(chunk as Buffer)
      const text = Buffer.concat(chunks).toString('utf8')
      let body: Record<string, unknown> | undefined
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined
      } catch {
        body = undefined
      }
      const recorded: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path: (incoming.url ?? '/').split('?')[0] ?? '/',
        headers: incoming.headers,
        body,
        aborted: false,
      }
      requests.push(recorded)
      inFlight++
      peakInFlight = Math.max(peakInFlight, inFlight)
      const closedController = new AbortController()
      let counted = false
      const finish = () => {
        if (counted) return
        counted = true
        inFlight--
      }
      response.on('close', () => {
        closedController.abort()
        if (!response.writableFinished) {
          recorded.aborted = true
          abortedRequests++
        }
        finish()
      })
      const context: FakeRequestContext = {
        request: recorded,
        response,
        isClosed: () => closedController.signal.aborted,
        closed: closedController.signal,
      }
      try {
        const script = options.isApiPath(recorded.path) ? scripted.shift() : undefined
        if (script) {
          if (script.delayMs && !(await waitUnlessClosed(script.delayMs, context.closed))) return
          if (script.hang) return
          if (script.dropConnection) {
            incoming.socket.destroy()
            return
          }
          sendJson(response, script.status ?? 200, script.body ?? {}, {
            ...(script.contentType ? { 'content-type': script.contentType } : {}),
            ...script.headers,
          })
          return
        }
        await options.handle(context)
      } catch (error) {
        if (!response.headersSent) sendJson(response, 500, { error: { message: String(error) } })
        else response.destroy()
      }
    })()
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get inFlight() {
      return inFlight
    },
    get peakInFlight() {
      return peakInFlight
    },
    get abortedRequests() {
      return abortedRequests
    },
    enqueue(...responses) {
      scripted.push(...responses)
    },
    reset() {
      requests.length = 0
      peakInFlight = inFlight
    },
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/**
 * Splits text into GPT-2-like tokens (a word with its leading space, single digits, single
 * punctuation marks, runs of whitespace), so that the fake servers count and stream tokens.
 */
export function fakeTokenize(text: string): string[] {
  return text.match(/ ?[A-Za-z]+| ?\d| ?[^\sA-Za-z\d]|\s+/g) ?? []
}

/** A deterministic pseudo log-probability in [-2.5, -0.01] of `token` at `position`. */
export function fakeLogprob(token: string, position: number, salt = 0): number {
  let hash = 2166136261 ^ salt
  for (const character of `${position}:${token}`) {
    hash = Math.imul(hash ^ character.charCodeAt(0), 16777619)
  }
  return -0.01 - ((hash >>> 0) % 1000) / 400
}

/** A deterministic fake token id in [1, 50000) for `token`. */
export function fakeTokenId(token: string): number {
  let hash = 2166136261
  for (const character of token) hash = Math.imul(hash ^ character.charCodeAt(0), 16777619)
  return ((hash >>> 0) % 49999) + 1
}

/** Extracts the question of a tinymath-style prompt `Q: {question}\nA:` (the last one). */
export function extractQuestion(prompt: string): string | undefined {
  const matches = [...prompt.matchAll(/Q: (.*?)\nA:/gs)]
  return matches.at(-1)?.[1]
}
