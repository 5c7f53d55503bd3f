// An Earley recogniser over bytes whose terminals are byte automata. A parse position is a set
// of "threads": terminals being matched (automaton state) together with the Earley set where
// they started. Bytes move the automata; a terminal that reaches an accepting state completes
// and opens a new Earley set (scan, then predict/complete closure, with the Aycock-Horspool rule
// for nullable symbols). Earley sets are immutable once built, so parser states share them and
// forking a state (beams, trie walks) is free.
import { type CompiledGrammar, grammarInfinity, shortestSuffix } from './grammar.js'

let nextSetId = 0

/** An Earley set: items `(production, dot, origin)` after closure. */
export class EarleySet {
  /** Unique id (for state keys). */
  readonly id = nextSetId++
  readonly productions: number[] = []
  readonly dots: number[] = []
  readonly origins: EarleySet[] = []
  /** Item indices waiting on a nonterminal, by nonterminal. */
  readonly waitingOn = new Map<number, number[]>()
  /** Terminal ids some item waits on (the threads this set starts). */
  readonly terminals: number[] = []
  /** Item indices waiting on a terminal, by terminal id. */
  readonly waitingOnTerminal = new Map<number, number[]>()
  /** True when the augmented start production is complete here (the text so far is a match). */
  accepting = false
  private readonly seen = new Map<EarleySet, Set<number>>()
  private readonly predicted = new Set<number>()
  /** Memo: fewest bytes to finish the parse after the nonterminal completes with origin here. */
  private completionCost: Map<number, number> | undefined
  /** The item realising each completion cost (undefined for the root's start symbol). */
  private completionEdge: Map<number, number> | undefined
  /** Memo: fewest bytes to finish after the terminal (started here) completes. */
  private readonly afterTerminalCost = new Map<number, number>()

  constructor(private readonly grammar: CompiledGrammar) {}

  /** Adds an item if new; returns whether it was added. */
  add(production: number, dot: number, origin: EarleySet): boolean {
    let codes = this.seen.get(origin)
    if (!codes) {
      codes = new Set()
      this.seen.set(origin, codes)
    }
    const code = production * 65536 + dot
    if (codes.has(code)) return false
    codes.add(code)
    this.productions.push(production)
    this.dots.push(dot)
    this.origins.push(origin)
    return true
  }

  /** Predict/complete closure of the items added so far. */
  close(): void {
    const { productionRhs, productionLhs, productionsOf, nullable, terminals } = this.grammar
    for (let index = 0; index < this.productions.length; index++) {
      const production = this.productions[index] as number
      const dot = this.dots[index] as number
      const origin = this.origins[index] as EarleySet
      const rhs = productionRhs[production] as Int32Array
      if (dot === rhs.length) {
        const lhs = productionLhs[production] as number
        if (production === 0) this.accepting = true
        const waiting = origin.waitingOn.get(lhs)
        if (waiting) {
          // Copy: completing in the same set may append (nullable case, also covered by AH).
          for (const item of waiting.slice()) {
            this.add(
              origin.productions[item] as number,
              (origin.dots[item] as number) + 1,
              origin.origins[item] as EarleySet,
            )
          }
        }
        continue
      }
      const symbol = rhs[dot] as number
      if (symbol >= 0) {
        let list = this.waitingOn.get(symbol)
        if (!list) {
          list = []
          this.waitingOn.set(symbol, list)
        }
        list.push(index)
        if (!this.predicted.has(symbol)) {
          this.predicted.add(symbol)
          for (const next of productionsOf[symbol] as Int32Array) this.add(next, 0, this)
        }
        if (nullable[symbol]) this.add(production, dot + 1, origin)
      } else {
        const id = ~symbol
        let list = this.waitingOnTerminal.get(id)
        if (!list) {
          list = []
          this.waitingOnTerminal.set(id, list)
          this.terminals.push(id)
        }
        list.push(index)
        if ((terminals[id] as { automaton: { accepting: Uint8Array } }).automaton.accepting[0]) {
          this.add(production, dot + 1, origin)
        }
      }
    }
  }

