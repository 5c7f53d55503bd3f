// The playground's calls to its server: JSON requests with the API key when one was given, and
// a run's server-sent events read from a fetch stream (EventSource cannot send the key).

/** An error answer of the server (OpenAI's error body). */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null,
  ) {
    super(message)
  }
}

/** The API key kept for this browser tab (sessionStorage), if any. */
export function apiKey(): string | undefined {
  try {
    return sessionStorage.getItem('metagen-api-key') ?? undefined
  } catch {
    return undefined
  }
}

/** Stores (or, with an empty string, forgets) the API key for this tab. */
export function setApiKey(key: string): void {
  try {
    if (key === '') sessionStorage.removeItem('metagen-api-key')
    else sessionStorage.setItem('metagen-api-key', key)
  } catch {
    // storage disabled: the key lasts until reload only
  }
}

function headers(json: boolean): Record<string, string> {
  const key = apiKey()
  return {
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  }
}

/** GETs or POSTs JSON; throws ApiError with the server's message on an error status. */
export async function requestJson<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: headers(body !== undefined),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (!response.ok) {
    const error = (parsed as { error?: { message?: string; param?: string | null } } | undefined)
      ?.error
    throw new ApiError(
      response.status,
      error?.message ?? `HTTP ${response.status}`,
      error?.param ?? null,
    )
  }
  return parsed as T
}

/**
 * Parses server-sent events from text chunks: returns the complete `data:` payloads of the
 * events in `buffer + chunk` and the unfinished rest. Pure (exported for tests).
 */
export function parseEventChunk(buffer: string, chunk: string): { data: string[]; rest: string } {
  const text = (buffer + chunk).replace(/\r\n/g, '\n')
  const events = text.split('\n\n')
  const rest = events.pop() ?? ''
  const data: string[] = []
  for (const event of events) {
    const lines = event
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
    if (lines.length > 0) data.push(lines.join('\n'))
  }
  return { data, rest }
}

/**
 * Follows a run's event stream: calls `onMessage` with each parsed message until `[DONE]`, the
 * end of the stream or `signal` aborts.
 */
export async function followRun(
  id: string,
  onMessage: (message: Record<string, unknown>) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch(`/api/runs/${encodeURIComponent(id)}/events`, {
    headers: headers(false),
    ...(signal ? { signal } : {}),
  })
  if (!response.ok || !response.body) {
    const text = await response.text()
    throw new ApiError(response.status, text || `HTTP ${response.status}`, null)
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let rest = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    const parsed = parseEventChunk(rest, value)
    rest = parsed.rest
    for (const data of parsed.data) {
      if (data === '[DONE]') return
      onMessage(JSON.parse(data) as Record<string, unknown>)
    }
  }
}
