// The tokenizer that a token-level model exposes to decoders.

/** Tokenizer access for decoders (constrained decoding needs the vocabulary strings). */
export interface Tokenizer {
  /** Number of token ids, equal to the model's logits width. */
  readonly vocabSize: number
  /** Token ids that end a sequence (end-of-text). */
  readonly eosTokenIds: readonly number[]
  /** The id used to pad batches. */
  readonly padTokenId: number
  /** Encodes text to ids. No special tokens are added. */
  encode(text: string): number[]
  /** Decodes ids to text; special tokens are dropped when `skipSpecialTokens` (default true). */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string
  /**
   * The bytes that each token id stands for (byte-level BPE tokens may hold part of a UTF-8
   * character). Special tokens map to an empty array. Index = token id.
   */
  tokenBytes(): readonly Uint8Array[]
  /** Ids of special tokens (eos, pad, ...), which carry no text. */
  readonly specialTokenIds: readonly number[]
}