  /** Fewest bytes to finish the whole parse once terminal `id`, started here, completes. */
  afterTerminal(id: number): number {
    const cached = this.afterTerminalCost.get(id)
    if (cached !== undefined) return cached
    let best = grammarInfinity
    for (const item of this.waitingOnTerminal.get(id) ?? []) {
      const production = this.productions[item] as number
      const suffix = (this.grammar.suffixMinimum[production] as Int32Array)[
        (this.dots[item] as number) + 1
      ] as number
      const rest = (this.origins[item] as EarleySet).afterCompletion(
        this.grammar.productionLhs[production] as number,
      )
      best = Math.min(best, suffix + rest)
    }
    this.afterTerminalCost.set(id, best)
    return best
  }

  /** Fewest bytes to finish the whole parse once `nonterminal`, started here, completes. */
  afterCompletion(nonterminal: number): number {
    if (!this.completionCost) this.computeCompletionCosts()
    return (this.completionCost as Map<number, number>).get(nonterminal) ?? grammarInfinity
  }

  private computeCompletionCosts(): void {
    const costs = new Map<number, number>()
    const edges = new Map<number, number>()
    const { suffixMinimum, productionLhs } = this.grammar
    // External edges first (items whose origin is an earlier set), then relax the in-set edges
    // (items predicted here) to a fixpoint: costs are non-negative, so this converges.
    const internal: Array<[number, number, number, number]> = []
    for (const [nonterminal, items] of this.waitingOn) {
      for (const item of items) {
        const production = this.productions[item] as number
        const suffix = (suffixMinimum[production] as Int32Array)[
          (this.dots[item] as number) + 1
        ] as number
        const origin = this.origins[item] as EarleySet
        const lhs = productionLhs[production] as number
        if (origin === this) {
          internal.push([nonterminal, suffix, lhs, item])
        } else {
          const value = suffix + origin.afterCompletion(lhs)
          if (value < (costs.get(nonterminal) ?? grammarInfinity)) {
            costs.set(nonterminal, value)
            edges.set(nonterminal, item)
          }
        }
      }
    }
    if (this.isRoot) {
      costs.set(0, 0)
      edges.delete(0)
    }
    for (let changed = true; changed; ) {
      changed = false
      for (const [nonterminal, suffix, lhs, item] of internal) {
        const value = Math.min(grammarInfinity, suffix + (costs.get(lhs) ?? grammarInfinity))
        if (value < (costs.get(nonterminal) ?? grammarInfinity)) {
          costs.set(nonterminal, value)
          edges.set(nonterminal, item)
          changed = true
        }
      }
    }
    this.completionCost = costs
    this.completionEdge = edges
  }

  /** The bytes of the symbols of `production` from `dot` on, each at its shortest. */
  private suffixText(production: number, dot: number): number[] {
    const rhs = this.grammar.productionRhs[production] as Int32Array
    const bytes: number[] = []
    for (let index = dot; index < rhs.length; index++) {
      const symbol = rhs[index] as number
      if (symbol >= 0) bytes.push(...(this.grammar.minimumText[symbol] as Uint8Array))
      else bytes.push(...shortestSuffix(this.grammar.terminals[~symbol] as never, 0))
    }
    return bytes
  }

  /** A shortest text that finishes the parse once `nonterminal`, started here, completes. */
  afterCompletionText(nonterminal: number, depth = 0): number[] {
    if (!this.completionEdge) this.computeCompletionCosts()
    const item = (this.completionEdge as Map<number, number>).get(nonterminal)
    if (item === undefined || depth > 10_000) return []
    const production = this.productions[item] as number
    return [
      ...this.suffixText(production, (this.dots[item] as number) + 1),
      ...(this.origins[item] as EarleySet).afterCompletionText(
        this.grammar.productionLhs[production] as number,
        depth + 1,
      ),
    ]
  }

