// Where the CLI writes: injectable streams so that tests can run commands in-process.

/** Output streams of a command. */
export interface CliIo {
  /** Results (and JSON with --json). */
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  /** Diagnostics and progress bars. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
}

/** The process's own streams. */
export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr }

/** Writes a line to a stream. */
export function writeLine(stream: CliIo['stdout'], line = ''): void {
  stream.write(`${line}\n`)
}
