// A context-free constraint compiled for one tokenizer: parser states are interned as integers,
// the mask of a state is one walk of the token trie with the Earley parser (cached per state;
// on large vocabularies the part of the walk that stays inside the current terminals is a
// cached lookup, see `token-closure.ts`), and the token budget is enforced with byte-length
// bounds plus a bounded exact search.
import { assertInteger, type Tokenizer } from '@metagen/core'
import {
  advanceParserState,
  initialParserState,
  isLive,
  loadState,
  minimumCompletionBytes,
  minimumCompletionText,
  type ParserState,
  parserStateKey,
  saveState,
  stepThreads,
  ThreadBuffer,
} from './earley-parser.js'
import type { CompiledGrammar } from './grammar.js'
import { exploreLocalAutomaton, tokenClosure } from './token-closure.js'
import { createTokenTrie, type TokenTrie } from './token-trie.js'

/** The token-level operations of a compiled grammar (states are interned integers). */
export interface GrammarTokenMachine {
  readonly trie: TokenTrie
  readonly initialState: number
  /**
   * Allowed non-eos tokens (ascending) and, per token, the fewest bytes that then complete and
   * the state after it where already known (-1 otherwise: see `advance`).
   */
  mask(state: number): {
    readonly tokens: Int32Array
    readonly minimumBytes: Int32Array
    readonly next: Int32Array
  }
  /**
   * Allowed token ids (eos included when accepting), ascending. With `remainingTokens`, only
   * tokens after which the text can be completed within `remainingTokens - 1` further tokens.
   */
  allowedTokens(state: number, remainingTokens?: number): number[]
  /**
   * Masks `logits` in place like {@link GrammarTokenMachine.allowedTokens} (disallowed ->
   * -Infinity); returns whether some allowed token has a finite logit.
   */
  maskLogits(state: number, logits: Float32Array, remainingTokens?: number): boolean
  /** The state after `token`, or -1 when the token is not allowed. */
  advance(state: number, token: number): number
  isAccepting(state: number): boolean
  /**
   * Fewest further tokens that reach acceptance; exact when the bounded search finishes, else
   * a lower bound (ceil(bytes / longest token)).
   */
  distanceToAccept(state: number): number
}

/** Options of {@link createGrammarTokenMachine}. */
export interface GrammarTokenMachineOptions {
  /**
   * Work limit (token expansions) of the exact budget search per mask; beyond it a token whose
   * completion within the budget is unproven is masked (sound, possibly over-constraining).
   * Default 20000.
   */
  searchLimit?: number
  /**
   * Largest vocabulary on which the exact budget search runs (default 4096); on larger ones a
   * token whose completion within the budget is not witnessed by the greedy spelling of a
   * shortest completion is masked.
   */
  exactSearchVocabulary?: number
  /**
   * Compute first masks with the cached terminal-local closure (`token-closure.ts`): the part
   * of the trie walk that stays inside the current terminals' automata (e.g. a JSON string
   * body) is looked up per local automaton, and the parser walks only the tokens that leave
   * them. Same masks either way. Default: on vocabularies of more than 4096 tokens.
   */
  closureWalk?: boolean
}

class SearchExhausted extends Error {}

function copyBuffer(from: ThreadBuffer, to: ThreadBuffer): void {
  for (let thread = 0; thread < from.count; thread++) {
    to.terminals[thread] = from.terminals[thread] as number
    to.states[thread] = from.states[thread] as number
    to.sets[thread] = from.sets[thread] as ThreadBuffer['sets'][number]
  }
  to.count = from.count
  to.accepting = from.accepting
}

/**
 * Compiles a grammar for a tokenizer. A token is allowed in a state iff its bytes keep the parser
 * alive: because every grammar symbol derives some text (unproductive rules are removed) and
 * every terminal automaton state can reach acceptance, a live parser state always has a
 * completion, so (without a token budget) the mask is exact for tokenizers that can spell every
 * byte string; see {@link GrammarTokenMachine.allowedTokens} for the budget.
 */
