// Checks every request passes before any work: the API key (401), the Host header against DNS
// rebinding (421), the Origin and CORS rules (403), and the JSON content type of POSTs (415).
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { HttpError } from './http-error.js'

/** The loopback host names accepted when the server listens on a loopback address. */
export const loopbackHostNames: readonly string[] = ['localhost', '127.0.0.1', '[::1]', '::1']

/**
 * Throws a 401 HttpError (OpenAI's `invalid_api_key`) unless the request carries `apiKey` as
 * `Authorization: Bearer <key>` or `x-api-key`. The comparison takes the same time whatever
 * the key (hashes compared with timingSafeEqual).
 */
export function checkApiKey(request: IncomingMessage, apiKey: string | undefined): void {
  if (apiKey === undefined) return
  const authorization = request.headers.authorization
  const bearer =
    typeof authorization === 'string' && /^Bearer\s+/i.test(authorization)
      ? authorization.replace(/^Bearer\s+/i, '').trim()
      : undefined
  const header = request.headers['x-api-key']
  const given = bearer ?? (typeof header === 'string' ? header : undefined)
  const digest = (text: string) => createHash('sha256').update(text).digest()
  if (given === undefined || !timingSafeEqual(digest(given), digest(apiKey))) {
    throw new HttpError({
      status: 401,
      message:
        given === undefined
          ? 'You did not provide an API key: send it as "Authorization: Bearer <key>".'
          : 'Incorrect API key provided.',
      code: 'invalid_api_key',
    })
  }
}

/**
 * Throws a 421 HttpError unless the Host header names an allowed host (`allowedHosts`, compared
 * without the port, case-insensitively). `undefined` allows any host.
 */
export function checkHost(
  request: IncomingMessage,
  allowedHosts: readonly string[] | undefined,
): void {
  if (allowedHosts === undefined) return
  const host = hostWithoutPort(request.headers.host ?? '')
  if (!allowedHosts.some((allowed) => allowed.toLowerCase() === host)) {
    throw new HttpError({
      status: 421,
      message: `The Host header ${JSON.stringify(request.headers.host ?? '')} is not served here (allowed: ${allowedHosts.join(', ')}; start the server with --allowed-host to add one).`,
      code: 'host_not_allowed',
    })
  }
}

/** The host part of a Host header, lower-case, without the port (`[::1]:8080` -> `[::1]`). */
export function hostWithoutPort(host: string): string {
  const lower = host.trim().toLowerCase()
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1)
  const colon = lower.lastIndexOf(':')
  return colon >= 0 && lower.indexOf(':') === colon ? lower.slice(0, colon) : lower
}

/**
 * The Host names accepted by default for a server listening on `host`: the loopback names for
 * a loopback address, otherwise undefined (any host; protect such a server with an API key or
 * name its hosts explicitly).
 */
export function defaultAllowedHosts(host: string): readonly string[] | undefined {
  const bare = host.replace(/^\[|\]$/g, '')
  if (bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'))) {
    return [...loopbackHostNames, ...(loopbackHostNames.includes(bare) ? [] : [bare])]
  }
  return undefined
}

/**
 * Checks the Origin header of a browser request: allowed when absent, when it is one of
 * `corsOrigins`, or when its host equals the Host header (same origin). Otherwise a 403.
 * Returns the origin to echo in `Access-Control-Allow-Origin`, if any.
 */
export function checkOrigin(
  request: IncomingMessage,
  corsOrigins: readonly string[],
): string | undefined {
  const origin = request.headers.origin
  if (origin === undefined) return undefined
  if (corsOrigins.includes('*')) return '*'
  if (corsOrigins.includes(origin)) return origin
  let originHost: string | undefined
  try {
    originHost = new URL(origin).host.toLowerCase()
  } catch {
    originHost = undefined
  }
  if (originHost !== undefined && originHost === (request.headers.host ?? '').toLowerCase()) {
    return undefined
  }
  throw new HttpError({
    status: 403,
    message: `Cross-origin requests from ${JSON.stringify(origin)} are not allowed (start the server with --cors ORIGIN to allow one).`,
    code: 'origin_not_allowed',
  })
}

/** CORS response headers for an allowed origin (none without one). */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (origin === undefined) return {}
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type, x-api-key',
    'access-control-max-age': '600',
    ...(origin === '*' ? {} : { vary: 'Origin' }),
  }
}

/**
 * Throws a 415 HttpError unless the request's Content-Type is `application/json` (parameters
 * such as `charset=utf-8` allowed). A `text/plain` form post from a web page is refused here.
 */
export function checkJsonContentType(request: IncomingMessage): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') {
    throw new HttpError({
      status: 415,
      message: `Unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}: send the body as application/json.`,
      code: 'unsupported_media_type',
    })
  }
}
