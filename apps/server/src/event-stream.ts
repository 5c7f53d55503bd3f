// Server-sent events as OpenAI sends them: `data: {json}` events, a `data: [DONE]` terminator,
// and an error event (`data: {"error": {...}}`) when a stream fails after it started.
import type { ServerResponse } from 'node:http'
import type { OpenAiErrorBody } from './http-error.js'

/** An open event stream on one response. */
export interface EventStream {
  /** Sends one `data:` event with a JSON body. Does nothing once the client is gone. */
  send(data: unknown): void
  /** Sends `data: [DONE]` and ends the response. */
  done(): void
  /** Sends an error event (OpenAI's error body) and ends the response without `[DONE]`. */
  fail(body: OpenAiErrorBody): void
  /** True once the response ended or the client went away. */
  readonly closed: boolean
}

/** Writes the 200 headers of an event stream (plus `headers`) and returns its writer. */
export function openEventStream(
  response: ServerResponse,
  headers: Record<string, string> = {},
): EventStream {
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  })
  response.flushHeaders()
  const closed = () => response.writableEnded || response.destroyed
  return {
    send(data) {
      if (!closed()) response.write(`data: ${JSON.stringify(data)}\n\n`)
    },
    done() {
      if (closed()) return
      response.write('data: [DONE]\n\n')
      response.end()
    },
    fail(body) {
      if (closed()) return
      response.write(`data: ${JSON.stringify(body)}\n\n`)
      response.end()
    },
    get closed() {
      return closed()
    },
  }
}
