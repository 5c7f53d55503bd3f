// The vocabulary as a byte trie in flat typed arrays, built once per tokenizer, so that a token
// mask is one depth-first walk in which tokens sharing a prefix share the parser work.
import type { Tokenizer } from '@metagen/core'

/**
 * A byte trie of a tokenizer's non-special tokens. Node 0 is the root; the children of node `n`
 * are `childNodes[childStart[n] .. childStart[n + 1])` on bytes `childBytes[...]`, and the
 * tokens whose bytes end at `n` are `tokenIds[tokenStart[n] .. tokenStart[n + 1])`. Nodes are
 * numbered in depth-first preorder (children by ascending byte), so the subtree of `n` is the
 * range `n .. subtreeEnd[n]` and a walk of the trie reads the arrays front to back.
 */
export interface TokenTrie {
  readonly nodeCount: number
  /** The byte on the edge into each node (0 for the root). */
  readonly nodeBytes: Uint8Array
  /** Depth of each node (bytes from the root). */
  readonly nodeDepths: Int32Array
  /** One past the last node of each node's subtree. */
  readonly subtreeEnd: Int32Array
  readonly childStart: Int32Array
  readonly childBytes: Uint8Array
  readonly childNodes: Int32Array
  readonly tokenStart: Int32Array
  readonly tokenIds: Int32Array
  /** Longest token in bytes. */
  readonly maxTokenBytes: number
  /** True when every byte except 0xC0, 0xC1 and 0xF5..0xFF is a token of its own. */
  readonly hasAllBytes: boolean
  /** Vocabulary size of the tokenizer. */
  readonly vocabSize: number
  /** End-of-text ids. */
  readonly eosTokenIds: readonly number[]
}

const cache = new WeakMap<Tokenizer, TokenTrie>()

/**
 * The trie of `tokenizer.tokenBytes()` without special and eos tokens (which carry no text and
 * are never part of a constrained text), cached per tokenizer.
 */
export function createTokenTrie(tokenizer: Tokenizer): TokenTrie {
  const cached = cache.get(tokenizer)
  if (cached) return cached
  const excluded = new Set([...tokenizer.specialTokenIds, ...tokenizer.eosTokenIds])
  const vocabulary = tokenizer.tokenBytes()
  let maxTokenBytes = 1
  let totalBytes = 0
  const singleBytes = new Uint8Array(256)
  const order: number[] = []
  vocabulary.forEach((bytes, token) => {
    if (bytes.length === 0 || excluded.has(token)) return
    if (bytes.length === 1) singleBytes[bytes[0] as number] = 1
    maxTokenBytes = Math.max(maxTokenBytes, bytes.length)
    totalBytes += bytes.length
    order.push(token)
  })
  // Sorted byte strings (a prefix before its extensions, equal strings by id) list the trie
  // in preorder: each token adds the nodes for its bytes after the common prefix with the
  // previous one.
  order.sort((left, right) => {
    const a = vocabulary[left] as Uint8Array
    const b = vocabulary[right] as Uint8Array
    const length = Math.min(a.length, b.length)
    for (let index = 0; index < length; index++) {
      const difference = (a[index] as number) - (b[index] as number)
      if (difference !== 0) return difference
    }
    return a.length - b.length || left - right
  })
  const capacity = totalBytes + 1
  const nodeBytes = new Uint8Array(capacity)
  const nodeDepths = new Int32Array(capacity)
  const subtreeEndAll = new Int32Array(capacity)
  const parents = new Int32Array(capacity)
  const tokenNodes = new Int32Array(order.length)
  const path = new Int32Array(maxTokenBytes + 1) // open nodes by depth (path[0] = root)
  let nodeCount = 1
  let previous: Uint8Array = new Uint8Array(0)
  order.forEach((token, position) => {
    const bytes = vocabulary[token] as Uint8Array
    let common = 0
    const limit = Math.min(bytes.length, previous.length)
    while (common < limit && bytes[common] === previous[common]) common++
    // the previous path's nodes below the common prefix are complete
    for (let depth = previous.length; depth > common; depth--) {
      subtreeEndAll[path[depth] as number] = nodeCount
    }
    for (let depth = common; depth < bytes.length; depth++) {
      const node = nodeCount++
      nodeBytes[node] = bytes[depth] as number
      nodeDepths[node] = depth + 1
      parents[node] = path[depth] as number
      path[depth + 1] = node
    }
    tokenNodes[position] = path[bytes.length] as number
    previous = bytes
  })
  for (let depth = previous.length; depth >= 0; depth--) {
    subtreeEndAll[path[depth] as number] = nodeCount
  }
  const subtreeEnd = subtreeEndAll.slice(0, nodeCount)
  const childStart = new Int32Array(nodeCount + 1)
  for (let node = 1; node < nodeCount; node++) {
    const parent = parents[node] as number
    childStart[parent + 1] = (childStart[parent + 1] as number) + 1
  }
  for (let node = 0; node < nodeCount; node++) {
    childStart[node + 1] = (childStart[node + 1] as number) + (childStart[node] as number)
  }
  const childBytes = new Uint8Array(nodeCount - 1)
  const childNodes = new Int32Array(nodeCount - 1)
  const filled = childStart.slice(0, nodeCount)
  for (let node = 1; node < nodeCount; node++) {
    const parent = parents[node] as number
    const slot = filled[parent] as number
    filled[parent] = slot + 1
    childBytes[slot] = nodeBytes[node] as number
    childNodes[slot] = node
  }
  const tokenStart = new Int32Array(nodeCount + 1)
  for (const node of tokenNodes) tokenStart[node + 1] = (tokenStart[node + 1] as number) + 1
  for (let node = 0; node < nodeCount; node++) {
    tokenStart[node + 1] = (tokenStart[node + 1] as number) + (tokenStart[node] as number)
  }
  const tokenIds = Int32Array.from(order) // already grouped by node, in node order
  let hasAllBytes = true
  for (let byte = 0; byte < 256; byte++) {
    if (byte === 0xc0 || byte === 0xc1 || byte >= 0xf5) continue
    if (!singleBytes[byte]) hasAllBytes = false
  }
  const trie: TokenTrie = {
    nodeCount,
    nodeBytes: nodeBytes.slice(0, nodeCount),
    nodeDepths: nodeDepths.slice(0, nodeCount),
    subtreeEnd,
    childStart,
    childBytes,
    childNodes,
    tokenStart,
    tokenIds,
    maxTokenBytes,
    hasAllBytes,
    vocabSize: tokenizer.vocabSize,
    eosTokenIds: [...tokenizer.eosTokenIds],
  }
  cache.set(tokenizer, trie)
  return trie
}
