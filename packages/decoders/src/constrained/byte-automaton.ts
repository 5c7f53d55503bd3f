// Regular expressions compiled to a deterministic automaton over UTF-8 bytes: refa parses the
// pattern and builds a minimal DFA over code points, which is then lowered to bytes here.
import { InvalidArgumentError } from '@metagen/core'
import { DFA, JS, NFA } from 'refa'

/**
 * A deterministic finite automaton over bytes. States are `0..stateCount-1`, the initial state
 * is 0, and every state can still reach an accepting state (dead states are pruned), so a
 * transition that exists never leads into a dead end at the byte level.
 */
export interface ByteAutomaton {
  /** Number of states. */
  readonly stateCount: number
  /** `transitions[state * 256 + byte]` = next state, or -1 when the byte is not allowed. */
  readonly transitions: Int32Array
  /** `accepting[state]` = 1 when the text read so far is a complete match. */
  readonly accepting: Uint8Array
}

/** Options of {@link compileRegexToByteAutomaton}. */
export interface CompileRegexOptions {
  /** Case-insensitive matching (the regex `i` flag). Default false. */
  ignoreCase?: boolean
  /** `.` also matches line terminators (the regex `s` flag). Default false. */
  dotAll?: boolean
}

/**
 * Compiles a JavaScript regular expression to a {@link ByteAutomaton} that accepts exactly the
 * UTF-8 encodings of the strings the pattern matches as a whole (the pattern is implicitly
 * anchored at both ends; a leading `^` and a trailing `$` are accepted and ignored). Parsed in
 * Unicode (`u`) mode. Lookarounds, word boundaries and backreferences that cannot be resolved are
 * rejected with an {@link InvalidArgumentError}, as is a pattern that matches nothing.
 */
export function compileRegexToByteAutomaton(
  pattern: string | RegExp,
  options: CompileRegexOptions = {},
): ByteAutomaton {
  const source = stripAnchors(typeof pattern === 'string' ? pattern : pattern.source)
  const flagSet = new Set(typeof pattern === 'string' ? [] : [...pattern.flags])
  if (options.ignoreCase) flagSet.add('i')
  if (options.dotAll) flagSet.add('s')
  const flags = `u${flagSet.has('i') ? 'i' : ''}${flagSet.has('s') ? 's' : ''}`
  let dfa: DFA
  try {
    const parser = JS.Parser.fromLiteral({ source, flags })
    const { expression, maxCharacter } = parser.parse({
      assertions: 'throw',
      backreferences: 'throw',
    })
    const nfa = NFA.fromRegex(expression, { maxCharacter }, { assertions: 'throw' })
    dfa = DFA.fromFA(nfa)
    dfa.minimize()
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'pattern',
      expected: `a regular expression without lookarounds, word boundaries or backreferences (${(error as Error).message})`,
      received: source,
      cause: error,
    })
  }
  const automaton = lowerToBytes(dfa)
  if (automaton.stateCount === 0) {
    throw new InvalidArgumentError({
      argument: 'pattern',
      expected: 'a regular expression that matches at least one string',
      received: source,
    })
  }
  return automaton
}

/**
 * Compiles the intersection of several regular expressions (each implicitly anchored, Unicode
 * mode) to one {@link ByteAutomaton}, intersecting at the DFA level (no regex is rebuilt, so
 * large intersections such as a format with a length limit stay cheap). Throws
 * {@link InvalidArgumentError} for unsupported syntax; the result may accept nothing
 * (`stateCount` 0).
 */
export function compileRegexIntersectionToByteAutomaton(
  patterns: readonly string[],
  removed: ReadonlyArray<readonly string[]> = [],
): ByteAutomaton {
  let result: DFA | undefined
  for (const pattern of patterns) {
    const dfa = patternDfa(pattern)
    result = result ? DFA.fromIntersection(result, dfa, new DFA.LimitedNodeFactory(200_000)) : dfa
    result.minimize()
  }
  if (!result) {
    throw new InvalidArgumentError({
      argument: 'patterns',
      expected: 'at least one pattern',
      received: patterns,
    })
  }
  for (const group of removed) {
    let excluded: DFA | undefined
    for (const pattern of group) {
      const dfa = patternDfa(pattern)
      excluded = excluded
        ? DFA.fromIntersection(excluded, dfa, new DFA.LimitedNodeFactory(200_000))
        : dfa.copy()
      excluded.minimize()
    }
    if (!excluded) continue
    excluded.complement()
    result = DFA.fromIntersection(result, excluded, new DFA.LimitedNodeFactory(200_000))
    result.minimize()
  }
  return lowerToBytes(result)
}

