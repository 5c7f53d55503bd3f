#!/usr/bin/env node
// The `metagen-server` command: the same as `metagen serve` (see serve-command.ts).
import { InvalidArgumentError } from '@metagen/core'
import { runServeCommand, serveUsage } from './serve-command.js'

runServeCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`metagen-server: ${error instanceof Error ? error.message : String(error)}`)
    if (InvalidArgumentError.isInstance(error)) console.error(serveUsage)
    process.exit(InvalidArgumentError.isInstance(error) ? 2 : 1)
  },
)
