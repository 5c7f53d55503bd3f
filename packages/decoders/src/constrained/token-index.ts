// Lifts a byte automaton to the token level: for every automaton state reachable by whole tokens,
// which token ids are allowed and where each leads. Built once and cached per (tokenizer, key).
import type { Tokenizer } from '@metagen/core'
import type { ByteAutomaton } from './byte-automaton.js'

/**
 * The token-level view of a {@link ByteAutomaton} for one tokenizer. Token states are numbered
 * `0..stateCount-1` with 0 the initial state. Every listed transition leads to a state from
 * which an accepting state can still be reached by whole tokens, so masking by this index never
 * walks into a dead end (tokens that would are left out).
 */
export interface TokenIndex {
  /** Number of token-level states. */
  readonly stateCount: number
  /** Vocabulary size of the tokenizer the index was built for. */
  readonly vocabSize: number
  /** End-of-text ids of the tokenizer; allowed exactly in accepting states. */
  readonly eosTokenIds: readonly number[]
  /** Allowed non-eos token ids of a state, ascending. */
  allowedTokens(state: number): Int32Array
  /** The state after `token`, or -1 when the token is not allowed (eos also gives -1). */
  nextState(state: number, token: number): number
  /** True when the text so far is a complete match (eos is allowed). */
  isAccepting(state: number): boolean
  /**
   * The fewest further non-eos tokens that reach an accepting state (0 in an accepting state),
   * used to keep generation within a token limit.
   */
  distanceToAccept(state: number): number
}

/** Options of {@link createTokenIndex}. */
export interface CreateTokenIndexOptions {
  /**
   * Cache key of the automaton (e.g. `regex:/.../`). With a key, the index is cached per
   * (tokenizer, key) and built once; without, it is always built.
   */
  cacheKey?: string
}

const cache = new WeakMap<Tokenizer, Map<string, TokenIndex>>()

/**
 * Builds the token index: a breadth-first walk from the initial automaton state over whole
 * tokens (each token's bytes from `tokenizer.tokenBytes()` run through the automaton, so tokens
 * that hold part of a UTF-8 character or several characters are handled at the byte level),
 * then a backward pass that drops tokens leading to states that cannot reach acceptance.
 * Special tokens (empty bytes) are never allowed, except eos in accepting states.
 */
export function createTokenIndex(
  tokenizer: Tokenizer,
  automaton: ByteAutomaton,
  options: CreateTokenIndexOptions = {},
): TokenIndex {
  if (options.cacheKey !== undefined) {
    const cached = cache.get(tokenizer)?.get(options.cacheKey)
    if (cached) return cached
  }
  const index = buildTokenIndex(tokenizer, automaton)
  if (options.cacheKey !== undefined) {
    let map = cache.get(tokenizer)
    if (!map) {
      map = new Map()
      cache.set(tokenizer, map)
    }
    map.set(options.cacheKey, index)
  }
  return index
}

interface TrieNode {
  /** Token ids whose bytes end here. */
  tokens: number[]
  children: Map<number, TrieNode>
}

function buildTrie(tokenBytes: readonly Uint8Array[], excluded: ReadonlySet<number>): TrieNode {
  const root: TrieNode = { tokens: [], children: new Map() }
  tokenBytes.forEach((bytes, token) => {
    if (bytes.length === 0 || excluded.has(token)) return
    let node = root
    for (const byte of bytes) {
      let child = node.children.get(byte)
      if (!child) {
        child = { tokens: [], children: new Map() }
        node.children.set(byte, child)
      }
      node = child
    }
    node.tokens.push(token)
  })
  return root
}

function buildTokenIndex(tokenizer: Tokenizer, automaton: ByteAutomaton): TokenIndex {
  const special = new Set([...tokenizer.specialTokenIds, ...tokenizer.eosTokenIds])
  const trie = buildTrie(tokenizer.tokenBytes(), special)
  const { transitions } = automaton

  // Forward walk: token states are the automaton states reachable from 0 by whole tokens.
  const tokenStateOf = new Map<number, number>([[0, 0]])
  const byteStateOf: number[] = [0]
  const edges: Array<{ tokens: number[]; targets: number[] }> = []
  for (let position = 0; position < byteStateOf.length; position++) {
    const tokens: number[] = []
    const targets: number[] = []
    const stack: Array<[TrieNode, number]> = [[trie, byteStateOf[position] as number]]
    while (stack.length > 0) {
      const [node, state] = stack.pop() as [TrieNode, number]
      for (const [byte, child] of node.children) {
        const next = transitions[state * 256 + byte] as number
        if (next < 0) continue
        if (child.tokens.length > 0) {
          let target = tokenStateOf.get(next)
          if (target === undefined) {
            target = byteStateOf.length
            tokenStateOf.set(next, target)
            byteStateOf.push(next)
          }
          for (const token of child.tokens) {
            tokens.push(token)
            targets.push(target)
          }
        }
        if (child.children.size > 0) stack.push([child, next])
      }
    }
    edges.push({ tokens, targets })
  }
  const stateCount = byteStateOf.length
  const accepting = byteStateOf.map((state) => automaton.accepting[state] === 1)

  // Backward pass: shortest distance (in tokens) to acceptance; unreachable = Infinity.
  const reverse: number[][] = Array.from({ length: stateCount }, () => [])
  edges.forEach((edge, source) => {
    for (const target of edge.targets) reverse[target]?.push(source)
  })
  const distance = new Float64Array(stateCount).fill(Number.POSITIVE_INFINITY)
  const queue: number[] = []
  accepting.forEach((value, state) => {
    if (value) {
      distance[state] = 0
      queue.push(state)
    }
  })
  for (let position = 0; position < queue.length; position++) {
    const state = queue[position] as number
    for (const source of reverse[state] as number[]) {
      if (distance[source] === Number.POSITIVE_INFINITY) {
        distance[source] = (distance[state] as number) + 1
        queue.push(source)
      }
    }
  }

  const allowed: Int32Array[] = []
  const nextStates: Int32Array[] = []
  edges.forEach((edge) => {
    const pairs: Array<[number, number]> = []
    edge.tokens.forEach((token, index) => {
      const target = edge.targets[index] as number
      if (Number.isFinite(distance[target])) pairs.push([token, target])
    })
    pairs.sort((left, right) => left[0] - right[0])
    allowed.push(Int32Array.from(pairs, (pair) => pair[0]))
    nextStates.push(Int32Array.from(pairs, (pair) => pair[1]))
  })
  const eosTokenIds = [...tokenizer.eosTokenIds]

  return {
    stateCount,
    vocabSize: tokenizer.vocabSize,
    eosTokenIds,
    allowedTokens: (state) => allowed[state] ?? new Int32Array(0),
    nextState(state, token) {
      const list = allowed[state]
      if (!list) return -1
      let low = 0
      let high = list.length - 1
      while (low <= high) {
        const middle = (low + high) >> 1
        const value = list[middle] as number
        if (value === token) return (nextStates[state] as Int32Array)[middle] as number
        if (value < token) low = middle + 1
        else high = middle - 1
      }
      return -1
    },
    isAccepting: (state) => accepting[state] === true,
    distanceToAccept: (state) => distance[state] ?? Number.POSITIVE_INFINITY,
  }
}
