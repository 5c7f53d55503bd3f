// An in-memory TokenModel for unit tests of decoders and searches: next-token logits come from a
// function (or a table) of the tokens so far, and sequences fork, extend and dispose with the
// semantics and counters of the real spec, so that cache sharing and leaks can be asserted.
import { AbortedError, InvalidArgumentError, MetagenError } from '../errors.js'
import { mixSeed } from '../rng.js'
import type {
  ExtendRequest,
  ExtendResult,
  SequenceState,
  TokenModel,
  TokenModelStats,
} from '../token-model.js'
import type { Tokenizer } from '../tokenizer.js'
import { assertTruncateLength } from '../validate.js'
import { createLetterTokenizer } from './fake-tokenizers.js'

/** Next-token logits after `tokens` (the whole sequence, prompt included): `vocabSize` values. */
export type FakeLogitsFunction = (tokens: readonly number[]) => Float32Array

/**
 * Pseudo-random logits in [-3, 3) that depend only on the last two tokens and `salt`, the same
 * on every platform (an integer hash, {@link mixSeed}). Different salts give unrelated models.
 */
export function hashedLogits(vocabSize: number, salt = 0): FakeLogitsFunction {
  return (tokens) => {
    const key = `${tokens[tokens.length - 2] ?? -1},${tokens[tokens.length - 1] ?? -1}`
    const row = new Float32Array(vocabSize)
    for (let index = 0; index < vocabSize; index++) {
      row[index] = (mixSeed(salt, `${key}:${index}`) / 0x100000000) * 6 - 3
    }
    return row
  }
}

/** Options of {@link tableLogits}. */
export interface TableLogitsOptions {
  /** Width of every row. */
  vocabSize: number
  /** Logits rows by context key; each row has exactly `vocabSize` values. */
  rows: Readonly<Record<string, readonly number[]>>
  /** The key of a context (default: the token ids joined by `,`, e.g. `1,2`; `''` when empty). */
  key?: (tokens: readonly number[]) => string
  /** Logits of a context whose key is not in `rows` (default: throw, naming the key). */
  fallback?: FakeLogitsFunction
}

/**
 * Logits looked up in a table, for tests that spell out the distribution at every step. Rows
 * are checked when the table is made: a row of the wrong width throws
 * {@link InvalidArgumentError}; so does a context without a row when no fallback is given.
 */
export function tableLogits(options: TableLogitsOptions): FakeLogitsFunction {
  const { vocabSize, rows } = options
  for (const [key, row] of Object.entries(rows)) {
    if (!Array.isArray(row) || row.length !== vocabSize) {
      throw new InvalidArgumentError({
        argument: `rows[${JSON.stringify(key)}]`,
        expected: `an array of ${vocabSize} logits`,
        received: row,
      })
    }
  }
  const keyOf = options.key ?? ((tokens: readonly number[]) => tokens.join(','))
  return (tokens) => {
    const key = keyOf(tokens)
    const row = Object.hasOwn(rows, key) ? rows[key] : undefined
    if (row !== undefined) return Float32Array.from(row)
    if (options.fallback) return options.fallback(tokens)
    throw new InvalidArgumentError({
      argument: 'tokens',
      expected: `a context with a row in the logits table (keys: ${Object.keys(rows)
        .map((row) => JSON.stringify(row))
        .join(', ')})`,
      received: key,
    })
  }
}

/** Options of {@link createFakeTokenModel}. */
export interface FakeTokenModelOptions {
  /**
   * The tokenizer (default {@link createLetterTokenizer} of `vocabSize`: id 0 eos, then `a`, `b`, ...).
   * Its `vocabSize` is the model's.
   */
  tokenizer?: Tokenizer
  /** Vocabulary size of the default letter tokenizer (default 8); ignored with `tokenizer`. */
  vocabSize?: number
  /** Next-token logits (default {@link hashedLogits} of the vocabulary size, salt 0). */
  logits?: FakeLogitsFunction
  /** Longest sequence in tokens (default 64); a longer extend throws. */
  maxSequenceLength?: number
  /** Model id (default `fake-token-model`). */
  modelId?: string
  /** Reported parameter count, for FLOP estimates (default 1000). */
  parameterCount?: number
  /** When a request of an `extend` call feeds this token, the whole call throws (to test failures). */
  failOnToken?: number
}