  /** A shortest text that finishes the parse once terminal `id`, started here, completes. */
  afterTerminalText(id: number): number[] {
    let best: number | undefined
    let bestCost = grammarInfinity
    for (const item of this.waitingOnTerminal.get(id) ?? []) {
      const production = this.productions[item] as number
      const cost =
        ((this.grammar.suffixMinimum[production] as Int32Array)[
          (this.dots[item] as number) + 1
        ] as number) +
        (this.origins[item] as EarleySet).afterCompletion(
          this.grammar.productionLhs[production] as number,
        )
      if (cost < bestCost) {
        bestCost = cost
        best = item
      }
    }
    if (best === undefined) return []
    const production = this.productions[best] as number
    return [
      ...this.suffixText(production, (this.dots[best] as number) + 1),
      ...(this.origins[best] as EarleySet).afterCompletionText(
        this.grammar.productionLhs[production] as number,
      ),
    ]
  }

  /** True for the initial set (origin of the augmented start production). */
  isRoot = false
}

/**
 * A parser position: parallel arrays of threads (terminal id, automaton state, start set) and
 * whether the text so far is a complete match. Immutable.
 */
export interface ParserState {
  readonly terminals: Int32Array
  readonly states: Int32Array
  readonly sets: readonly EarleySet[]
  readonly accepting: boolean
}

/** The parser state of the empty text. */
export function initialParserState(grammar: CompiledGrammar): ParserState {
  const root = new EarleySet(grammar)
  root.isRoot = true
  root.add(0, 0, root)
  root.close()
  return threadsOf(root)
}

function threadsOf(set: EarleySet): ParserState {
  return {
    terminals: Int32Array.from(set.terminals),
    states: new Int32Array(set.terminals.length),
    sets: set.terminals.map(() => set),
    accepting: set.accepting,
  }
}

/** True when the state can still lead to a complete match (some thread alive or accepting). */
export function isLive(state: ParserState): boolean {
  return state.accepting || state.terminals.length > 0
}

/**
 * Scratch buffers of one position, reused across a trie walk (no allocation per byte except
 * when a terminal completes and a new Earley set is built).
 */
export class ThreadBuffer {
  terminals: number[] = []
  states: number[] = []
  sets: EarleySet[] = []
  count = 0
  accepting = false
}

/**
 * Moves the threads of `input` over `byte` into `output` (cleared first). Threads whose
 * automaton has no transition die; a thread that reaches an accepting state completes its
 * terminal, and all completions at this byte open one new Earley set whose terminals start new
 * threads. Returns the number of threads (the state is dead when 0 and not accepting).
 */
export function stepThreads(
  grammar: CompiledGrammar,
  input: ThreadBuffer,
  byte: number,
  output: ThreadBuffer,
): number {
  const { terminals } = grammar
  let count = 0
  let completed = 0
  output.accepting = false
  for (let thread = 0; thread < input.count; thread++) {
    const id = input.terminals[thread] as number
    const compiled = terminals[id] as (typeof terminals)[number]
    const next = compiled.automaton.transitions[
      (input.states[thread] as number) * 256 + byte
    ] as number
    if (next < 0) continue
    const set = input.sets[thread] as EarleySet
    if (compiled.hasOutgoing[next]) {
      output.terminals[count] = id
      output.states[count] = next
      output.sets[count] = set
      count++
    }
    if (compiled.automaton.accepting[next]) {
      completedTerminals[completed] = id
      completedSets[completed] = set
      completed++
    }
  }
  if (completed > 0) {
    const created = completionSet(grammar, completed)
    output.accepting = created.accepting
    for (const id of created.terminals) {
      output.terminals[count] = id
      output.states[count] = 0
      output.sets[count] = created
      count++
    }
  }
  output.count = count
  return count
}

const completedTerminals: number[] = []
const completedSets: EarleySet[] = []
const completionSets = new WeakMap<EarleySet, Map<string, EarleySet>>()

/**
 * The Earley set opened when the terminals `completedTerminals[i]` started in
 * `completedSets[i]` (i < count) complete at one position. It depends only on those pairs, so
 * it is built once and shared (cached on the first pair's set): a walk that completes a number
 * on every digit builds one set, not one per trie node, and parser states reached along
 * different paths share it.
 */
