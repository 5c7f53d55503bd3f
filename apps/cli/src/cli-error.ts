// Errors of the command line itself (bad usage), printed with a hint to `--help`.
import { MetagenError } from '@metagen/core'

/** A usage error: unknown command, missing argument, unknown flag. Exit code 2. */
export class CliUsageError extends MetagenError {
  override readonly name = 'CliUsageError'
}
