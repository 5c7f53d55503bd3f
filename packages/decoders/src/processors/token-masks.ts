// Processors that forbid or favour given tokens: logit bias, banned tokens and sequences, an
// allow-list, minimum new tokens and no-repeat-n-gram.
import { assertInteger, InvalidArgumentError } from '@metagen/core'

/**
 * Logit bias: x'_t = x_t + bias[t] for every token id t in `bias` (a bias of -Infinity bans
 * the token). Throws InvalidArgumentError for an id outside [0, vocabulary) or a NaN / +Infinity bias.
 */
export function applyLogitBias(
  logits: Float32Array,
  bias: Readonly<Record<number, number>> | ReadonlyMap<number, number>,
): Float32Array {
  const result = Float32Array.from(logits)
  const entries = bias instanceof Map ? [...bias.entries()] : Object.entries(bias)
  for (const [key, value] of entries) {
    const token = Number(key)
    assertTokenId('logitBias', token, logits.length)
    if (typeof value !== 'number' || Number.isNaN(value) || value === Number.POSITIVE_INFINITY) {
      throw new InvalidArgumentError({
        argument: `logitBias[${token}]`,
        expected: 'a finite number or -Infinity',
        received: value,
      })
    }
    result[token] = (result[token] as number) + value
  }
  return result
}

/**
 * Bans tokens: x'_t = -Infinity for every id in `tokenIds`, and for every sequence of
 * `sequences` (bad words as token-id lists) whose all-but-last tokens equal the end of
 * `tokens`, its last token. A one-token sequence is a plain ban. Ids must be in [0, vocabulary).
 */
export function applyBannedTokens(
  logits: Float32Array,
  tokens: readonly number[],
  tokenIds: readonly number[],
  sequences: readonly (readonly number[])[] = [],
): Float32Array {
  const result = Float32Array.from(logits)
  for (const token of tokenIds) {
    assertTokenId('bannedTokenIds', token, logits.length)
    result[token] = Number.NEGATIVE_INFINITY
  }
  for (const sequence of sequences) {
    if (sequence.length === 0) {
      throw new InvalidArgumentError({
        argument: 'bannedSequences',
        expected: 'non-empty token-id sequences',
        received: sequence,
      })
    }
    const last = sequence[sequence.length - 1] as number
    assertTokenId('bannedSequences', last, logits.length)
    const prefix = sequence.length - 1
    if (prefix > tokens.length) continue
    let matches = true
    for (let offset = 0; offset < prefix; offset++) {
      if (tokens[tokens.length - prefix + offset] !== sequence[offset]) {
        matches = false
        break
      }
    }
    if (matches) result[last] = Number.NEGATIVE_INFINITY
  }
  return result
}

/** Allow-list: x'_t = -Infinity for every id NOT in `tokenIds` (ids in [0, vocabulary)). */
export function applyAllowedTokens(
  logits: Float32Array,
  tokenIds: readonly number[],
): Float32Array {
  const result = new Float32Array(logits.length).fill(Number.NEGATIVE_INFINITY)
  for (const token of tokenIds) {
    assertTokenId('allowedTokenIds', token, logits.length)
    result[token] = logits[token] as number
  }
  return result
}

/**
 * Minimum new tokens: while fewer than `minNewTokens` tokens were generated
 * (`generatedCount < minNewTokens`), every end-of-sequence id gets -Infinity; afterwards the
 * logits are unchanged. minNewTokens must be an integer >= 0.
 */
export function applyMinNewTokens(
  logits: Float32Array,
  generatedCount: number,
  minNewTokens: number,
  eosTokenIds: readonly number[],
): Float32Array {
  assertInteger('minNewTokens', minNewTokens, 0)
  const result = Float32Array.from(logits)
  if (generatedCount < minNewTokens) {
    for (const token of eosTokenIds) result[token] = Number.NEGATIVE_INFINITY
  }
  return result
}

/**
 * No-repeat-n-gram (as in Hugging Face): a token t gets -Infinity when the last n-1 tokens of
 * `tokens` followed by t form an n-gram that already occurs in `tokens`. n = 1 bans every token
 * already present. n must be an integer >= 1.
 */
export function applyNoRepeatNgram(
  logits: Float32Array,
  tokens: readonly number[],
  n: number,
): Float32Array {
  assertInteger('noRepeatNgramSize', n, 1)
  const result = Float32Array.from(logits)
  if (tokens.length < n - 1) return result
  const prefixStart = tokens.length - (n - 1)
  for (let start = 0; start + n <= tokens.length; start++) {
    let matches = true
    for (let offset = 0; offset < n - 1; offset++) {
      if (tokens[start + offset] !== tokens[prefixStart + offset]) {
        matches = false
        break
      }
    }
    if (matches) {
      const banned = tokens[start + n - 1] as number
      if (banned < result.length) result[banned] = Number.NEGATIVE_INFINITY
    }
  }
  return result
}

function assertTokenId(argument: string, token: number, vocabularySize: number): void {
  if (!Number.isInteger(token) || token < 0 || token >= vocabularySize) {
    throw new InvalidArgumentError({
      argument,
      expected: `token ids that are integers in [0, ${vocabularySize})`,
      received: token,
    })
  }
}
