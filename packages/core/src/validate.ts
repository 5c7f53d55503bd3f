// Argument checks shared by every package, so that each bad input gets the same clear error.
import { InvalidArgumentError } from './errors.js'

/** Requires an integer >= `minimum` (default 1). */
export function assertInteger(
  argument: string,
  value: unknown,
  minimum = 1,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new InvalidArgumentError({
      argument,
      expected: `an integer >= ${minimum}`,
      received: value,
    })
  }
}

/**
 * Requires a finite number within a range. `range` uses interval notation on each side:
 * `min`/`max` with `minInclusive`/`maxInclusive` (both inclusive by default).
 */
export function assertNumberInRange(
  argument: string,
  value: unknown,
  range: { min?: number; max?: number; minInclusive?: boolean; maxInclusive?: boolean },
): asserts value is number {
  const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = range
  const minInclusive = range.minInclusive ?? true
  const maxInclusive = range.maxInclusive ?? true
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (minInclusive ? value >= min : value > min) &&
    (maxInclusive ? value <= max : value < max)
  if (!ok) {
    const left = Number.isFinite(min) ? `${minInclusive ? '[' : '('}${min}` : '(-Infinity'
    const right = Number.isFinite(max) ? `${max}${maxInclusive ? ']' : ')'}` : 'Infinity)'
    throw new InvalidArgumentError({
      argument,
      expected: `a number in ${left}, ${right}`,
      received: value,
    })
  }
}

/** Requires a string that is not empty after trimming. */
export function assertNonEmptyString(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InvalidArgumentError({ argument, expected: 'a non-empty string', received: value })
  }
}

/**
 * Checks the argument of `SequenceState.truncate`: an integer in [0, `currentLength`]
 * (the sequence's length). Throws InvalidArgumentError naming `length` otherwise. Shared by
 * every backend so that they reject the same values with the same message.
 */
export function assertTruncateLength(
  length: unknown,
  currentLength: number,
): asserts length is number {
  if (
    typeof length !== 'number' ||
    !Number.isInteger(length) ||
    length < 0 ||
    length > currentLength
  ) {
    throw new InvalidArgumentError({
      argument: 'length',
      expected: `an integer in [0, ${currentLength}]`,
      received: length,
    })
  }
}
