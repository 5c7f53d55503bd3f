// A small in-memory TokenModel of our own interface, for unit tests of the decoders only (the
// integration tests in test/ use the real tinymath ONNX models). Not exported by the package.
import {
  type ExtendRequest,
  type ExtendResult,
  InvalidArgumentError,
  mixSeed,
  type SequenceState,
  type Tokenizer,
  type TokenModel,
  type TokenModelStats,
} from '@metagen/core'

/** Logits of the next token after `tokens`, `vocabSize` values. */
export type FakeLogitsFunction = (tokens: readonly number[]) => Float32Array

/** Settings of {@link createFakeTokenModel}. */
export interface FakeTokenModelOptions {
  /** Vocabulary size (default 8): id 0 is eos `<eos>`, id i >= 1 is the letter `String.fromCharCode(96 + i)`. */
  vocabSize?: number
  /** Context length (default 64). */
  maxSequenceLength?: number
  /** Next-token logits (default: pseudo-random, a hash of the last two tokens). */
  logits?: FakeLogitsFunction
  /** Model id (default `fake`). */
  modelId?: string
  /** Throws from `extend` when a request's sequence ends with this token (to test failures). */
  failOnToken?: number
}

/** Pseudo-random logits in [-3, 3) that depend on the last two tokens and a salt. */
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

/** Creates the fake model. */
export function createFakeTokenModel(options: FakeTokenModelOptions = {}): TokenModel & {
  /** Every `extend` call: the batch size and tokens fed. */
  readonly calls: Array<{ batch: number; tokens: number }>
} {
  const vocabSize = options.vocabSize ?? 8
  const logitsOf = options.logits ?? hashedLogits(vocabSize)
  const calls: Array<{ batch: number; tokens: number }> = []
  const stats: TokenModelStats = {
    forwardPasses: 0,
    tokensProcessed: 0,
    batchRows: 0,
    sequencesCreated: 0,
    forks: 0,
    liveSequences: 0,
  }
  const tokenizer: Tokenizer = {
    vocabSize,
    eosTokenIds: [0],
    padTokenId: 0,
    specialTokenIds: [0],
    encode(text) {
      return Array.from(text, (character) => {
        const id = character.charCodeAt(0) - 96
        if (id < 1 || id >= vocabSize) {
          throw new InvalidArgumentError({
            argument: 'text',
            expected: 'letters of the fake vocabulary',
            received: text,
          })
        }
        return id
      })
    },
    decode(ids, decodeOptions) {
      const skip = decodeOptions?.skipSpecialTokens ?? true
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

  class FakeState implements SequenceState {
    tokens: number[] = []
    lastLogits: Float32Array | undefined
    disposed = false
    constructor() {
      stats.liveSequences++
    }
    get length() {
      return this.tokens.length
    }
    fork(): SequenceState {
      if (this.disposed) throw new Error('fork of a disposed state')
      const state = new FakeState()
      state.tokens = [...this.tokens]
      state.lastLogits = this.lastLogits
      stats.forks++
      return state
    }
    dispose() {
      if (!this.disposed) stats.liveSequences--
      this.disposed = true
    }
  }

  return {
    specificationVersion: 'v1',
    modelId: options.modelId ?? 'fake',
    tokenizer,
    vocabSize,
    maxSequenceLength: options.maxSequenceLength ?? 64,
    parameterCount: 1000,
    calls,
    createSequence() {
      stats.sequencesCreated++
      return new FakeState()
    },
    async extend(requests: readonly ExtendRequest[], extendOptions?: { signal?: AbortSignal }) {
      await Promise.resolve()
      if (extendOptions?.signal?.aborted) throw new Error('aborted')
      const seen = new Set<SequenceState>()
      for (const request of requests) {
        if (request.sequence.disposed) throw new Error('extend of a disposed state')
        if (seen.has(request.sequence)) throw new Error('a sequence appears twice in one batch')
        seen.add(request.sequence)
        if (request.tokens.length === 0) throw new Error('no tokens')
        if (request.sequence.length + request.tokens.length > (options.maxSequenceLength ?? 64)) {
          throw new Error('context overflow')
        }
        if (options.failOnToken !== undefined && request.tokens.includes(options.failOnToken)) {
          throw new Error(`fake failure on token ${options.failOnToken}`)
        }
      }
      const results: ExtendResult[] = requests.map((request) => {
        const state = request.sequence as FakeState
        const rows: Float32Array[] = []
        for (const token of request.tokens) {
          state.tokens.push(token)
          rows.push(logitsOf(state.tokens))
        }
        state.lastLogits = rows[rows.length - 1]
        if (request.logits === 'all') {
          const all = new Float32Array(rows.length * vocabSize)
          rows.forEach((row, index) => {
            all.set(row, index * vocabSize)
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
    async close() {},
  }
}
