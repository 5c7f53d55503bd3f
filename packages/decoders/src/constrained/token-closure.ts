// The terminal-local part of a token mask, cached so that the first mask of a new parser state
// on a large vocabulary is mostly a lookup. From a parser state, the bytes that only move the
// current terminals' automata (no terminal completes, so no new Earley set) lead to a few
// "local" parser states, e.g. a JSON string body and the UTF-8 continuation states under it.
// Their byte transitions form a small automaton; the tokens it accepts from the root of the
// token trie depend only on that automaton's transition table, not on the grammar context, so
// the walk over it is cached per table (its signature) and shared by every state, terminal and
// grammar with the same local automaton. Only the trie edges that leave it (a closing quote, a
// completed number) are walked by the parser.
import type { EarleySet } from './earley-parser.js'
import { stepThreads, ThreadBuffer } from './earley-parser.js'
import type { CompiledGrammar } from './grammar.js'
import type { TokenTrie } from './token-trie.js'

/** Most local states explored per parser state (UTF-8 needs a handful). */
const maxLocalStates = 16
/** Closures cached per token trie (oldest dropped first). */
const maxCachedClosures = 64

/** The local automaton of a parser state. */
export interface LocalAutomaton {
  /**
   * `table[state * 256 + byte]`: -1 dead, `j >= 0` local state j, `-2 - e` exit e (the parser
   * state after the byte leaves the local automaton: `exits[e]`).
   */
  readonly table: Int32Array
  /** The local states' thread buffers; 0 is the parser state explored from. */
  readonly buffers: readonly ThreadBuffer[]
  /** The states after exit transitions (alive or accepting). */
  readonly exits: readonly ThreadBuffer[]
  /** A string that identifies `table` (equal signatures: equal closures). */
  readonly signature: string
}

/**
 * Explores the local automaton of `root` (breadth first over all 256 bytes): a byte's result is
 * a local state when no terminal completed (every thread keeps an Earley set of the root, and
 * the result is not accepting) and it is either a known local state or reached by a non-ASCII
 * byte (a state inside a UTF-8 character; at most {@link maxLocalStates}); otherwise, when
 * alive or accepting, it is an exit. So a JSON string body is one local state (ASCII bytes
 * loop on it) plus its UTF-8 continuation states, whatever the grammar around it: the closing
 * quote exits.
 */
export function exploreLocalAutomaton(
  grammar: CompiledGrammar,
  root: ThreadBuffer,
): LocalAutomaton {
  const rootSets = new Set<EarleySet>(root.sets.slice(0, root.count))
  const buffers = [cloneBuffer(root)]
  const keys = new Map<string, number>([[bufferKey(root), 0]])
  const exits: ThreadBuffer[] = []
  const table: number[] = []
  const output = new ThreadBuffer()
  for (let local = 0; local < buffers.length; local++) {
    const input = buffers[local] as ThreadBuffer
    for (let byte = 0; byte < 256; byte++) {
      const count = stepThreads(grammar, input, byte, output)
      if (count === 0 && !output.accepting) {
        table.push(-1)
        continue
      }
      if (count > 0 && !output.accepting && withinSets(output, rootSets)) {
        const key = bufferKey(output)
        let next = keys.get(key)
        if (next === undefined && byte >= 0x80 && buffers.length < maxLocalStates) {
          next = buffers.length
          buffers.push(cloneBuffer(output))
          keys.set(key, next)
        }
        if (next !== undefined) {
          table.push(next)
          continue
        }
      }
      table.push(-2 - exits.length)
      exits.push(cloneBuffer(output))
    }
  }
  return {
    table: Int32Array.from(table),
    buffers,
    exits,
    signature: signatureOf(table),
  }
}

/** The trie walk over a local automaton: tokens per local state, and the edges that leave it. */
export interface TokenClosure {
  /** `tokens[j]`: the tokens whose bytes end in local state j (never the empty token). */
  readonly tokens: readonly Int32Array[]
  /** Pairs `(trie node, exit index)`: a trie edge into `node` that leaves the automaton. */
  readonly exitEdges: Int32Array
}

const closures = new WeakMap<TokenTrie, Map<string, TokenClosure>>()

/**
 * The walk of `trie` from its root over the local automaton `table` (see
 * {@link exploreLocalAutomaton}), cached per trie and signature.
 */
export function tokenClosure(
  trie: TokenTrie,
  signature: string,
  table: Int32Array,
  localStates: number,
): TokenClosure {
  let cache = closures.get(trie)
  if (!cache) {
    cache = new Map()
    closures.set(trie, cache)
  }
  const cached = cache.get(signature)
  if (cached) return cached
  const { childStart, childBytes, childNodes, tokenStart, tokenIds } = trie
  const tokens: number[][] = Array.from({ length: localStates }, () => [])
  const exitEdges: number[] = []
  const nodes = [0]
  const locals = [0]
  while (nodes.length > 0) {
    const node = nodes.pop() as number
    const local = locals.pop() as number
    const end = childStart[node + 1] as number
    for (let position = childStart[node] as number; position < end; position++) {
      const next = table[local * 256 + (childBytes[position] as number)] as number
      if (next === -1) continue
      const child = childNodes[position] as number
      if (next < 0) {
        exitEdges.push(child, -2 - next)
        continue
      }
      const group = tokens[next] as number[]
      for (let at = tokenStart[child] as number; at < (tokenStart[child + 1] as number); at++) {
        group.push(tokenIds[at] as number)
      }
      if ((childStart[child + 1] as number) > (childStart[child] as number)) {
        nodes.push(child)
        locals.push(next)
      }
    }
  }
  const closure: TokenClosure = {
    tokens: tokens.map((group) => Int32Array.from(group)),
    exitEdges: Int32Array.from(exitEdges),
  }
  if (cache.size >= maxCachedClosures) {
    const oldest = cache.keys().next().value
    if (oldest !== undefined) cache.delete(oldest)
  }
  cache.set(signature, closure)
  return closure
}

function withinSets(buffer: ThreadBuffer, sets: ReadonlySet<EarleySet>): boolean {
  for (let thread = 0; thread < buffer.count; thread++) {
    if (!sets.has(buffer.sets[thread] as EarleySet)) return false
  }
  return true
}

/** The key of a buffer's threads (as `parserStateKey`: equal keys, equal futures). */
function bufferKey(buffer: ThreadBuffer): string {
  const parts: string[] = []
  for (let thread = 0; thread < buffer.count; thread++) {
    parts.push(`${buffer.terminals[thread]}.${buffer.states[thread]}.${buffer.sets[thread]?.id}`)
  }
  parts.sort()
  return `${buffer.accepting ? 'A' : ''}${parts.join(',')}`
}

function cloneBuffer(buffer: ThreadBuffer): ThreadBuffer {
  const copy = new ThreadBuffer()
  copy.terminals = buffer.terminals.slice(0, buffer.count)
  copy.states = buffer.states.slice(0, buffer.count)
  copy.sets = buffer.sets.slice(0, buffer.count)
  copy.count = buffer.count
  copy.accepting = buffer.accepting
  return copy
}

/** Run-length text of the table (runs of equal entries are common: dead or self-loop ranges). */
function signatureOf(table: readonly number[]): string {
  const parts: string[] = []
  let index = 0
  while (index < table.length) {
    const value = table[index] as number
    let end = index + 1
    while (end < table.length && table[end] === value) end++
    parts.push(end - index === 1 ? `${value}` : `${value}*${end - index}`)
    index = end
  }
  return parts.join(',')
}
