// The core Tokenizer over @huggingface/tokenizers (the library transformers.js 4 uses), loaded
// from a model folder's tokenizer.json: prompts with the post-processor's special tokens (BOS),
// chat templates rendered with @huggingface/jinja as transformers.js's apply_chat_template does,
// and the exact bytes of every token for byte-level BPE, SentencePiece/Metaspace with byte
// fallback, and added tokens.
import { readFileSync } from 'node:fs'
import { Template } from '@huggingface/jinja'
import { Tokenizer as HuggingFaceTokenizer } from '@huggingface/tokenizers'
import {
  type ChatMessage,
  InvalidArgumentError,
  ModelLoadError,
  type Tokenizer,
} from '@metagen/core'
import { byteLevelTokenBytes } from './byte-level.js'

/** Settings of {@link loadTokenizer}. */
export interface LoadTokenizerOptions {
  /** Path of `tokenizer.json`. */
  tokenizerPath: string
  /** Path of `tokenizer_config.json`, if any. */
  tokenizerConfigPath?: string | undefined
  /**
   * End-of-sequence ids (from generation_config.json / config.json); when empty, the id of
   * tokenizer_config.json's `eos_token`.
   */
  eosTokenIds: readonly number[]
  /** Padding id (default: tokenizer_config.json's `pad_token`, else the first eos id, else 0). */
  padTokenId?: number | undefined
  /**
   * Width of the model's logits (default: the tokenizer's largest id + 1). Ids the tokenizer
   * does not know (padding of the embedding table) decode to nothing and have no bytes.
   */
  vocabSize?: number | undefined
  /** A Jinja chat template; without it, {@link Tokenizer.applyChatTemplate} is absent. */
  chatTemplate?: string | undefined
}

/** How a tokenizer.json spells text in its vocabulary. */
export interface TokenizerFamily {
  /** GPT-2 style byte-to-character mapping (GPT-2, Llama 3, Qwen, SmolLM). */
  byteLevel: boolean
  /** SentencePiece style `▁` for spaces (Llama 2, Gemma, Mistral, Phi-3). */
  metaspace: boolean
  /** `<0x0A>` tokens stand for single bytes. */
  byteFallback: boolean
}

/** The tokenizer's family, from its model, pre-tokenizer, normalizer and decoder. */
export function detectTokenizerFamily(tokenizerJson: Record<string, unknown>): TokenizerFamily {
  const types: Array<Record<string, unknown>> = []
  const collect = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return
    const record = value as Record<string, unknown>
    types.push(record)
    for (const key of ['decoders', 'pretokenizers', 'normalizers', 'processors']) {
      const list = record[key]
      if (Array.isArray(list)) for (const item of list) collect(item)
    }
  }
  for (const key of ['decoder', 'pre_tokenizer', 'normalizer']) collect(tokenizerJson[key])
  const model = (tokenizerJson.model ?? {}) as Record<string, unknown>
  const replacesSpace = (part: Record<string, unknown>): boolean => {
    if (part.type !== 'Replace') return false
    const pattern = part.pattern as Record<string, unknown> | undefined
    return (
      (pattern?.String === '▁' && part.content === ' ') ||
      (pattern?.String === ' ' && part.content === '▁')
    )
  }
  return {
    byteLevel: types.some((part) => part.type === 'ByteLevel'),
    metaspace: types.some((part) => part.type === 'Metaspace' || replacesSpace(part)),
    byteFallback:
      model.byte_fallback === true || types.some((part) => part.type === 'ByteFallback'),
  }
}

/** The chat-template variables transformers.js passes besides `messages`. */
const SPECIAL_TOKEN_ATTRIBUTES = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
]

