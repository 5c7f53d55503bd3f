// Errors of the command line itself (bad usage), printed with a hint to `--help`.
import { hasErrorMarker, MetagenError } from '@metagen/core'

const cliUsageErrorMarker = Symbol.for('metagen.error.CliUsageError')

/** A usage error: unknown command, missing argument, unknown flag. Exit code 2. */
export class CliUsageError extends MetagenError {
  override readonly name = 'CliUsageError'
  /** Marker of this class (see `isInstance`). */
  readonly [cliUsageErrorMarker] = true

  /** True when `value` is a CliUsageError, also from another copy of this module. */
  static override isInstance(value: unknown): value is CliUsageError {
    return hasErrorMarker(value, cliUsageErrorMarker)
  }
}
