// The tokenizer that a token-level model exposes to decoders.
import type { ChatMessage } from './language-model.js'

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
  /**
   * Optional: encodes a prompt that starts a sequence, with the special tokens the tokenizer's
   * post-processor puts around it (e.g. BOS for Llama and Gemma). Callers that encode a prompt
   * use it when present and {@link Tokenizer.encode} otherwise.
   */
  encodePrompt?(text: string): number[]
  /**
   * Optional: renders chat messages with the model's chat template, ending with the prompt for
   * the assistant's turn (`add_generation_prompt`). The text holds its special tokens, so encode
   * it with {@link Tokenizer.encode}. Absent when the model has no chat template.
   */
  applyChatTemplate?: ((messages: readonly ChatMessage[]) => string) | undefined
}
