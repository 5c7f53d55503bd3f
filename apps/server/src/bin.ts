#!/usr/bin/env node
// The `metagen-server` command: the same as `metagen serve` (see serve-command.ts).
import { InvalidArgumentError } from '@metagen/core'
import { runServeCommand, serveUsage } from './serve-command.js'

runServeCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`metagen-server: ${error instanceof Error ? error.message : String(error)}`)
    if (error instanceof InvalidArgumentError) console.error(serveUsage)
    process.exit(error instanceof InvalidArgumentError ? 2 : 1)
  },
)
