// Set operations on regular languages (intersection, difference, emptiness) through refa's DFAs,
// returning regex source again, so that JSON-Schema string keywords that combine (pattern with
// length, format, key exclusions) become a single terminal.
import { InvalidArgumentError } from '@metagen/core'
import { DFA, JS, NFA } from 'refa'

const cache = new Map<string, DFA>()

function toDfa(source: string): DFA {
  const cached = cache.get(source)
  if (cached) return cached
  try {
    const { expression, maxCharacter } = JS.Parser.fromLiteral({ source, flags: 'u' }).parse({
      assertions: 'throw',
      backreferences: 'throw',
    })
    const dfa = DFA.fromFA(NFA.fromRegex(expression, { maxCharacter }, { assertions: 'throw' }))
    dfa.minimize()
    if (cache.size > 2000) cache.clear()
    cache.set(source, dfa)
    return dfa
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'pattern',
      expected: `a regular expression without lookarounds, inner anchors or backreferences (${(error as Error).message})`,
      received: source,
      cause: error,
    })
  }
}

function toSource(dfa: DFA): string {
  if (dfa.isEmpty) return '[]'
  return JS.toLiteral(dfa.toRegex(), { flags: { unicode: true } }).source
}

/** A regex (source, Unicode mode, anchored) matching exactly the strings all `patterns` match. */
export function intersectRegex(patterns: readonly string[]): string {
  if (patterns.length === 1) return patterns[0] as string
  let result = toDfa(patterns[0] as string).copy()
  for (const pattern of patterns.slice(1)) {
    result = DFA.fromIntersection(result, toDfa(pattern))
    result.minimize()
  }
  return toSource(result)
}

/** A regex matching the strings that `pattern` matches and none of `removed` matches. */
export function subtractRegex(pattern: string, removed: readonly string[]): string {
  if (removed.length === 0) return pattern
  let result = toDfa(pattern).copy()
  for (const other of removed) {
    const complement = toDfa(other).copy()
    complement.complement()
    result = DFA.fromIntersection(result, complement)
    result.minimize()
  }
  return toSource(result)
}

/** True when `pattern` matches no string. */
export function isRegexEmpty(pattern: string): boolean {
  return pattern === '[]' || toDfa(pattern).isEmpty
}