function completionSet(grammar: CompiledGrammar, count: number): EarleySet {
  const first = completedSets[0] as EarleySet
  let key = `${completedTerminals[0]}`
  for (let index = 1; index < count; index++) {
    key += `,${completedTerminals[index]}@${(completedSets[index] as EarleySet).id}`
  }
  let cache = completionSets.get(first)
  if (!cache) {
    cache = new Map()
    completionSets.set(first, cache)
  }
  const cached = cache.get(key)
  if (cached) return cached
  const created = new EarleySet(grammar)
  for (let index = 0; index < count; index++) {
    const id = completedTerminals[index] as number
    const set = completedSets[index] as EarleySet
    for (const item of set.waitingOnTerminal.get(id) ?? []) {
      created.add(
        set.productions[item] as number,
        (set.dots[item] as number) + 1,
        set.origins[item] as EarleySet,
      )
    }
  }
  created.close()
  cache.set(key, created)
  return created
}

/** Loads a state into a buffer. */
export function loadState(state: ParserState, buffer: ThreadBuffer): void {
  const count = state.terminals.length
  for (let thread = 0; thread < count; thread++) {
    buffer.terminals[thread] = state.terminals[thread] as number
    buffer.states[thread] = state.states[thread] as number
    buffer.sets[thread] = state.sets[thread] as EarleySet
  }
  buffer.count = count
  buffer.accepting = state.accepting
}

/** Freezes a buffer into a state. */
export function saveState(buffer: ThreadBuffer): ParserState {
  return {
    terminals: Int32Array.from(buffer.terminals.slice(0, buffer.count)),
    states: Int32Array.from(buffer.states.slice(0, buffer.count)),
    sets: buffer.sets.slice(0, buffer.count),
    accepting: buffer.accepting,
  }
}

/** The state after `bytes`, or undefined when some byte is not allowed (dead state). */
export function advanceParserState(
  grammar: CompiledGrammar,
  state: ParserState,
  bytes: ArrayLike<number>,
): ParserState | undefined {
  let input = new ThreadBuffer()
  let output = new ThreadBuffer()
  loadState(state, input)
  for (let index = 0; index < bytes.length; index++) {
    const count = stepThreads(grammar, input, bytes[index] as number, output)
    if (count === 0 && !output.accepting) return undefined
    ;[input, output] = [output, input]
  }
  return saveState(input)
}

/** Fewest bytes that complete the text from the buffer's position (0 when accepting). */
export function minimumCompletionBytes(grammar: CompiledGrammar, buffer: ThreadBuffer): number {
  if (buffer.accepting) return 0
  let best = grammarInfinity
  for (let thread = 0; thread < buffer.count; thread++) {
    const id = buffer.terminals[thread] as number
    const distance = (grammar.terminals[id] as (typeof grammar.terminals)[number]).distance[
      buffer.states[thread] as number
    ] as number
    const value = distance + (buffer.sets[thread] as EarleySet).afterTerminal(id)
    if (value < best) best = value
  }
  return best
}

/** A key identifying a state (equal keys: equal futures). */
export function parserStateKey(state: ParserState): string {
  const parts: string[] = []
  for (let thread = 0; thread < state.terminals.length; thread++) {
    parts.push(`${state.terminals[thread]}.${state.states[thread]}.${state.sets[thread]?.id}`)
  }
  parts.sort()
  return `${state.accepting ? 'A' : ''}${parts.join(',')}`
}

/** A shortest byte text that completes the parse from `state` (empty when accepting). */
export function minimumCompletionText(grammar: CompiledGrammar, state: ParserState): number[] {
  if (state.accepting) return []
  let best = -1
  let bestCost = grammarInfinity
  for (let thread = 0; thread < state.terminals.length; thread++) {
    const id = state.terminals[thread] as number
    const cost =
      ((grammar.terminals[id] as (typeof grammar.terminals)[number]).distance[
        state.states[thread] as number
      ] as number) + (state.sets[thread] as EarleySet).afterTerminal(id)
    if (cost < bestCost) {
      bestCost = cost
      best = thread
    }
  }
  if (best < 0) return []
  const id = state.terminals[best] as number
  return [
    ...shortestSuffix(grammar.terminals[id] as never, state.states[best] as number),
    ...(state.sets[best] as EarleySet).afterTerminalText(id),
  ]
}
