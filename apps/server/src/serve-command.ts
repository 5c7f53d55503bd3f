// `metagen serve` (and the `metagen-server` bin): command-line flags to server options, start,
// and a graceful drain on SIGTERM / SIGINT.
import { parseArgs } from 'node:util'
import { compact, InvalidArgumentError } from '@metagen/core'
import { readIntegerFlag } from '@metagen/orchestrator'
import { createMetagenServer, type MetagenServerOptions } from './create-metagen-server.js'
import type { ServerLimits } from './server-options.js'

/** The flags of `metagen serve`, for parseArgs. */
export const serveFlags = {
  port: { type: 'string' },
  host: { type: 'string' },
  model: { type: 'string', multiple: true },
  'api-key': { type: 'string' },
  cors: { type: 'string', multiple: true },
  'allowed-host': { type: 'string', multiple: true },
  'allow-model-dir': { type: 'string', multiple: true },
  'allow-remote': { type: 'string', multiple: true },
  'base-url': { type: 'string' },
  'max-tokens': { type: 'string' },
  threads: { type: 'string' },
  'max-prompts': { type: 'string' },
  'max-n': { type: 'string' },
  'max-strategy-samples': { type: 'string' },
  'max-in-flight': { type: 'string' },
  'max-queued': { type: 'string' },
  timeout: { type: 'string' },
  'max-connections': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `--help` of `metagen serve`. */
export const serveUsage = `Usage: metagen serve [flags]   an OpenAI-compatible server over the served models and strategies

  --port N                  port (default 8080; 0 = any free port)
  --host H                  address to listen on (default 127.0.0.1)
  --model ID|FOLDER|NAME=FOLDER|openai:<id>
                            a served model (repeatable; default tinymath-generator and tinymath-draft);
                            requests can name only served models, never a path
  --api-key KEY             require "Authorization: Bearer KEY" (default: env METAGEN_API_KEY, else open)
  --cors ORIGIN             allow browser calls from ORIGIN (repeatable; * for any; default none)
  --allowed-host NAME       accept this Host header (repeatable; default: loopback names on a loopback address)
  --allow-model-dir DIR     let requests name model folders inside DIR (default: none)
  --allow-remote PROVIDER   let requests name PROVIDER:<id> models, with the server's API key (default: none)
  --base-url URL            base URL of the remote API for served openai:/anthropic: models
  --max-tokens N            max_tokens when a request has none (default 128)
  --threads N               onnxruntime threads per local model
  --max-prompts N           prompts per request (default 16)
  --max-n N                 n per request (default 128)
  --max-strategy-samples N  samples of one strategy run (default 128)
  --max-in-flight N         sample-tokens in flight (samples x max_tokens; default 16384)
  --max-queued N            requests waiting for room; beyond it 429 + Retry-After (default 64)
  --timeout S               deadline of a request in seconds, queueing included (default 120)
  --max-connections N       open connections (default 1024)
  --quiet                   no request log (default: one JSON line per request on stderr)
`

/** Parsed `metagen serve` flags: where to listen and the server options. */
export interface ServeArguments {
  port: number
  host: string
  options: MetagenServerOptions
  help: boolean
}

/**
 * Parses the flags of `metagen serve` (see {@link serveUsage}). `env` supplies
 * METAGEN_API_KEY when `--api-key` is absent. Throws InvalidArgumentError naming the flag.
 */
export function parseServeArguments(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServeArguments {
  let values: Record<string, unknown>
  try {
    values = parseArgs({
      args: [...args],
      options: serveFlags,
      strict: true,
      allowPositionals: false,
    }).values as Record<string, unknown>
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'serve flags',
      expected: `the flags of metagen serve (${Object.keys(serveFlags)
        .map((name) => `--${name}`)
        .join(', ')})`,
      received: args.join(' '),
      cause: error,
    })
  }
  const port = readIntegerFlag(values, 'port', 0, 65535) ?? 8080
  const host = (values.host as string | undefined) ?? '127.0.0.1'
  const limits: Partial<ServerLimits> = {}
  const limitFlags: Array<[string, keyof ServerLimits, number]> = [
    ['max-prompts', 'maxPrompts', 1],
    ['max-n', 'maxN', 1],
    ['max-strategy-samples', 'maxStrategySamples', 1],
    ['max-in-flight', 'maxInFlightWork', 1],
    ['max-queued', 'maxQueued', 0],
    ['max-connections', 'maxConnections', 1],
  ]
  for (const [flag, key, minimum] of limitFlags) {
    const value = readIntegerFlag(values, flag, minimum)
    if (value !== undefined) limits[key] = value
  }
  const timeout = readIntegerFlag(values, 'timeout', 1)
  if (timeout !== undefined) limits.requestTimeoutMs = timeout * 1000
  const apiKey = (values['api-key'] as string | undefined) ?? env.METAGEN_API_KEY
  if (apiKey !== undefined && apiKey.trim() === '') {
    throw new InvalidArgumentError({
      argument: values['api-key'] !== undefined ? '--api-key' : 'METAGEN_API_KEY',
      expected: 'a non-empty key',
      received: apiKey,
    })
  }
  const maxTokens = readIntegerFlag(values, 'max-tokens', 1)
  const threads = readIntegerFlag(values, 'threads', 1)
  const list = (name: string) => values[name] as string[] | undefined
  const options: MetagenServerOptions = {
    ...(list('model') ? { models: list('model') as string[] } : {}),
    ...compact({ apiKey }),
    ...(list('cors') ? { corsOrigins: list('cors') as string[] } : {}),
    ...(list('allowed-host') ? { allowedHosts: list('allowed-host') as string[] } : {}),
    ...(list('allow-model-dir')
      ? { allowedModelDirectories: list('allow-model-dir') as string[] }
      : {}),
    ...(list('allow-remote') ? { allowedRemoteProviders: list('allow-remote') as string[] } : {}),
    ...(values['base-url'] !== undefined ? { remoteBaseUrl: values['base-url'] as string } : {}),
    ...compact({ maxTokens, threads }),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(values.quiet === true ? { log: false as const } : {}),
  }
  return { port, host, options, help: values.help === true }
}

