// A one-line progress bar redrawn in place on a terminal; silent when the stream is not a TTY.
import type { CliIo } from './output.js'

/** A progress bar. */
export interface ProgressBar {
  /** Redraws with `done` of `total` and a status text (e.g. running accuracy). */
  update(done: number, status?: string): void
  /** Clears the line (the final result is printed separately). */
  finish(): void
}

/** Creates a bar on `stream` for `total` items; a no-op when the stream is not a terminal. */
export function createProgressBar(
  stream: CliIo['stderr'],
  total: number,
  label: string,
): ProgressBar {
  if (!stream.isTTY) return { update() {}, finish() {} }
  const started = performance.now()
  let lastDraw = 0
  const draw = (done: number, status: string) => {
    const columns = stream.columns ?? 80
    const width = Math.max(10, Math.min(30, columns - 60))
    const filled = total === 0 ? width : Math.round((done / total) * width)
    const seconds = (performance.now() - started) / 1000
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${status} ${seconds.toFixed(0)}s`
    stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`)
  }
  return {
    update(done, status = '') {
      const now = performance.now()
      if (done < total && now - lastDraw < 100) return
      lastDraw = now
      draw(done, status)
    },
    finish() {
      stream.write('\r\x1b[2K')
    },
  }
}