function patternDfa(pattern: string): DFA {
  const source = stripAnchors(pattern)
  let dfa: DFA
  try {
    const { expression, maxCharacter } = JS.Parser.fromLiteral({ source, flags: 'u' }).parse({
      assertions: 'throw',
      backreferences: 'throw',
    })
    const nfa = NFA.fromRegex(
      expression,
      { maxCharacter },
      { assertions: 'throw' },
      new NFA.LimitedNodeFactory(200_000),
    )
    dfa = DFA.fromFA(nfa, new DFA.LimitedNodeFactory(200_000))
    dfa.minimize()
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'pattern',
      expected: `a regular expression without lookarounds, word boundaries or backreferences (${(error as Error).message})`,
      received: source,
      cause: error,
    })
  }
  return dfa
}

/** Runs the automaton over `bytes` from `state`; -1 when some byte is not allowed. */
export function runByteAutomaton(
  automaton: ByteAutomaton,
  bytes: ArrayLike<number>,
  state = 0,
): number {
  for (let index = 0; index < bytes.length && state >= 0; index++) {
    state = automaton.transitions[state * 256 + (bytes[index] as number)] as number
  }
  return state
}

/** True when the automaton accepts the whole UTF-8 encoding of `text`. */
export function byteAutomatonMatches(automaton: ByteAutomaton, text: string): boolean {
  const state = runByteAutomaton(automaton, new TextEncoder().encode(text))
  return state >= 0 && automaton.accepting[state] === 1
}

function stripAnchors(source: string): string {
  let result = source
  if (result.startsWith('^')) result = result.slice(1)
  if (result.endsWith('$')) {
    let backslashes = 0
    for (let index = result.length - 2; index >= 0 && result[index] === '\\'; index--) backslashes++
    if (backslashes % 2 === 0) result = result.slice(0, -1)
  }
  return result
}

/** A sequence of byte ranges `[min, max]`, one per byte of a UTF-8 encoding. */
type ByteRangeSequence = ReadonlyArray<readonly [number, number]>

interface PendingEdge {
  sequence: ByteRangeSequence
  /** Index of the target code-point state. */
  target: number
}

/**
 * Lowers a code-point DFA to bytes. Each code-point range is split into ranges whose UTF-8
 * encodings share their length and lead-byte structure (as in RE2 and Rust's utf8-ranges); the
 * multi-byte sequences become intermediate states, shared between sources that need the same
 * remaining bytes to reach the same target, and then every state that cannot reach acceptance is
 * removed.
 */
function lowerToBytes(dfa: DFA): ByteAutomaton {
  const nodes = [...dfa.nodes()]
  const indexOf = new Map<DFA.Node, number>()
  // The initial node first so that it becomes state 0.
  nodes.sort((left, right) => (left === dfa.initial ? -1 : right === dfa.initial ? 1 : 0))
  nodes.forEach((node, index) => {
    indexOf.set(node, index)
  })

  const rows: Int32Array[] = []
  const accepting: number[] = []
  for (const node of nodes) {
    rows.push(new Int32Array(256).fill(-1))
    accepting.push(dfa.finals.has(node) ? 1 : 0)
  }
  const intermediate = new Map<string, number>()

  const build = (state: number, edges: readonly PendingEdge[]): void => {
    const row = rows[state] as Int32Array
    const byByte = new Map<number, PendingEdge[]>()
    for (const edge of edges) {
      const [first, ...rest] = edge.sequence
      if (!first) continue
      for (let byte = first[0]; byte <= first[1]; byte++) {
        let list = byByte.get(byte)
        if (!list) {
          list = []
          byByte.set(byte, list)
        }
        list.push({ sequence: rest, target: edge.target })
      }
    }
    for (const [byte, list] of byByte) {
      const done = list.find((edge) => edge.sequence.length === 0)
      if (done) {
        row[byte] = done.target
        continue
      }
      const key = list
        .map((edge) => `${edge.target}:${edge.sequence.map((range) => range.join('-')).join(',')}`)
        .sort()
        .join('|')
      let child = intermediate.get(key)
      if (child === undefined) {
        child = rows.length
        rows.push(new Int32Array(256).fill(-1))
        accepting.push(0)
        intermediate.set(key, child)
        build(child, list)
      }
      row[byte] = child
    }
  }

  nodes.forEach((node, index) => {
    const edges: PendingEdge[] = []
    for (const [range, to] of node.out) {
      const target = indexOf.get(to as DFA.Node) as number
      for (const sequence of utf8Sequences(range.min, range.max)) edges.push({ sequence, target })
    }
    build(index, edges)
  })
  return pruneDeadStates(rows, accepting)
}