/** Where `runServeCommand` writes. */
export interface ServeIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** `--help` of `metagen playground` (the flags are those of `metagen serve`). */
export const playgroundUsage = `Usage: metagen playground [flags]   the metagen server with its web playground; prints the URL to open

Starts \`metagen serve\` with the same flags (below) and prints the playground's URL: open it,
pick a model, a strategy and a question, run it and watch the search tree, the votes and the
counters fill in. Stop it with Ctrl-C.

${serveUsage.slice(serveUsage.indexOf('\n') + 1)}`

/**
 * Runs `metagen serve` (or, with `command: 'playground'`, `metagen playground`: the same server,
 * announced by the playground's URL): parses `args`, starts the server, prints its URL, and on
 * SIGTERM or SIGINT drains in-flight requests and closes. Resolves with the exit code once
 * closed (0), or at once after `--help` (0). Flag errors throw InvalidArgumentError.
 */
export async function runServeCommand(
  args: readonly string[],
  io: ServeIo = { stdout: process.stdout, stderr: process.stderr },
  env: Readonly<Record<string, string | undefined>> = process.env,
  command: 'serve' | 'playground' = 'serve',
): Promise<number> {
  const parsed = parseServeArguments(args, env)
  if (parsed.help) {
    io.stdout.write(command === 'playground' ? playgroundUsage : serveUsage)
    return 0
  }
  const server = createMetagenServer(parsed.options)
  const url = await server.listen(parsed.port, parsed.host)
  if (command === 'playground') {
    io.stdout.write(
      `metagen playground: open ${url}/ in a browser (the OpenAI-compatible API is at ${url}/v1)\n`,
    )
  } else {
    io.stdout.write(`metagen serve: listening on ${url}/v1 (the playground is at ${url}/)\n`)
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInterrupt)
      process.off('SIGTERM', onTerminate)
      io.stderr.write(`metagen ${command}: ${signal}, draining in-flight requests\n`)
      server.close().then(
        () => {
          io.stderr.write(`metagen ${command}: stopped\n`)
          resolve(0)
        },
        (error: unknown) => {
          io.stderr.write(`metagen ${command}: error while closing: ${String(error)}\n`)
          resolve(1)
        },
      )
    }
    const onInterrupt = () => stop('SIGINT')
    const onTerminate = () => stop('SIGTERM')
    process.on('SIGINT', onInterrupt)
    process.on('SIGTERM', onTerminate)
  })
}
