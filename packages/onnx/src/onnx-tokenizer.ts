// The core Tokenizer over @huggingface/tokenizers, loaded from a model folder's tokenizer.json.
import { readFileSync } from 'node:fs'
import { Tokenizer as HuggingFaceTokenizer } from '@huggingface/tokenizers'
import { ModelLoadError, type Tokenizer } from '@metagen/core'
import { byteLevelTokenBytes } from './byte-level.js'

/** Settings of {@link loadTokenizer}. */
export interface LoadTokenizerOptions {
  /** Path of `tokenizer.json`. */
  tokenizerPath: string
  /** Path of `tokenizer_config.json`, if any. */
  tokenizerConfigPath?: string | undefined
  /** End-of-sequence ids (default: the ids of special tokens named `eos_token` in the config). */
  eosTokenIds: readonly number[]
  /** Padding id. */
  padTokenId: number
}

/** Loads a tokenizer; throws {@link ModelLoadError} when the files cannot be parsed. */
export function loadTokenizer(options: LoadTokenizerOptions): Tokenizer {
  let tokenizerJson: Record<string, unknown>
  let configJson: Record<string, unknown> = {}
  try {
    tokenizerJson = JSON.parse(readFileSync(options.tokenizerPath, 'utf8')) as Record<
      string,
      unknown
    >
    if (options.tokenizerConfigPath) {
      configJson = JSON.parse(readFileSync(options.tokenizerConfigPath, 'utf8')) as Record<
        string,
        unknown
      >
    }
  } catch (error) {
    throw new ModelLoadError({
      source: options.tokenizerPath,
      message: 'cannot parse the tokenizer files',
      cause: error,
    })
  }
  let tokenizer: HuggingFaceTokenizer
  try {
    tokenizer = new HuggingFaceTokenizer(tokenizerJson, configJson)
  } catch (error) {
    throw new ModelLoadError({
      source: options.tokenizerPath,
      message: 'unsupported tokenizer.json',
      cause: error,
    })
  }
  return new HuggingFaceTokenizerAdapter(tokenizer, options)
}

class HuggingFaceTokenizerAdapter implements Tokenizer {
  readonly vocabSize: number
  readonly eosTokenIds: readonly number[]
  readonly padTokenId: number
  readonly specialTokenIds: readonly number[]
  private readonly tokenizer: HuggingFaceTokenizer
  private bytes: Uint8Array[] | undefined

  constructor(tokenizer: HuggingFaceTokenizer, options: LoadTokenizerOptions) {
    this.tokenizer = tokenizer
    const vocab = tokenizer.get_vocab(true)
    let maxId = -1
    for (const id of vocab.values()) maxId = Math.max(maxId, id)
    this.vocabSize = maxId + 1
    this.eosTokenIds = [...options.eosTokenIds]
    this.padTokenId = options.padTokenId
    this.specialTokenIds = [...tokenizer.get_added_tokens_decoder().entries()]
      .filter(([, token]) => token.special)
      .map(([id]) => id)
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return ''
    return this.tokenizer.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? true,
    })
  }

  tokenBytes(): readonly Uint8Array[] {
    if (this.bytes) return this.bytes
    const special = new Set(this.specialTokenIds)
    const encoder = new TextEncoder()
    const bytes: Uint8Array[] = []
    for (let id = 0; id < this.vocabSize; id++) {
      const token = this.tokenizer.id_to_token(id)
      if (token === undefined || special.has(id)) {
        bytes.push(new Uint8Array(0))
        continue
      }
      bytes.push(byteLevelTokenBytes(token) ?? encoder.encode(token))
    }
    this.bytes = bytes
    return bytes
  }
}
