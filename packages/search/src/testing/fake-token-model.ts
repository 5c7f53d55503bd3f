// Hand-written fakes of our own TokenModel and LanguageModel interfaces, for unit tests of the
// search algorithms only (integration tests use the real tinymath models). The fake "language":
// after the prompt's `A:`, steps ` d.` with d a uniformly random digit, end-of-text after
// `steps` steps. A character-level tokenizer; the cache is simulated and counted like a backend.
import {
  createRng,
  type ExtendRequest,
  type GenerateRequest,
  type GenerateResult,
  type LanguageModel,
  type SequenceState,
  type Tokenizer,
  type TokenModel,
  type TokenModelStats,
} from '@metagen/core'
import { sampleToken } from '../sample-token.js'

const characters = [
  '\n',
  ...Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index)),
]

/** Character tokenizer: id 0 is end-of-text, ids 1.. are `\n` and printable ASCII. */
export function createCharacterTokenizer(): Tokenizer {
  const idOf = new Map(characters.map((character, index) => [character, index + 1]))
  return {
    vocabSize: characters.length + 1,
    eosTokenIds: [0],
    padTokenId: 0,
    specialTokenIds: [0],
    encode(text) {
      return Array.from(text, (character) => {
        const id = idOf.get(character)
        if (id === undefined) throw new Error(`fake tokenizer: no token for ${character}`)
        return id
      })
    },
    decode(ids) {
      return ids.map((id) => (id === 0 ? '' : (characters[id - 1] ?? ''))).join('')
    },
    tokenBytes() {
      return [
        new Uint8Array(),
        ...characters.map((character) => new TextEncoder().encode(character)),
      ]
    },
  }
}

/** The fake language's next-token logits after `text` (0 for allowed tokens, -Infinity otherwise). */
export function fakeLogits(tokenizer: Tokenizer, text: string, steps: number): Float32Array {
  const logits = new Float32Array(tokenizer.vocabSize).fill(Number.NEGATIVE_INFINITY)
  const marker = text.lastIndexOf('A:')
  const generated = marker === -1 ? '' : text.slice(marker + 2)
  const done = (generated.match(/\./g) ?? []).length
  const allow = (character: string) => {
    logits[tokenizer.encode(character)[0] as number] = 0
  }
  if (generated === '' || generated.endsWith('.')) {
    if (done >= steps) logits[0] = 0
    else allow(' ')
  } else if (generated.endsWith(' ')) {
    for (let digit = 0; digit <= 9; digit++) allow(String(digit))
  } else {
    allow('.')
  }
  return logits
}

/** Options of {@link createFakeTokenModel}. */
export interface FakeTokenModelOptions {
  /** Steps before end-of-text (default 3). */
  steps?: number
  /** Longest sequence (default 512). */
  maxSequenceLength?: number
}

/** A fake TokenModel over the fake language, with real fork/extend semantics and counters. */
export function createFakeTokenModel(options: FakeTokenModelOptions = {}): TokenModel {
  const tokenizer = createCharacterTokenizer()
  const steps = options.steps ?? 3
  const stats: TokenModelStats = {
    forwardPasses: 0,
    tokensProcessed: 0,
    batchRows: 0,
    sequencesCreated: 0,
    forks: 0,
    liveSequences: 0,
  }
  class FakeSequence implements SequenceState {
    tokens: number[]
    lastLogits: Float32Array | undefined
    disposed = false
    constructor(tokens: number[], lastLogits: Float32Array | undefined) {
      this.tokens = tokens
      this.lastLogits = lastLogits
      stats.liveSequences++
    }
    get length() {
      return this.tokens.length
    }
    fork(): SequenceState {
      if (this.disposed) throw new Error('fork of a disposed sequence')
      stats.forks++
      return new FakeSequence([...this.tokens], this.lastLogits)
    }
    dispose() {
      if (this.disposed) return
      this.disposed = true
      stats.liveSequences--
    }
  }
  return {
    specificationVersion: 'v1',
    modelId: 'fake-token-model',
    tokenizer,
    vocabSize: tokenizer.vocabSize,
    maxSequenceLength: options.maxSequenceLength ?? 512,
    parameterCount: 1000,
    createSequence() {
      stats.sequencesCreated++
      return new FakeSequence([], undefined)
    },
    async extend(requests: readonly ExtendRequest[]) {
      stats.forwardPasses++
      stats.batchRows += requests.length
      return requests.map((request) => {
        const sequence = request.sequence as FakeSequence
        if (sequence.disposed) throw new Error('extend of a disposed sequence')
        if (sequence.length + request.tokens.length > (options.maxSequenceLength ?? 512)) {
          throw new Error('sequence too long')
        }
        stats.tokensProcessed += request.tokens.length
        sequence.tokens = [...sequence.tokens, ...request.tokens]
        const logits = fakeLogits(tokenizer, tokenizer.decode(sequence.tokens), steps)
        sequence.lastLogits = logits
        return { logits, rows: 1 }
      })
    },
    stats: () => ({ ...stats }),
    async close() {},
  }
}

/** A fake LanguageModel over the fake language (n samples, stop strings, maxTokens, seed). */
export function createFakeLanguageModel(options: { steps?: number } = {}): LanguageModel & {
  requests: GenerateRequest[]
} {
  const tokenizer = createCharacterTokenizer()
  const steps = options.steps ?? 3
  const requests: GenerateRequest[] = []
  return {
    specificationVersion: 'v1',
    provider: 'fake',
    modelId: 'fake-language-model',
    capabilities: { logprobs: false, nativeN: true, seed: true, scoring: false, chat: false },
    requests,
    async generate(request): Promise<GenerateResult> {
      requests.push(request)
      const rng = createRng(request.seed ?? 0)
      const prompt = request.prompt ?? ''
      const outputs = Array.from({ length: request.n ?? 1 }, () => {
        const ids: number[] = []
        let text = ''
        let finishReason: 'stop' | 'length' = 'length'
        while (ids.length < (request.maxTokens ?? 100)) {
          const token = sampleToken(
            fakeLogits(tokenizer, prompt + text, steps),
            request.temperature ?? 1,
            rng,
          )
          ids.push(token)
          if (token === 0) {
            finishReason = 'stop'
            break
          }
          text += tokenizer.decode([token])
          const stop = request.stop?.find((candidate) => text.includes(candidate))
          if (stop !== undefined) {
            text = text.slice(0, text.indexOf(stop))
            finishReason = 'stop'
            break
          }
        }
        return { text, finishReason, tokenIds: ids }
      })
      const outputTokens = outputs.reduce((sum, output) => sum + output.tokenIds.length, 0)
      return {
        outputs,
        usage: { inputTokens: tokenizer.encode(prompt).length, outputTokens, calls: 1 },
        warnings: [],
      }
    },
  }
}
