// A small byte-level tokenizer of our own Tokenizer interface, for the unit tests of
// constrained decoding (not exported from the package).
import { MetagenError, type Tokenizer } from '@metagen/core'

/**
 * Token 0 is eos; tokens 1..256 are the single bytes 0..255; then one token per entry of
 * `merges` (its UTF-8 bytes). Encoding is greedy longest-match over the merges.
 */
export function createTestTokenizer(merges: readonly string[] = []): Tokenizer {
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const bytes: Uint8Array[] = [new Uint8Array(0)]
  for (let byte = 0; byte < 256; byte++) bytes.push(Uint8Array.of(byte))
  for (const merge of merges) bytes.push(encoder.encode(merge))
  const mergeIds = merges
    .map((merge, index) => ({ bytes: encoder.encode(merge), id: 257 + index }))
    .sort((left, right) => right.bytes.length - left.bytes.length)
  return {
    vocabSize: bytes.length,
    eosTokenIds: [0],
    padTokenId: 0,
    specialTokenIds: [0],
    tokenBytes: () => bytes,
    encode(text) {
      const input = encoder.encode(text)
      const ids: number[] = []
      let position = 0
      while (position < input.length) {
        const match = mergeIds.find(
          (merge) =>
            merge.bytes.length <= input.length - position &&
            merge.bytes.every((byte, offset) => input[position + offset] === byte),
        )
        if (match) {
          ids.push(match.id)
          position += match.bytes.length
        } else {
          ids.push((input[position] as number) + 1)
          position++
        }
      }
      return ids
    },
    decode(ids) {
      const parts = ids.flatMap((id) => [...(bytes[id] ?? [])])
      return decoder.decode(Uint8Array.from(parts))
    },
  }
}

/**
 * A tokenizer whose vocabulary is exactly `tokens` (ids 1..n; 0 is eos), for brute-force tests
 * over small vocabularies. Encoding is greedy longest-match; text it cannot spell throws.
 */
export function createVocabularyTokenizer(tokens: readonly string[]): Tokenizer {
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const bytes: Uint8Array[] = [new Uint8Array(0), ...tokens.map((token) => encoder.encode(token))]
  const order = tokens
    .map((token, index) => ({ token, id: index + 1 }))
    .sort((left, right) => right.token.length - left.token.length)
  return {
    vocabSize: bytes.length,
    eosTokenIds: [0],
    padTokenId: 0,
    specialTokenIds: [0],
    tokenBytes: () => bytes,
    encode(text) {
      const ids: number[] = []
      let position = 0
      while (position < text.length) {
        const match = order.find((entry) => text.startsWith(entry.token, position))
        if (!match) throw new MetagenError(`cannot spell ${JSON.stringify(text.slice(position))}`)
        ids.push(match.id)
        position += match.token.length
      }
      return ids
    },
    decode(ids) {
      const parts = ids.flatMap((id) => [...(bytes[id] ?? [])])
      return decoder.decode(Uint8Array.from(parts))
    },
  }
}
