// The fast trie walk behind a first mask. Between two terminal completions a parser state is
// just the tuple of its threads' automaton states (the Earley sets do not change), so the walk
// steps bare DFA transition tables over the trie with an explicit stack of typed arrays: no
// thread buffers, no allocation per node. Only an edge on which some terminal completes goes
// through the Earley parser (`stepThreads`), and the walk goes on from there with the new
// threads. Tokens that end before any completion carry a "local code" (the tuple of automaton
// states they end in, relative to the position the walk started from or the last completion
// on their path), so tokens that lead to the same parser state (e.g. every word of a given
// length inside a length-limited string) share the token-budget verdict without a parser
// advance per token.
import { minimumCompletionBytes, stepThreads, ThreadBuffer } from './earley-parser.js'
import type { CompiledGrammar } from './grammar.js'
import type { TokenTrie } from './token-trie.js'

/**
 * Receives the tokens ending at trie `node` (all allowed), the fewest bytes that complete the
 * text after them, and their code (>= 0: tokens with equal codes lead to the same parser
 * position, see {@link TokenWalkCodes}; -1 when unknown).
 */
export type TokenWalkRecord = (node: number, bytes: number, code: number) => void

const stacks = new WeakMap<TokenTrie, Int32Array[]>()

/** Automaton states per depth for one nesting level of the walk (reused). */
function statesAt(trie: TokenTrie, level: number, threads: number): Int32Array {
  let pool = stacks.get(trie)
  if (!pool) {
    pool = []
    stacks.set(trie, pool)
  }
  const size = (trie.maxTokenBytes + 2) * threads
  let states = pool[level]
  if (!states || states.length < size) {
    states = new Int32Array(size)
    pool[level] = states
  }
  return states
}

/**
 * One parser position a walk started from (the root, or the position after a terminal
 * completed on a trie edge): codes `offset .. offset + size - 1` are its threads moved to other
 * automaton states (thread i contributes `(state_i + 1) * multipliers[i]`, 0 = the thread
 * died; not accepting), and code `offset + size` is the position itself.
 */
interface WalkContext {
  readonly offset: number
  readonly size: number
  readonly root: ThreadBuffer
  readonly multipliers: Int32Array
}

/** The code space of one walk: tokens with equal codes lead to the same parser position. */
export class TokenWalkCodes {
  readonly contexts: WalkContext[] = []
  /** One past the largest code handed out. */
  end = 0

  /** Registers a position (owned from now on); undefined when its codes would be too many. */
  open(grammar: CompiledGrammar, root: ThreadBuffer): WalkContext | undefined {
    const multipliers = new Int32Array(root.count)
    let size = 1
    for (let thread = 0; thread < root.count; thread++) {
      multipliers[thread] = size
      const terminal = grammar.terminals[root.terminals[thread] as number]
      size *= ((terminal?.automaton.stateCount ?? 0) as number) + 1
      if (size > 2 ** 20) return undefined
    }
    if (this.end + size + 1 > 2 ** 30) return undefined
    const context = { offset: this.end, size, root, multipliers }
    this.contexts.push(context)
    this.end += size + 1
    return context
  }

  /** The parser position of `code`. */
  decode(grammar: CompiledGrammar, code: number): ThreadBuffer {
    let low = 0
    let high = this.contexts.length - 1
    while (low < high) {
      const middle = (low + high + 1) >> 1
      if ((this.contexts[middle] as WalkContext).offset <= code) low = middle
      else high = middle - 1
    }
    const { offset, size, root, multipliers } = this.contexts[low] as WalkContext
    const local = code - offset
    if (local === size) return root
    const buffer = new ThreadBuffer()
    for (let thread = 0; thread < root.count; thread++) {
      const terminal = grammar.terminals[root.terminals[thread] as number]
      const radix = ((terminal?.automaton.stateCount ?? 0) as number) + 1
      const state = (Math.floor(local / (multipliers[thread] as number)) % radix) - 1
      if (state < 0) continue
      buffer.terminals[buffer.count] = root.terminals[thread] as number
      buffer.states[buffer.count] = state
      buffer.sets[buffer.count] = root.sets[thread] as ThreadBuffer['sets'][number]
      buffer.count++
    }
    return buffer
  }
}

/**
 * Walks `trie` from its root with the parser position `root` and reports every token whose
 * bytes keep the parser alive (or end in an accepting position), exactly as a walk that steps
 * the Earley parser on every byte would, to `record`; returns the code space of the codes
 * recorded.
 */
export function walkTokenTrie(
  grammar: CompiledGrammar,
  trie: TokenTrie,
  root: ThreadBuffer,
  record: TokenWalkRecord,
): TokenWalkCodes {
  const codes = new TokenWalkCodes()
  const copy = new ThreadBuffer()
  copy.terminals = root.terminals.slice(0, root.count)
  copy.states = root.states.slice(0, root.count)
  copy.sets = root.sets.slice(0, root.count)
  copy.count = root.count
  copy.accepting = root.accepting
  walkFrom(grammar, trie, 0, copy, record, 0, codes, codes.open(grammar, copy))
  return codes
}