/** One batched forward pass of the fake model. */
export interface FakeExtendCall {
  /** Sequences in the batch. */
  batch: number
  /** Tokens fed, summed over the batch. */
  tokens: number
}

/** The fake token model plus what it recorded. */
export interface FakeTokenModel extends TokenModel {
  /** Every successful `extend` call, in order. */
  readonly calls: readonly FakeExtendCall[]
  /** True once `close` was called; the model then refuses work. */
  readonly closed: boolean
}

/**
 * Creates a fake {@link TokenModel}. It follows the spec as a backend does: `extend` appends
 * tokens in place and returns `'last'` or `'all'` logits rows; a fork copies the tokens and
 * shares `lastLogits`; `truncate` rolls a sequence back by bookkeeping (no model call);
 * `dispose` is idempotent; stats count forward passes, tokens, batch rows, sequences created,
 * forks and live sequences. An `extend` call is checked as a whole before any sequence changes: a disposed or foreign sequence, one that appears twice, an empty token
 * list, a token id outside the vocabulary or a sequence longer than `maxSequenceLength` throws
 * {@link InvalidArgumentError}; an aborted signal throws {@link AbortedError}; `failOnToken`
 * throws a {@link MetagenError}. After `close`, `createSequence` and `extend` throw.
 */
export function createFakeTokenModel(options: FakeTokenModelOptions = {}): FakeTokenModel {
  const tokenizer = options.tokenizer ?? createLetterTokenizer(options.vocabSize ?? 8)
  const vocabSize = tokenizer.vocabSize
  const maxSequenceLength = options.maxSequenceLength ?? 64
  const logitsOf = options.logits ?? hashedLogits(vocabSize)
  const calls: FakeExtendCall[] = []
  const stats: TokenModelStats = {
    forwardPasses: 0,
    tokensProcessed: 0,
    batchRows: 0,
    sequencesCreated: 0,
    forks: 0,
    liveSequences: 0,
  }
  let closed = false

  const assertOpen = (method: string) => {
    if (closed) {
      throw new InvalidArgumentError({
        argument: 'model',
        expected: `an open model (${method} after close())`,
        received: 'closed',
      })
    }
  }

  class FakeSequence implements SequenceState {
    tokens: number[]
    lastLogits: Float32Array | undefined
    disposed = false
    /** Rows of the latest extend: `rows[i]` follows position `end - rows.length + i`. */
    recent: { rows: Float32Array[]; end: number } | undefined
    constructor(
      tokens: number[],
      lastLogits: Float32Array | undefined,
      recent?: { rows: Float32Array[]; end: number },
    ) {
      this.tokens = tokens
      this.lastLogits = lastLogits
      this.recent = recent
      stats.liveSequences++
    }
    truncate(length: number): void {
      if (this.disposed) {
        throw new InvalidArgumentError({
          argument: 'sequence',
          expected: 'a sequence that is not disposed',
          received: 'a disposed sequence',
        })
      }
      assertTruncateLength(length, this.tokens.length)
      if (length === this.tokens.length) return
      this.tokens = this.tokens.slice(0, length)
      const recent = this.recent
      const row = recent ? length - 1 - (recent.end - recent.rows.length) : -1
      this.lastLogits = recent && row >= 0 ? recent.rows[row] : undefined
    }
    get length() {
      return this.tokens.length
    }
    fork(): SequenceState {
      if (this.disposed) {
        throw new InvalidArgumentError({
          argument: 'sequence',
          expected: 'a sequence that is not disposed',
          received: 'a disposed sequence',
        })
      }
      stats.forks++
      return new FakeSequence([...this.tokens], this.lastLogits, this.recent)
    }
    dispose() {
      if (this.disposed) return
      this.disposed = true
      stats.liveSequences--
    }
  }

  const logitsRow = (tokens: readonly number[]): Float32Array => {
    const row = logitsOf(tokens)
    if (!(row instanceof Float32Array) || row.length !== vocabSize) {
      throw new InvalidArgumentError({
        argument: 'options.logits',
        expected: `a function returning a Float32Array of ${vocabSize} logits`,
        received: row,
      })
    }
    return row
  }

  return {
    specificationVersion: 'v1',
    modelId: options.modelId ?? 'fake-token-model',
    tokenizer,
    vocabSize,
    maxSequenceLength,
    parameterCount: options.parameterCount ?? 1000,
    calls,
    get closed() {
      return closed
    },
    createSequence() {
      assertOpen('createSequence')
      stats.sequencesCreated++
      return new FakeSequence([], undefined)
    },
    async extend(requests: readonly ExtendRequest[], extendOptions?: { signal?: AbortSignal }) {
      await Promise.resolve()
      assertOpen('extend')
      if (extendOptions?.signal?.aborted) throw new AbortedError()
      if (requests.length === 0) {
        throw new InvalidArgumentError({
          argument: 'requests',
          expected: 'a non-empty array of extend requests',
          received: requests,
        })
      }
      const seen = new Set<SequenceState>()
      requests.forEach((request, index) => {
        const argument = `requests[${index}]`
        if (!(request.sequence instanceof FakeSequence)) {
          throw new InvalidArgumentError({
            argument: `${argument}.sequence`,
            expected: 'a sequence created by this model',
            received: request.sequence,
          })
        }
        if (request.sequence.disposed) {
          throw new InvalidArgumentError({
            argument: `${argument}.sequence`,
            expected: 'a sequence that is not disposed',
            received: 'a disposed sequence',
          })
        }
        if (seen.has(request.sequence)) {
          throw new InvalidArgumentError({
            argument: `${argument}.sequence`,
            expected: 'each sequence at most once per batch',
            received: 'a sequence that appears twice',
          })
        }
        seen.add(request.sequence)
        if (request.tokens.length === 0) {
          throw new InvalidArgumentError({
            argument: `${argument}.tokens`,
            expected: 'at least one token',
            received: request.tokens,
          })
        }
        for (const token of request.tokens) {
          if (!Number.isInteger(token) || token < 0 || token >= vocabSize) {
            throw new InvalidArgumentError({
              argument: `${argument}.tokens`,
              expected: `token ids in [0, ${vocabSize})`,
              received: token,
            })
          }
        }
        if (request.sequence.length + request.tokens.length > maxSequenceLength) {
          throw new InvalidArgumentError({
            argument: `${argument}.tokens`,
            expected: `at most ${maxSequenceLength - request.sequence.length} more tokens (maxSequenceLength ${maxSequenceLength})`,
            received: request.tokens.length,
          })
        }
        if (options.failOnToken !== undefined && request.tokens.includes(options.failOnToken)) {
          throw new MetagenError(`fake failure on token ${options.failOnToken}`)
        }
      })
      // Compute every row before changing any sequence: on error nothing changes.
      const computed = requests.map((request) => {
        const tokens = [...request.sequence.tokens]
        const rows = request.tokens.map((token) => {
          tokens.push(token)
          return logitsRow(tokens)
        })
        return { tokens, rows }
      })
      const results: ExtendResult[] = requests.map((request, index) => {
        const { tokens, rows } = computed[index] as (typeof computed)[number]
        const sequence = request.sequence as FakeSequence
        sequence.tokens = tokens
        sequence.lastLogits = rows[rows.length - 1]
        // Like a backend, keep only the rows that were returned.
        sequence.recent = {
          rows: request.logits === 'all' ? rows : [rows[rows.length - 1] as Float32Array],
          end: tokens.length,
        }
        if (request.logits === 'all') {
          const all = new Float32Array(rows.length * vocabSize)
          rows.forEach((row, rowIndex) => {
            all.set(row, rowIndex * vocabSize)
          })
          return { logits: all, rows: rows.length }
        }
        return { logits: rows[rows.length - 1] as Float32Array, rows: 1 }
      })
      const tokens = requests.reduce((total, request) => total + request.tokens.length, 0)
      stats.forwardPasses++
      stats.tokensProcessed += tokens
      stats.batchRows += requests.length
      calls.push({ batch: requests.length, tokens })
      return results
    },
    stats() {
      return { ...stats }
    },
    async close() {
      closed = true
    },
  }
}
