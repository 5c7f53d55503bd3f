#!/usr/bin/env node
// The `metagen-server` command: starts the OpenAI-compatible server (`--port`, `--host`).
import { parseArgs } from 'node:util'
import { createMetagenServer } from './create-metagen-server.js'

const usage =
  'Usage: metagen-server [--port 8080] [--host 127.0.0.1] [--max-tokens N] [--threads N]'

function readInteger(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  const number = Number(value)
  if (!Number.isInteger(number) || number < min) {
    throw new Error(
      `Invalid --${name}: expected an integer >= ${min}, received ${JSON.stringify(value)}.`,
    )
  }
  return number
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'max-tokens': { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const port = readInteger('port', values.port, 0) as number
  if (port > 65535)
    throw new Error(`Invalid --port: expected an integer in [0, 65535], received ${port}.`)
  const maxTokens = readInteger('max-tokens', values['max-tokens'], 1)
  const threads = readInteger('threads', values.threads, 1)
  const server = createMetagenServer({
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(threads !== undefined ? { threads } : {}),
  })
  const url = await server.listen(port, values.host)
  console.log(`metagen-server listening on ${url}/v1`)
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  console.error(usage)
  process.exit(1)
})
