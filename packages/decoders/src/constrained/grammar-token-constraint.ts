// A context-free constraint compiled for one tokenizer: parser states are interned as integers,
// the mask of a state is one walk of the token trie (cached per state; between terminal
// completions the walk steps bare automata, see `token-walk.ts`), and the token budget is
// enforced with byte-length bounds plus a bounded exact search; tokens that end in the same
// parser state share its verdict.
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
import { createTokenTrie, type TokenTrie } from './token-trie.js'
import { type TokenWalkCodes, walkTokenTrie } from './token-walk.js'

/** The token-level operations of a compiled grammar (states are interned integers). */
export interface GrammarTokenMachine {
  readonly trie: TokenTrie
  readonly initialState: number
  /**
   * Allowed non-eos tokens (ascending) and, per token, the fewest bytes that then complete, the
   * state after it where already known (-1 otherwise: see `advance`), and its code: tokens of
   * one mask with equal codes >= 0 lead to the same state (-1: unknown, e.g. when the plain walk
   * made the mask).
   */
  mask(state: number): {
    readonly tokens: Int32Array
    readonly minimumBytes: Int32Array
    readonly next: Int32Array
    readonly codes: Int32Array
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
   * Walk the token trie for a first mask with bare automaton transition tables between terminal
   * completions (`token-walk.ts`), instead of stepping the Earley parser on every byte. Same
   * masks either way (the plain walk is kept as the reference and the benchmark's baseline).
   * Default true.
   */
  localWalk?: boolean
}

class SearchExhausted extends Error {}

/** Most token ids held by one machine's mask cache (about 12 bytes each). */
const maxCachedMaskTokens = 4_000_000

interface MaskEntry {
  tokens: Int32Array
  minimumBytes: Int32Array
  /** The state after each token once known (-1 until then; allocated on first use). */
  next?: Int32Array
  /** Non-eos tokens outside the mask, for masks of more than half the vocabulary (lazy). */
  complement?: Int32Array
  /** Code of each token (`token-walk.ts`: equal codes, same next state; -1 unknown). */
  codes: Int32Array
  /** What the codes stand for (undefined for the plain walk, which records none). */
  walkCodes: TokenWalkCodes | undefined
  /** Largest code (-1 when none). */
  maxCode: number
  worst: number
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
  const masks = new Map<number, MaskEntry>()
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

  const localWalk = options.localWalk ?? true
  // Scratch per token id (reset after each mask): the fewest completion bytes after the token
  // (-1: not allowed) and its local code (see `token-walk.ts`; -1: unknown).
  const needed = new Int32Array(trie.vocabSize).fill(-1)
  const codes = new Int32Array(trie.vocabSize).fill(-1)
  const computeMask = (state: number): MaskEntry => {
    const { childStart, childBytes, childNodes, tokenStart, tokenIds } = trie
    let count = 0
    const record = (node: number, bytes: number, code: number): void => {
      const tokenEnd = tokenStart[node + 1] as number
      for (let index = tokenStart[node] as number; index < tokenEnd; index++) {
        const token = tokenIds[index] as number
        needed[token] = bytes
        codes[token] = code
      }
      count += tokenEnd - (tokenStart[node] as number)
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
          record(child, minimumCompletionBytes(grammar, output), -1)
        }
        if (alive > 0 && (childStart[child + 1] as number) > (childStart[child] as number)) {
          visit(child, depth + 1)
        }
      }
    }
    loadState(states[state] as ParserState, bufferAt(0))
    const walkCodes = localWalk ? walkTokenTrie(grammar, trie, bufferAt(0), record) : undefined
    if (!localWalk) visit(0, 0)
    // Ordered by token id (a counting pass instead of a sort), so that masks and allowed lists
    // need no sorting per step; the scratch is reset on the way.
    // (each trie node is reached at most once per walk, so `count` counts distinct tokens)
    let worst = 0
    let maxCode = -1
    const sortedTokens = new Int32Array(count)
    const sortedBytes = new Int32Array(count)
    const sortedCodes = new Int32Array(count)
    let position = 0
    for (let token = 0; token < needed.length; token++) {
      const bytes = needed[token] as number
      if (bytes < 0) continue
      sortedTokens[position] = token
      sortedBytes[position] = bytes
      sortedCodes[position] = codes[token] as number
      if (bytes > worst) worst = bytes
      if ((codes[token] as number) > maxCode) maxCode = codes[token] as number
      needed[token] = -1
      codes[token] = -1
      position++
    }
    return {
      tokens: sortedTokens,
      minimumBytes: sortedBytes,
      codes: sortedCodes,
      walkCodes,
      maxCode,
      worst,
    }
  }
  /** The state reached by the tokens of code `code` in a mask (interned). */
  const stateOfCode = (entry: MaskEntry, code: number): number =>
    intern(saveState((entry.walkCodes as TokenWalkCodes).decode(grammar, code)))
  // The mask cache is bounded by the tokens it holds (oldest masks dropped first: they are
  // recomputed when needed), so long generations on large vocabularies stay within memory.
  let cachedTokens = 0
  const maskOf = (state: number): MaskEntry => {
    let entry = masks.get(state)
    if (!entry) {
      entry = computeMask(state)
      if (cachedTokens + entry.tokens.length > maxCachedMaskTokens) {
        for (const [oldState, old] of masks) {
          if (cachedTokens + entry.tokens.length <= maxCachedMaskTokens / 2) break
          masks.delete(oldState)
          cachedTokens -= old.tokens.length
        }
      }
      masks.set(state, entry)
      cachedTokens += entry.tokens.length
    }
    return entry
  }
  const nextOf = (entry: MaskEntry): Int32Array => {
    entry.next ??= new Int32Array(entry.tokens.length).fill(-1)
    return entry.next
  }
  const eosInside = trie.eosTokenIds.every((token) => token < trie.vocabSize)
  const excludedIds = new Uint8Array(trie.vocabSize)
  for (const token of trie.eosTokenIds) if (token < trie.vocabSize) excludedIds[token] = 1
  const complementOf = (entry: MaskEntry): Int32Array => {
    if (!entry.complement) {
      const complement = new Int32Array(trie.vocabSize - entry.tokens.length)
      let count = 0
      let next = 0
      for (let index = 0; index <= entry.tokens.length; index++) {
        const until = index < entry.tokens.length ? (entry.tokens[index] as number) : trie.vocabSize
        for (let token = next; token < until; token++) {
          if (!excludedIds[token]) complement[count++] = token
        }
        next = until + 1
      }
      entry.complement = complement.subarray(0, count)
    }
    return entry.complement
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
    const { tokens, minimumBytes, codes } = entry
    const kept = new Int32Array(tokens.length)
    let keptCount = 0
    work = 0
    // Tokens that lead to the same state share the verdict (e.g. every token inside a string,
    // or every word of one length inside a length-limited string: same local code, so no
    // parser advance per token). Per code: 0 unknown, 1 kept, 2 masked.
    const verdicts = new Map<number, boolean>()
    const codeVerdicts =
      entry.maxCode < 2 ** 22 ? new Uint8Array(entry.maxCode + 1) : new Map<number, number>()
    for (let index = 0; index < tokens.length; index++) {
      const token = tokens[index] as number
      const bytes = minimumBytes[index] as number
      if (trie.hasAllBytes && bytes <= budget) {
        kept[keptCount++] = token
        continue
      }
      if (lowerBound(bytes) > budget) continue
      const code = codes[index] as number
      if (code >= 0) {
        const known =
          (codeVerdicts instanceof Map ? codeVerdicts.get(code) : codeVerdicts[code]) ?? 0
        if (known !== 0) {
          if (known === 1) kept[keptCount++] = token
          continue
        }
      }
      const nextStates = nextOf(entry)
      let next = nextStates[index] as number
      if (next < 0) {
        next = code >= 0 ? stateOfCode(entry, code) : advance(state, token)
        nextStates[index] = next
      }
      if (next < 0) continue
      let verdict = verdicts.get(next)
      if (verdict === undefined) {
        verdict = keeps(next)
        verdicts.set(next, verdict)
      }
      if (code >= 0) {
        if (codeVerdicts instanceof Map) codeVerdicts.set(code, verdict ? 1 : 2)
        else codeVerdicts[code] = verdict ? 1 : 2
      }
      if (verdict) kept[keptCount++] = token
    }
    return kept.subarray(0, keptCount)
    /** Whether the text can be finished from `next` within the budget. */
    function keeps(next: number): boolean {
      if ((proven.get(next) ?? Number.POSITIVE_INFINITY) <= budget) return true
      // A witness: the shortest completion spelled greedily fits.
      if (upperBound(next) <= budget) return true
      // Exact search where it is affordable; otherwise masked (sound, may over-constrain).
      return exactSearch && withinCapped(next, budget)
    }
  }

  return {
    trie,
    initialState,
    mask: (state) => {
      const entry = maskOf(state)
      return { ...entry, next: nextOf(entry) }
    },
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
      const entry = maskOf(state)
      if (eosInside && tokens === entry.tokens && tokens.length * 2 > trie.vocabSize) {
        // Most of the vocabulary is allowed (e.g. inside a string): write only the rest.
        const accepting = (states[state] as ParserState).accepting
        const complement = complementOf(entry)
        for (let index = 0; index < complement.length; index++) {
          const token = complement[index] as number
          if (token < logits.length) logits[token] = Number.NEGATIVE_INFINITY
        }
        for (let token = trie.vocabSize; token < logits.length; token++) {
          logits[token] = Number.NEGATIVE_INFINITY
        }
        for (const token of trie.eosTokenIds) {
          if (!accepting && token < logits.length) logits[token] = Number.NEGATIVE_INFINITY
        }
        for (let index = 0; index < tokens.length; index++) {
          const token = tokens[index] as number
          if (token < logits.length && (logits[token] as number) > Number.NEGATIVE_INFINITY) {
            return true
          }
        }
        return (
          accepting && trie.eosTokenIds.some((token) => (logits[token] ?? -Infinity) > -Infinity)
        )
      }
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
