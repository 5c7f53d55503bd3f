// Tiny tokenizers for the fake token models of the test kit: one character per token, so that
// a test can write token sequences as text and check decoders against hand computations.
import { InvalidArgumentError } from '../errors.js'
import type { Tokenizer } from '../tokenizer.js'

/**
 * A letter tokenizer of `vocabSize` ids: id 0 is end-of-text (`<eos>`, also the pad id and the
 * only special token), id i >= 1 is the letter `String.fromCharCode(96 + i)` (`a`, `b`, ...).
 * `encode` throws {@link InvalidArgumentError} on any character outside the vocabulary.
 * `vocabSize` must be an integer in [2, 27].
 */
export function createLetterTokenizer(vocabSize = 8): Tokenizer {
  if (!Number.isInteger(vocabSize) || vocabSize < 2 || vocabSize > 27) {
    throw new InvalidArgumentError({
      argument: 'vocabSize',
      expected: 'an integer in [2, 27] (eos plus up to 26 letters)',
      received: vocabSize,
    })
  }
  return {
    vocabSize,
    eosTokenIds: [0],
    padTokenId: 0,
    specialTokenIds: [0],
    encode(text) {
      return Array.from(text, (character) => {
        const id = character.charCodeAt(0) - 96
        if (character.length !== 1 || id < 1 || id >= vocabSize) {
          throw new InvalidArgumentError({
            argument: 'text',
            expected: `letters a..${String.fromCharCode(95 + vocabSize)} of the fake vocabulary`,
            received: text,
          })
        }
        return id
      })
    },
    decode(ids, options) {
      const skip = options?.skipSpecialTokens ?? true
      return ids
        .map((id) => (id === 0 ? (skip ? '' : '<eos>') : String.fromCharCode(96 + id)))
        .join('')
    },
    tokenBytes() {
      return Array.from({ length: vocabSize }, (_, id) =>
        id === 0 ? new Uint8Array() : new Uint8Array([96 + id]),
      )
    },
  }
}

const printable = [
  '\n',
  ...Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)),
]

/**
 * A character tokenizer of 97 ids: id 0 is end-of-text (pad and only special token), id 1 is
 * `\n` and ids 2..96 are the printable ASCII characters from space to `~`. `encode` throws
 * {@link InvalidArgumentError} on any other character.
 */
export function createCharacterTokenizer(): Tokenizer {
  const idOf = new Map(printable.map((character, index) => [character, index + 1]))
  return {
    vocabSize: printable.length + 1,
    eosTokenIds: [0],
    padTokenId: 0,
    specialTokenIds: [0],
    encode(text) {
      return Array.from(text, (character) => {
        const id = idOf.get(character)
        if (id === undefined) {
          throw new InvalidArgumentError({
            argument: 'text',
            expected: 'newlines and printable ASCII characters',
            received: text,
          })
        }
        return id
      })
    },
    decode(ids, options) {
      const skip = options?.skipSpecialTokens ?? true
      return ids
        .map((id) => (id === 0 ? (skip ? '' : '<eos>') : (printable[id - 1] ?? '')))
        .join('')
    },
    tokenBytes() {
      const encoder = new TextEncoder()
      return [new Uint8Array(), ...printable.map((character) => encoder.encode(character))]
    },
  }
}