export function createGrammarTokenMachine(
  grammar: CompiledGrammar,
  tokenizer: Tokenizer,
  options: GrammarTokenMachineOptions = {},
): GrammarTokenMachine {
  const trie = createTokenTrie(tokenizer)
  const searchLimit = options.searchLimit ?? 20000
  const tokenBytes = tokenizer.tokenBytes()
  const excluded = new Set([...tokenizer.specialTokenIds, ...tokenizer.eosTokenIds])
  const states: ParserState[] = []
  const ids = new Map<string, number>()
  const intern = (state: ParserState): number => {
    const key = parserStateKey(state)
    let id = ids.get(key)
    if (id === undefined) {
      id = states.length
      states.push(state)
      ids.set(key, id)
    }
    return id
  }
  const initialState = intern(initialParserState(grammar))
  const masks = new Map<
    number,
    { tokens: Int32Array; minimumBytes: Int32Array; next: Int32Array; worst: number }
  >()
  const transitions = new Map<number, number>()
  const buffers: ThreadBuffer[] = []
  const bufferAt = (depth: number): ThreadBuffer => {
    let buffer = buffers[depth]
    if (!buffer) {
      buffer = new ThreadBuffer()
      buffers[depth] = buffer
    }
    return buffer
  }

  const closureWalk = options.closureWalk ?? trie.vocabSize > 4096
  const computeMask = (state: number) => {
    // per token id: the fewest completion bytes after it (-1: not allowed), and the state after
    // it where the closure knows it (-1: unknown)
    const needed = new Int32Array(trie.vocabSize).fill(-1)
    const knownNext = closureWalk ? new Int32Array(trie.vocabSize).fill(-1) : undefined
    let count = 0
    const { childStart, childBytes, childNodes, tokenStart, tokenIds } = trie
    const record = (node: number, bytes: number): void => {
      const tokenEnd = tokenStart[node + 1] as number
      for (let index = tokenStart[node] as number; index < tokenEnd; index++) {
        needed[tokenIds[index] as number] = bytes
        count++
      }
    }
    const visit = (node: number, depth: number): void => {
      const input = bufferAt(depth)
      const output = bufferAt(depth + 1)
      const end = childStart[node + 1] as number
      for (let position = childStart[node] as number; position < end; position++) {
        const alive = stepThreads(grammar, input, childBytes[position] as number, output)
        if (alive === 0 && !output.accepting) continue
        const child = childNodes[position] as number
        if ((tokenStart[child + 1] as number) > (tokenStart[child] as number)) {
          record(child, minimumCompletionBytes(grammar, output))
        }
        if (alive > 0 && (childStart[child + 1] as number) > (childStart[child] as number)) {
          visit(child, depth + 1)
        }
      }
    }
    loadState(states[state] as ParserState, bufferAt(0))
    if (knownNext) {
      // Inside the local automaton every token is allowed (its threads live on); the parser
      // walks on only from the edges that leave it.
      const local = exploreLocalAutomaton(grammar, bufferAt(0))
      const closure = tokenClosure(trie, local.signature, local.table, local.buffers.length)
      closure.tokens.forEach((group, localState) => {
        if (group.length === 0) return
        const buffer = local.buffers[localState] as ThreadBuffer
        const bytes = minimumCompletionBytes(grammar, buffer)
        const after = intern(saveState(buffer))
        for (let index = 0; index < group.length; index++) {
          const token = group[index] as number
          needed[token] = bytes
          knownNext[token] = after
        }
        count += group.length
      })
      const exitNeeded = local.exits.map((exit) => minimumCompletionBytes(grammar, exit))
      const { exitEdges } = closure
      for (let index = 0; index < exitEdges.length; index += 2) {
        const child = exitEdges[index] as number
        const exitIndex = exitEdges[index + 1] as number
        const exit = local.exits[exitIndex] as ThreadBuffer
        record(child, exitNeeded[exitIndex] as number)
        if (exit.count > 0 && (childStart[child + 1] as number) > (childStart[child] as number)) {
          copyBuffer(exit, bufferAt(1))
          visit(child, 1)
        }
      }
    } else visit(0, 0)
    // Ordered by token id (a counting pass instead of a sort), so that masks and allowed lists
    // need no sorting per step.
    let worst = 0
    count = 0
    for (let token = 0; token < needed.length; token++) if ((needed[token] as number) >= 0) count++
    const sortedTokens = new Int32Array(count)
    const sortedBytes = new Int32Array(count)
    const sortedNext = new Int32Array(count).fill(-1)
    let position = 0
    for (let token = 0; token < needed.length; token++) {
      const bytes = needed[token] as number
      if (bytes < 0) continue
      sortedTokens[position] = token
      sortedBytes[position] = bytes
      if (bytes > worst) worst = bytes
      if (knownNext) sortedNext[position] = knownNext[token] as number
      position++
    }
    return { tokens: sortedTokens, minimumBytes: sortedBytes, next: sortedNext, worst }
  }
  const maskOf = (state: number) => {
    let entry = masks.get(state)
    if (!entry) {
      entry = computeMask(state)
      masks.set(state, entry)
    }
    return entry
  }

  const advance = (state: number, token: number): number => {
    const key = state * trie.vocabSize + token
    const cached = transitions.get(key)
    if (cached !== undefined) return cached
    let result = -1
    const bytes = tokenBytes[token]
    if (bytes && bytes.length > 0 && !excluded.has(token)) {
      const next = advanceParserState(grammar, states[state] as ParserState, bytes)
      if (next && isLive(next)) result = intern(next)
    }
    transitions.set(key, result)
    return result
  }

  const minimumBytesOf = (state: number): number => {
    const buffer = new ThreadBuffer()
    loadState(states[state] as ParserState, buffer)
    return minimumCompletionBytes(grammar, buffer)
  }
  const lowerBound = (bytes: number): number => Math.ceil(bytes / trie.maxTokenBytes)
  // Exact budget search only on small vocabularies (each step of it walks the trie).
  const exactSearch = trie.vocabSize <= (options.exactSearchVocabulary ?? 4096)
  const upperBounds = new Map<number, number>()
  /** Tokens of the shortest completion spelled by greedy longest match (Infinity if unspellable). */
  const upperBound = (state: number): number => {
    const cached = upperBounds.get(state)
    if (cached !== undefined) return cached
    const text = minimumCompletionText(grammar, states[state] as ParserState)
    const { childStart, childBytes, childNodes, tokenStart } = trie
    const spelled: number[][] = []
    let count = 0
    let position = 0
    while (position < text.length) {
      let node = 0
      let longest = 0
      for (let offset = position; offset < text.length; offset++) {
        const byte = text[offset] as number
        let next = -1
        for (
          let child = childStart[node] as number;
          child < (childStart[node + 1] as number);
          child++
        ) {
          if (childBytes[child] === byte) {
            next = childNodes[child] as number
            break
          }
        }
        if (next < 0) break
        node = next
        if ((tokenStart[node + 1] as number) > (tokenStart[node] as number))
          longest = offset - position + 1
      }
      if (longest === 0) {
        count = Number.POSITIVE_INFINITY
        break
      }
      spelled.push(text.slice(position, position + longest))
      count++
      position += longest
    }
    upperBounds.set(state, count)
    // Record the witness path, so that every later state on it is known to finish in time
    // (masks stay consistent from step to step: an allowed token never leads to an empty mask).
    if (Number.isFinite(count)) {
      let current = state
      spelled.forEach((bytes, index) => {
        if (current < 0) return
        const token = tokenOfBytes(bytes)
        current = token === undefined ? -1 : advance(current, token)
        if (current >= 0) {
          const left = count - index - 1
          if (left < (proven.get(current) ?? Number.POSITIVE_INFINITY)) proven.set(current, left)
        }
      })
    }
    return count
  }
  /** A token id whose bytes are exactly `bytes` (a trie lookup). */
  const tokenOfBytes = (bytes: readonly number[]): number | undefined => {
    const { childStart, childBytes, childNodes, tokenStart, tokenIds } = trie
    let node = 0
    for (const byte of bytes) {
      let next = -1
      for (
        let child = childStart[node] as number;
        child < (childStart[node + 1] as number);
        child++
      ) {
        if (childBytes[child] === byte) {
          next = childNodes[child] as number
          break
        }
      }
      if (next < 0) return undefined
      node = next
    }
    return (tokenStart[node + 1] as number) > (tokenStart[node] as number)
      ? (tokenIds[tokenStart[node] as number] as number)
      : undefined
  }

  // Exact search: can `state` reach acceptance within `budget` more tokens?
  const proven = new Map<number, number>() // smallest budget known to suffice
  const refuted = new Map<number, number>() // largest budget known not to suffice
  let work = 0
  const within = (state: number, budget: number): boolean => {
    const parser = states[state] as ParserState
    if (parser.accepting) return true
    if (budget <= 0) return false
    const bytes = minimumBytesOf(state)
    if (lowerBound(bytes) > budget) return false
    if (trie.hasAllBytes && bytes <= budget) return true
    if (upperBound(state) <= budget) return true
    if ((proven.get(state) ?? Number.POSITIVE_INFINITY) <= budget) return true
    if ((refuted.get(state) ?? -1) >= budget) return false
    const entry = maskOf(state)
    const order = Array.from(entry.tokens.keys()).sort(
      (left, right) => (entry.minimumBytes[left] as number) - (entry.minimumBytes[right] as number),
    )
    for (const index of order) {
      if (lowerBound(entry.minimumBytes[index] as number) > budget - 1) break
      if (++work > searchLimit) throw new SearchExhausted()
      const next = advance(state, entry.tokens[index] as number)
      if (next >= 0 && within(next, budget - 1)) {
        proven.set(state, Math.min(budget, proven.get(state) ?? Number.POSITIVE_INFINITY))
        return true
      }
    }
    refuted.set(state, Math.max(budget, refuted.get(state) ?? -1))
    return false
  }
  /** {@link within} sharing the work limit of the current mask. */
  const withinCapped = (state: number, budget: number): boolean => {
    if ((proven.get(state) ?? Number.POSITIVE_INFINITY) <= budget) return true
    if (work > searchLimit) return false
    try {
      return within(state, budget)
    } catch (error) {
      if (error instanceof SearchExhausted) return false
      throw error
    }
  }

  /** Allowed non-eos tokens (ascending) of a state, within the budget when one is given. */
  const allowedNonEos = (state: number, remainingTokens: number | undefined): Int32Array => {
    if (remainingTokens !== undefined) assertInteger('remainingTokens', remainingTokens, 0)
    const entry = maskOf(state)
    if (remainingTokens === undefined || (trie.hasAllBytes && entry.worst <= remainingTokens - 1)) {
      return entry.tokens
    }
    const budget = remainingTokens - 1
    if (budget < 0) return new Int32Array(0)
    const kept: number[] = []
    work = 0
    // Tokens that lead to the same state share the verdict (e.g. every token inside a string).
    const verdicts = new Map<number, boolean>()
    entry.tokens.forEach((token, index) => {
      const bytes = entry.minimumBytes[index] as number
      if (trie.hasAllBytes && bytes <= budget) {
        kept.push(token)
        return
      }
      if (lowerBound(bytes) > budget) return
      const known = entry.next[index] as number
      const next = known >= 0 ? known : advance(state, token)
      if (next < 0) return
      const verdict = verdicts.get(next)
      if (verdict !== undefined) {
        if (verdict) kept.push(token)
        return
      }
      const before = kept.length
      keep(token, next)
      verdicts.set(next, kept.length > before)
    })
    return Int32Array.from(kept)
    function keep(token: number, next: number): void {
      if ((proven.get(next) ?? Number.POSITIVE_INFINITY) <= budget) {
        kept.push(token)
        return
      }
      // A witness: the shortest completion spelled greedily fits.
      if (upperBound(next) <= budget) {
        kept.push(token)
        return
      }
      // Exact search where it is affordable; otherwise masked (sound, may over-constrain).
      if (exactSearch && withinCapped(next, budget)) kept.push(token)
    }
  }

  return {
    trie,
    initialState,
    mask: (state) => maskOf(state),
    allowedTokens(state, remainingTokens) {
      const tokens = allowedNonEos(state, remainingTokens)
      const result = Array.from(tokens)
      if ((states[state] as ParserState).accepting) {
        for (const eos of trie.eosTokenIds) {
          let low = 0
          let high = result.length
          while (low < high) {
            const middle = (low + high) >> 1
            if ((result[middle] as number) < eos) low = middle + 1
            else high = middle
          }
          result.splice(low, 0, eos)
        }
      }
      return result
    },
    maskLogits(state, logits, remainingTokens) {
      const tokens = allowedNonEos(state, remainingTokens)
      const kept = new Float32Array(tokens.length)
      for (let index = 0; index < tokens.length; index++) {
        kept[index] = logits[tokens[index] as number] as number
      }
      const eos = (states[state] as ParserState).accepting ? trie.eosTokenIds : []
      const keptEos = eos.map((token) => logits[token] as number)
      logits.fill(Number.NEGATIVE_INFINITY)
      let anyFinite = false
      for (let index = 0; index < tokens.length; index++) {
        const token = tokens[index] as number
        if (token >= logits.length) continue
        const value = kept[index] as number
        logits[token] = value
        if (value > Number.NEGATIVE_INFINITY) anyFinite = true
      }
      eos.forEach((token, index) => {
        if (token >= logits.length) return
        const value = keptEos[index] as number
        logits[token] = value
        if (value > Number.NEGATIVE_INFINITY) anyFinite = true
      })
      return anyFinite
    },
    advance,
    isAccepting: (state) => (states[state] as ParserState).accepting,
    distanceToAccept(state) {
      const parser = states[state] as ParserState
      if (parser.accepting) return 0
      const bytes = minimumBytesOf(state)
      const low = lowerBound(bytes)
      const high = trie.hasAllBytes ? bytes : low + 64
      for (let budget = low; budget <= high; budget++) {
        work = 0
        try {
          if (within(state, budget)) return budget
        } catch (error) {
          if (error instanceof SearchExhausted) return low
          throw error
        }
      }
      return trie.hasAllBytes ? bytes : low
    },
  }
}
