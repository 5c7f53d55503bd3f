// Token healing (Microsoft guidance; NeurIPS 2024 meta-generation tutorial, Part I): a prompt that
// ends mid-token (a trailing space, a partial word, `http:`) forces a tokenisation the model
// rarely saw in training. Healing backs up the prompt's last token(s) and lets the model choose
// how to spell the removed text: the first generated tokens are constrained to start with it.
import { concatBytes, InvalidArgumentError, type Tokenizer } from '@metagen/core'
import type { LogitsProcessor } from './sampling-options.js'

/** Options of {@link healPrompt}. */
export interface TokenHealingOptions {
  /**
   * How many trailing prompt tokens to back up at most, an integer >= 1 (default 1, as guidance).
   * Fewer are removed when the prompt would become empty or a special token (BOS, a chat
   * template's markers) comes first: special tokens carry no text and are never removed.
   */
  maxRemovedTokens?: number
}

/** The result of {@link healPrompt}. */
export interface HealedPrompt {
  /** The prompt without its removed tokens (at least one token is always kept). */
  prompt: number[]
  /** The removed token ids (empty when nothing could be removed). */
  removedTokens: number[]
  /** The bytes of the removed tokens (`tokenizer.tokenBytes()`), which the output must start with. */
  prefixBytes: Uint8Array
  /** `prefixBytes` as text (UTF-8, invalid sequences replaced), for display. */
  prefix: string
}

/**
 * The prompt transform of token healing: removes the last `maxRemovedTokens` (default 1) tokens
 * of `prompt`, never a special token and never the first token (so the healed prompt is not
 * empty), and returns them with the bytes they spell. Decoding from `prompt` with
 * {@link createTokenHealingProcessor}(tokenizer, prefixBytes) then regenerates that text in
 * whatever tokenisation the model prefers. Pure; throws InvalidArgumentError for an empty
 * prompt or a bad `maxRemovedTokens`.
 */
export function healPrompt(
  tokenizer: Tokenizer,
  prompt: readonly number[],
  options: TokenHealingOptions = {},
): HealedPrompt {
  const maxRemoved = options.maxRemovedTokens ?? 1
  if (!Number.isInteger(maxRemoved) || maxRemoved < 1) {
    throw new InvalidArgumentError({
      argument: 'maxRemovedTokens',
      expected: 'an integer >= 1',
      received: maxRemoved,
    })
  }
  if (!Array.isArray(prompt) || prompt.length === 0) {
    throw new InvalidArgumentError({
      argument: 'prompt',
      expected: 'a non-empty array of token ids',
      received: prompt,
    })
  }
  const vocabulary = tokenizer.tokenBytes()
  const special = new Set([...tokenizer.specialTokenIds, ...tokenizer.eosTokenIds])
  let cut = prompt.length
  while (cut > 1 && prompt.length - cut < maxRemoved) {
    const token = prompt[cut - 1] as number
    if (special.has(token) || (vocabulary[token]?.length ?? 0) === 0) break
    cut--
  }
  const removedTokens = prompt.slice(cut)
  const prefixBytes = concatBytes(removedTokens.map((token) => vocabulary[token] as Uint8Array))
  return {
    prompt: prompt.slice(0, cut),
    removedTokens,
    prefixBytes,
    prefix: new TextDecoder().decode(prefixBytes),
  }
}

/**
 * The constraint of token healing, as a per-sequence {@link LogitsProcessor}. Let g be the bytes
 * of the tokens generated so far (`tokenizer.tokenBytes()`) and r the part of `prefixBytes` that
 * g has not covered yet. While r is not empty, a token t stays possible iff its bytes b are not
 * empty and agree with r on their common length (b starts with r, or r starts with b, so a long
 * removed text may be spelt by several tokens); every other token, end-of-text included, gets
 * -Infinity. Once g covers `prefixBytes` the row is returned unchanged (a copy). The removed
 * token(s) always satisfy the constraint, so healing never leaves a sequence without a token.
 */
export function createTokenHealingProcessor(
  tokenizer: Tokenizer,
  prefixBytes: Uint8Array,
): LogitsProcessor {
  const vocabulary = tokenizer.tokenBytes()
  const special = new Set([...tokenizer.specialTokenIds, ...tokenizer.eosTokenIds])
  return (logits, context) => {
    const generated = context.tokens.slice(context.tokens.length - context.generatedCount)
    let covered = 0
    for (const token of generated) {
      covered += vocabulary[token]?.length ?? 0
      if (covered >= prefixBytes.length) return Float32Array.from(logits)
    }
    const rest = prefixBytes.subarray(covered)
    const result = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY)
    for (let token = 0; token < logits.length; token++) {
      const bytes = vocabulary[token]
      if (bytes === undefined || bytes.length === 0 || special.has(token)) continue
      if (agrees(bytes, rest)) result[token] = logits[token] as number
    }
    return result
  }
}

/**
 * The text that `tokenIds` add after a healed prompt: the UTF-8 decoding of their bytes
 * (`tokenizer.tokenBytes()`, special tokens spell nothing) without the first
 * `prefixBytes.length` bytes, which belong to the prompt. Tokens that have not yet covered the
 * prefix add the empty string.
 */
export function healedText(
  tokenizer: Tokenizer,
  tokenIds: readonly number[],
  prefixBytes: Uint8Array,
): string {
  const vocabulary = tokenizer.tokenBytes()
  const bytes = concatBytes(tokenIds.map((token) => vocabulary[token] ?? new Uint8Array(0)))
  if (bytes.length <= prefixBytes.length) return ''
  return new TextDecoder().decode(bytes.subarray(prefixBytes.length))
}

/** True when `a` and `b` are equal on their common length. */
function agrees(a: Uint8Array, b: Uint8Array): boolean {
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return false
  return true
}
