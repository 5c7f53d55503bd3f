// Captures a command's stdout and stderr in memory (not terminals: no progress bars).
import { Writable } from 'node:stream'
import type { CliIo } from '../src/index.js'

/** Streams that collect what is written. */
export function captureIo(): CliIo & { out: () => string; err: () => string } {
  const chunks = { out: [] as string[], err: [] as string[] }
  const stream = (target: string[]) =>
    new Writable({
      write(chunk, _encoding, callback) {
        target.push(String(chunk))
        callback()
      },
    })
  return {
    stdout: stream(chunks.out),
    stderr: stream(chunks.err),
    out: () => chunks.out.join(''),
    err: () => chunks.err.join(''),
  }
}
