// The metagen CLI as a library: `main(args, io)` runs a command in-process (used by tests).
export { CliUsageError } from './cli-error.js'
export { main } from './main.js'
export type { CliIo } from './output.js'
export { renderTraceTree } from './render-trace-tree.js'