/** Keeps the states that are reachable from 0 and can reach acceptance; renumbers them. */
function pruneDeadStates(rows: readonly Int32Array[], accepting: readonly number[]): ByteAutomaton {
  const count = rows.length
  const reverse: number[][] = Array.from({ length: count }, () => [])
  rows.forEach((row, state) => {
    for (let byte = 0; byte < 256; byte++) {
      const target = row[byte] as number
      if (target >= 0) reverse[target]?.push(state)
    }
  })
  const live = new Uint8Array(count)
  const queue: number[] = []
  accepting.forEach((value, state) => {
    if (value) {
      live[state] = 1
      queue.push(state)
    }
  })
  while (queue.length > 0) {
    const state = queue.pop() as number
    for (const source of reverse[state] as number[]) {
      if (!live[source]) {
        live[source] = 1
        queue.push(source)
      }
    }
  }
  if (count === 0 || !live[0]) {
    return { stateCount: 0, transitions: new Int32Array(0), accepting: new Uint8Array(0) }
  }
  // Forward reachability over live states, numbering in discovery order (0 stays 0).
  const renumber = new Int32Array(count).fill(-1)
  const order: number[] = [0]
  renumber[0] = 0
  for (let position = 0; position < order.length; position++) {
    const row = rows[order[position] as number] as Int32Array
    for (let byte = 0; byte < 256; byte++) {
      const target = row[byte] as number
      if (target >= 0 && live[target] && renumber[target] === -1) {
        renumber[target] = order.length
        order.push(target)
      }
    }
  }
  const transitions = new Int32Array(order.length * 256).fill(-1)
  const acceptingOut = new Uint8Array(order.length)
  order.forEach((oldState, newState) => {
    const row = rows[oldState] as Int32Array
    for (let byte = 0; byte < 256; byte++) {
      const target = row[byte] as number
      if (target >= 0 && live[target])
        transitions[newState * 256 + byte] = renumber[target] as number
    }
    acceptingOut[newState] = accepting[oldState] as number
  })
  return { stateCount: order.length, transitions, accepting: acceptingOut }
}

const utf8Boundaries = [0x7f, 0x7ff, 0xffff, 0x10ffff] as const

/**
 * The UTF-8 byte-range sequences of the code points `min..max` (surrogates excluded): each
 * sequence `[[a1,b1],[a2,b2],...]` stands for every byte string whose i-th byte is in
 * `[ai, bi]`, and together they encode exactly the range.
 */
export function utf8Sequences(min: number, max: number): ByteRangeSequence[] {
  const result: ByteRangeSequence[] = []
  const stack: Array<[number, number]> = [[min, max]]
  while (stack.length > 0) {
    const [low, high] = stack.pop() as [number, number]
    // Surrogates cannot be encoded in UTF-8.
    if (low <= 0xdfff && high >= 0xd800) {
      if (low < 0xd800) stack.push([low, 0xd7ff])
      if (high > 0xdfff) stack.push([0xe000, high])
      continue
    }
    if (low > high) continue
    let split = false
    for (const boundary of utf8Boundaries) {
      if (low <= boundary && high > boundary) {
        stack.push([boundary + 1, high])
        stack.push([low, boundary])
        split = true
        break
      }
    }
    if (split) continue
    if (high <= 0x7f) {
      result.push([[low, high]])
      continue
    }
    const length = high <= 0x7ff ? 2 : high <= 0xffff ? 3 : 4
    for (let index = 1; index < length; index++) {
      const mask = (1 << (6 * index)) - 1
      if ((low & ~mask) !== (high & ~mask)) {
        if ((low & mask) !== 0) {
          stack.push([(low | mask) + 1, high])
          stack.push([low, low | mask])
          split = true
          break
        }
        if ((high & mask) !== mask) {
          stack.push([high & ~mask, high])
          stack.push([low, (high & ~mask) - 1])
          split = true
          break
        }
      }
    }
    if (split) continue
    const lowBytes = encodeCodePoint(low)
    const highBytes = encodeCodePoint(high)
    result.push(lowBytes.map((byte, index) => [byte, highBytes[index] as number] as const))
  }
  return result
}

function encodeCodePoint(codePoint: number): number[] {
  if (codePoint <= 0x7f) return [codePoint]
  if (codePoint <= 0x7ff) return [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f)]
  if (codePoint <= 0xffff) {
    return [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f)]
  }
  return [
    0xf0 | (codePoint >> 18),
    0x80 | ((codePoint >> 12) & 0x3f),
    0x80 | ((codePoint >> 6) & 0x3f),
    0x80 | (codePoint & 0x3f),
  ]
}
