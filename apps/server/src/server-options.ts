// The options of a metagen server and its limits (admission control, request sizes, timeouts),
// with their defaults and validation.
import { assertInteger, InvalidArgumentError } from '@metagen/core'

/** Limits that keep one server alive under load and abuse. Every field is an integer >= 1 unless noted. */
export interface ServerLimits {
  /** Prompts in one completions request (default 16). */
  maxPrompts: number
  /** Characters of one prompt, or of a chat request's messages together (default 16384). */
  maxPromptChars: number
  /** `n`, samples per prompt (default 128). */
  maxN: number
  /**
   * Samples one strategy run may draw: each sample-count option (`n`, `beamWidth`,
   * `expansions`, ...) and their product over nested strategies (default 128). See
   * `countStrategySamples`.
   */
  maxStrategySamples: number
  /**
   * Work in flight, in sample-tokens: the sum over running requests of prompts x n x strategy
   * samples x max tokens (default 16384, i.e. 128 samples of 128 tokens). One request above it
   * is a 400; requests that do not fit now wait in the queue.
   */
  maxInFlightWork: number
  /** Requests waiting for admission; beyond it 429 with Retry-After (default 64, may be 0). */
  maxQueued: number
  /** `Retry-After` seconds of a 429 (default 1). */
  retryAfterSeconds: number
  /**
   * Deadline of one request from arrival to the last byte, queueing included, in ms (default
   * 120000). A request still queued at its deadline gets 503; a running generation is stopped
   * (504), a running strategy returns its best answer so far (its wall-time budget).
   */
  requestTimeoutMs: number
  /** Time to receive the request headers, in ms (default 10000; node:http `headersTimeout`). */
  headersTimeoutMs: number
  /** Time to receive the whole request, in ms (default 30000; node:http `requestTimeout`). */
  bodyTimeoutMs: number
  /** Idle keep-alive connections are closed after this many ms (default 5000). */
  keepAliveTimeoutMs: number
  /** Open connections (default 1024; node:http `maxConnections`, further sockets are dropped). */
  maxConnections: number
  /** Largest request body in bytes (default 1 MiB); larger bodies get 413. */
  maxBodyBytes: number
  /** On close (SIGTERM), in-flight and queued requests get this long to finish, in ms (default 30000). */
  shutdownTimeoutMs: number
}

/** The default {@link ServerLimits}. */
export const defaultServerLimits: Readonly<ServerLimits> = Object.freeze({
  maxPrompts: 16,
  maxPromptChars: 16_384,
  maxN: 128,
  maxStrategySamples: 128,
  maxInFlightWork: 16_384,
  maxQueued: 64,
  retryAfterSeconds: 1,
  requestTimeoutMs: 120_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
  maxBodyBytes: 1024 * 1024,
  shutdownTimeoutMs: 30_000,
})

/**
 * Merges `limits` over the defaults and validates every field (an integer >= 1; `maxQueued`
 * >= 0; `headersTimeoutMs` <= `bodyTimeoutMs`). Throws InvalidArgumentError naming
 * `limits.<field>`.
 */
export function resolveServerLimits(limits: Partial<ServerLimits> = {}): ServerLimits {
  const resolved: ServerLimits = { ...defaultServerLimits }
  for (const [key, value] of Object.entries(limits)) {
    if (value === undefined) continue
    if (!Object.hasOwn(defaultServerLimits, key)) {
      throw new InvalidArgumentError({
        argument: `limits.${key}`,
        expected: `one of ${Object.keys(defaultServerLimits).join(', ')}`,
        received: value,
      })
    }
    assertInteger(`limits.${key}`, value, key === 'maxQueued' ? 0 : 1)
    ;(resolved as unknown as Record<string, number>)[key] = value
  }
  if (resolved.headersTimeoutMs > resolved.bodyTimeoutMs) {
    throw new InvalidArgumentError({
      argument: 'limits.headersTimeoutMs',
      expected: `at most limits.bodyTimeoutMs (${resolved.bodyTimeoutMs}): the whole request includes its headers`,
      received: resolved.headersTimeoutMs,
    })
  }
  return resolved
}

/** One line of the request log: one JSON object per finished request. */
export interface RequestLogEntry {
  /** ISO time the request finished. */
  time: string
  /** The request id (also in the `x-request-id` response header). */
  id: string
  method: string
  path: string
  status: number
  /** Milliseconds from arrival to the last byte. */
  ms: number
  /** Milliseconds spent waiting for admission. */
  queueMs?: number
  model?: string
  strategy?: string
  prompts?: number
  n?: number
  stream?: boolean
  promptTokens?: number
  completionTokens?: number
  /** The error message (full, for the operator), when the request failed. */
  error?: string
}
