// Writes a Server-Sent Events response for fake API servers, one event at a time, stopping when
// the client goes away.
import type { FakeRequestContext } from './fake-http-server.js'
import { waitUnlessClosed } from './fake-http-server.js'

/** One SSE event: `event: {event}` (omitted when undefined) and `data: {JSON of data}`. */
export interface ServerSentEvent {
  event?: string
  data: unknown
}

/**
 * Answers 200 `text/event-stream` with `events` in order, waiting `chunkDelayMs` (ms, default 0)
 * after each; then writes `final` (e.g. `data: [DONE]\n\n`, default nothing) and ends. Stops
 * without ending as soon as the client disconnects.
 */
export async function sendServerSentEvents(
  context: FakeRequestContext,
  events: readonly ServerSentEvent[],
  options: { chunkDelayMs?: number; final?: string } = {},
): Promise<void> {
  const { response } = context
  const chunkDelayMs = options.chunkDelayMs ?? 0
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  })
  for (const { event, data } of events) {
    if (context.isClosed()) return
    response.write(
      `${event !== undefined ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`,
    )
    if (chunkDelayMs > 0 && !(await waitUnlessClosed(chunkDelayMs, context.closed))) return
  }
  response.end(options.final ?? '')
}
