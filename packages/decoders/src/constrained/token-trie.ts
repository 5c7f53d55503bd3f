// The vocabulary as a byte trie in flat typed arrays, built once per tokenizer, so that a token
// mask is one depth-first walk in which tokens sharing a prefix share the parser work.
import type { Tokenizer } from '@metagen/core'

/**
 * A byte trie of a tokenizer's non-special tokens. Node 0 is the root; the children of node `n`
 * are `childNodes[childStart[n] .. childStart[n + 1])` on bytes `childBytes[...]`, and the
 * tokens whose bytes end at `n` are `tokenIds[tokenStart[n] .. tokenStart[n + 1])`.
 */
export interface TokenTrie {
  readonly nodeCount: number
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
  const children: Array<Map<number, number>> = [new Map()]
  const tokensAt: number[][] = [[]]
  let maxTokenBytes = 1
  const singleBytes = new Uint8Array(256)
  tokenizer.tokenBytes().forEach((bytes, token) => {
    if (bytes.length === 0 || excluded.has(token)) return
    if (bytes.length === 1) singleBytes[bytes[0] as number] = 1
    maxTokenBytes = Math.max(maxTokenBytes, bytes.length)
    let node = 0
    for (const byte of bytes) {
      const map = children[node] as Map<number, number>
      let child = map.get(byte)
      if (child === undefined) {
        child = children.length
        children.push(new Map())
        tokensAt.push([])
        map.set(byte, child)
      }
      node = child
    }
    tokensAt[node]?.push(token)
  })
  const nodeCount = children.length
  const childStart = new Int32Array(nodeCount + 1)
  const tokenStart = new Int32Array(nodeCount + 1)
  let childTotal = 0
  let tokenTotal = 0
  for (let node = 0; node < nodeCount; node++) {
    childStart[node] = childTotal
    tokenStart[node] = tokenTotal
    childTotal += (children[node] as Map<number, number>).size
    tokenTotal += (tokensAt[node] as number[]).length
  }
  childStart[nodeCount] = childTotal
  tokenStart[nodeCount] = tokenTotal
  const childBytes = new Uint8Array(childTotal)
  const childNodes = new Int32Array(childTotal)
  const tokenIds = new Int32Array(tokenTotal)
  for (let node = 0; node < nodeCount; node++) {
    let position = childStart[node] as number
    const sorted = [...(children[node] as Map<number, number>)].sort((a, b) => a[0] - b[0])
    for (const [byte, child] of sorted) {
      childBytes[position] = byte
      childNodes[position] = child
      position++
    }
    tokenIds.set(tokensAt[node] as number[], tokenStart[node] as number)
  }
  let hasAllBytes = true
  for (let byte = 0; byte < 256; byte++) {
    if (byte === 0xc0 || byte === 0xc1 || byte >= 0xf5) continue
    if (!singleBytes[byte]) hasAllBytes = false
  }
  const trie: TokenTrie = {
    nodeCount,
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