function walkFrom(
  grammar: CompiledGrammar,
  trie: TokenTrie,
  start: number,
  buffer: ThreadBuffer,
  record: TokenWalkRecord,
  level: number,
  codes: TokenWalkCodes,
  context: WalkContext | undefined,
): void {
  const threads = buffer.count
  if (threads === 0) return
  const { nodeBytes, nodeDepths, subtreeEnd, childStart, tokenStart } = trie
  const transitions: Int32Array[] = []
  const accepting: Uint8Array[] = []
  const outgoing: Uint8Array[] = []
  const distance: Int32Array[] = []
  const after = new Float64Array(threads)
  for (let thread = 0; thread < threads; thread++) {
    const id = buffer.terminals[thread] as number
    const compiled = grammar.terminals[id] as CompiledGrammar['terminals'][number]
    transitions.push(compiled.automaton.transitions)
    accepting.push(compiled.automaton.accepting)
    outgoing.push(compiled.hasOutgoing)
    distance.push(compiled.distance)
    after[thread] = (buffer.sets[thread] as ThreadBuffer['sets'][number]).afterTerminal(id)
  }
  const multipliers = context?.multipliers
  const offset = context ? context.offset : 0
  // states[depth * threads + thread]: the automaton states at the current node's ancestors
  // (depth relative to `start`; -1: the thread died).
  const states = statesAt(trie, level, threads)
  for (let thread = 0; thread < threads; thread++) states[thread] = buffer.states[thread] as number
  const baseDepth = nodeDepths[start] as number
  const end = subtreeEnd[start] as number
  const exitInput = new ThreadBuffer()
  /** A terminal completes on the edge into `node` from parent states at `depth - 1`. */
  const exit = (node: number, depth: number): void => {
    exitInput.count = 0
    exitInput.accepting = false
    const offset = (depth - 1) * threads
    for (let thread = 0; thread < threads; thread++) {
      const state = states[offset + thread] as number
      if (state < 0) continue
      exitInput.terminals[exitInput.count] = buffer.terminals[thread] as number
      exitInput.states[exitInput.count] = state
      exitInput.sets[exitInput.count] = buffer.sets[thread] as ThreadBuffer['sets'][number]
      exitInput.count++
    }
    const output = new ThreadBuffer()
    const alive = stepThreads(grammar, exitInput, nodeBytes[node] as number, output)
    if (alive === 0 && !output.accepting) return
    const hasTokens = (tokenStart[node + 1] as number) > (tokenStart[node] as number)
    const walkOn = alive > 0 && (childStart[node + 1] as number) > (childStart[node] as number)
    const next = hasTokens || walkOn ? codes.open(grammar, output) : undefined
    if (hasTokens) {
      record(node, minimumCompletionBytes(grammar, output), next ? next.offset + next.size : -1)
    }
    if (walkOn) walkFrom(grammar, trie, node, output, record, level + 1, codes, next)
  }
  if (threads === 1) {
    // The common case (inside a string, a number, a folded object): one automaton.
    const table = transitions[0] as Int32Array
    const accepts = accepting[0] as Uint8Array
    const leads = outgoing[0] as Uint8Array
    const toAccept = distance[0] as Int32Array
    const rest = after[0] as number
    const coded = multipliers !== undefined
    let node = start + 1
    while (node < end) {
      const depth = (nodeDepths[node] as number) - baseDepth
      const target = table[
        (states[depth - 1] as number) * 256 + (nodeBytes[node] as number)
      ] as number
      if (target < 0) {
        node = subtreeEnd[node] as number
        continue
      }
      if (accepts[target]) {
        exit(node, depth)
        node = subtreeEnd[node] as number
        continue
      }
      if (!leads[target]) {
        node = subtreeEnd[node] as number
        continue
      }
      if ((tokenStart[node + 1] as number) > (tokenStart[node] as number)) {
        record(node, (toAccept[target] as number) + rest, coded ? offset + target + 1 : -1)
      }
      states[depth] = target
      node++
    }
    return
  }
  let node = start + 1
  while (node < end) {
    const depth = (nodeDepths[node] as number) - baseDepth
    const byte = nodeBytes[node] as number
    const parent = (depth - 1) * threads
    const own = depth * threads
    let alive = 0
    let completes = false
    for (let thread = 0; thread < threads; thread++) {
      const state = states[parent + thread] as number
      let target =
        state < 0 ? -1 : ((transitions[thread] as Int32Array)[state * 256 + byte] as number)
      if (target >= 0 && (accepting[thread] as Uint8Array)[target]) completes = true
      if (target >= 0 && !(outgoing[thread] as Uint8Array)[target]) target = -1
      states[own + thread] = target
      if (target >= 0) alive++
    }
    if (completes) {
      exit(node, depth)
      node = subtreeEnd[node] as number
      continue
    }
    if (alive === 0) {
      node = subtreeEnd[node] as number
      continue
    }
    if ((tokenStart[node + 1] as number) > (tokenStart[node] as number)) {
      let bytes = Number.POSITIVE_INFINITY
      let code = 0
      for (let thread = 0; thread < threads; thread++) {
        const target = states[own + thread] as number
        if (target < 0) continue
        const value =
          ((distance[thread] as Int32Array)[target] as number) + (after[thread] as number)
        if (value < bytes) bytes = value
        if (multipliers) code += (target + 1) * (multipliers[thread] as number)
      }
      record(node, bytes, multipliers ? offset + code : -1)
    }
    node++
  }
}