/** A token given in tokenizer_config.json as a string or an `AddedToken` object. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'object' && value !== null) {
    const content = (value as Record<string, unknown>).content
    if (typeof content === 'string' && content !== '') return content
  }
  return undefined
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
  let template: Template | undefined
  if (options.chatTemplate !== undefined) {
    try {
      template = new Template(options.chatTemplate)
    } catch (error) {
      throw new ModelLoadError({
        source: options.tokenizerConfigPath ?? options.tokenizerPath,
        message: `the chat template does not parse: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      })
    }
  }
  return new HuggingFaceTokenizerAdapter(tokenizer, tokenizerJson, configJson, options, template)
}

class HuggingFaceTokenizerAdapter implements Tokenizer {
  readonly vocabSize: number
  readonly eosTokenIds: readonly number[]
  readonly padTokenId: number
  readonly specialTokenIds: readonly number[]
  readonly applyChatTemplate: ((messages: readonly ChatMessage[]) => string) | undefined
  private readonly tokenizer: HuggingFaceTokenizer
  private readonly family: TokenizerFamily
  private readonly knownIds: number
  private readonly addedContent = new Map<number, string>()
  private readonly addPromptSpecialTokens: boolean
  private bytes: Uint8Array[] | undefined

  constructor(
    tokenizer: HuggingFaceTokenizer,
    tokenizerJson: Record<string, unknown>,
    config: Record<string, unknown>,
    options: LoadTokenizerOptions,
    template: Template | undefined,
  ) {
    const source = options.tokenizerPath
    this.tokenizer = tokenizer
    this.family = detectTokenizerFamily(tokenizerJson)
    const vocab = tokenizer.get_vocab(true)
    let maxId = -1
    for (const id of vocab.values()) maxId = Math.max(maxId, id)
    this.knownIds = maxId + 1
    this.vocabSize = options.vocabSize ?? this.knownIds
    if (this.knownIds > this.vocabSize) {
      throw new ModelLoadError({
        source,
        message: `the tokenizer has ids up to ${maxId} but the model's logits have width ${this.vocabSize} (config.json vocab_size)`,
      })
    }
    const added = [...tokenizer.get_added_tokens_decoder().entries()]
    for (const [id, token] of added) this.addedContent.set(id, token.content)
    this.specialTokenIds = added.filter(([, token]) => token.special).map(([id]) => id)
    const idOf = (key: string): number | undefined => {
      const text = tokenText(config[key])
      return text === undefined ? undefined : tokenizer.token_to_id(text)
    }
    const eos = options.eosTokenIds.length > 0 ? [...options.eosTokenIds] : []
    if (eos.length === 0) {
      const configured = idOf('eos_token')
      if (configured !== undefined) eos.push(configured)
    }
    for (const id of eos) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new ModelLoadError({
          source,
          message: `end-of-sequence id ${id} is outside the vocabulary [0, ${this.vocabSize - 1}]`,
        })
      }
    }
    this.eosTokenIds = eos
    this.padTokenId = options.padTokenId ?? idOf('pad_token') ?? eos[0] ?? 0
    // As transformers.js's text-generation pipeline: the post-processor's special tokens (BOS)
    // go in front of a prompt unless tokenizer_config.json turns both add_bos_token and
    // add_eos_token off explicitly.
    this.addPromptSpecialTokens = !(config.add_bos_token === false && config.add_eos_token !== true)
    if (template) {
      const specials: Record<string, string> = {}
      for (const key of SPECIAL_TOKEN_ATTRIBUTES) {
        const text = tokenText(config[key])
        if (text !== undefined) specials[key] = text
      }
      this.applyChatTemplate = (messages) => {
        if (!Array.isArray(messages) || messages.length === 0) {
          throw new InvalidArgumentError({
            argument: 'messages',
            expected: 'a non-empty array of chat messages',
            received: messages,
          })
        }
        return template.render({
          messages: messages.map((message) => ({ role: message.role, content: message.content })),
          add_generation_prompt: true,
          ...specials,
        })
      }
    } else {
      this.applyChatTemplate = undefined
    }
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids
  }

  encodePrompt(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: this.addPromptSpecialTokens }).ids
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return ''
    const known = ids.filter((id) => id < this.knownIds)
    if (known.length === 0) return ''
    return this.tokenizer.decode(known, {
      skip_special_tokens: options.skipSpecialTokens ?? true,
    })
  }

  tokenBytes(): readonly Uint8Array[] {
    if (this.bytes) return this.bytes
    const special = new Set(this.specialTokenIds)
    const encoder = new TextEncoder()
    const { byteLevel, metaspace, byteFallback } = this.family
    const bytes: Uint8Array[] = []
    for (let id = 0; id < this.vocabSize; id++) {
      const token = id < this.knownIds ? this.tokenizer.id_to_token(id) : undefined
      if (token === undefined || special.has(id)) {
        bytes.push(new Uint8Array(0))
        continue
      }
      // Added tokens hold their literal text, not the vocabulary's spelling.
      const content = this.addedContent.get(id)
      if (content !== undefined) {
        bytes.push(encoder.encode(content))
        continue
      }
      if (byteFallback) {
        const match = /^<0x([0-9A-Fa-f]{2})>$/.exec(token)
        if (match) {
          bytes.push(Uint8Array.of(Number.parseInt(match[1] as string, 16)))
          continue
        }
      }
      if (byteLevel) {
        const decoded = byteLevelTokenBytes(token)
        if (decoded) {
          bytes.push(decoded)
          continue
        }
      }
      bytes.push(encoder.encode(metaspace ? token.replaceAll('▁', ' ') : token))
    }
    this.bytes = bytes
    return bytes
  }
}
