// Test helpers for unit tests of the algorithms: a scripted LanguageModel and Scorer of our own
// interfaces (not exported from the package). Tokens are whitespace-separated words.
import type {
  GenerateOutput,
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  ScoreRequest,
  Scorer,
} from '@metagen/core'

/** Options of {@link createFakeLanguageModel}. */
export interface FakeLanguageModelOptions {
  /** Produces the text (or an error) of sample `sampleIndex` (counted over the model's life). */
  respond: (request: GenerateRequest, sampleIndex: number) => string | Error
  /** Whether n samples come from one call (default true). */
  nativeN?: boolean
  /** Whether the model takes chat messages (default false). */
  chat?: boolean
  /** When set, the whole call with this 0-based call number throws it. */
  throwOnCall?: (callIndex: number) => Error | undefined
  /** Milliseconds each call takes (default 0), to exercise concurrency. */
  delayMs?: number
}

/** A scripted model that also records its requests and its peak concurrency. */
export interface FakeLanguageModel extends LanguageModel {
  readonly requests: GenerateRequest[]
  readonly peakConcurrency: number
}

/** Creates a scripted model: output tokens = words, truncated to maxTokens (finish `length`). */
export function createFakeLanguageModel(options: FakeLanguageModelOptions): FakeLanguageModel {
  const requests: GenerateRequest[] = []
  let samples = 0
  let active = 0
  let peak = 0
  return {
    specificationVersion: 'v1',
    provider: 'fake',
    modelId: 'fake-model',
    capabilities: {
      logprobs: false,
      nativeN: options.nativeN ?? true,
      seed: true,
      scoring: false,
      chat: options.chat ?? false,
    },
    get requests() {
      return requests
    },
    get peakConcurrency() {
      return peak
    },
    async generate(request: GenerateRequest): Promise<GenerateResult> {
      const callIndex = requests.length
      requests.push(request)
      active++
      peak = Math.max(peak, active)
      try {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0))
        const thrown = options.throwOnCall?.(callIndex)
        if (thrown) throw thrown
        const outputs: GenerateOutput[] = []
        let outputTokens = 0
        for (let index = 0; index < (request.n ?? 1); index++) {
          const response = options.respond(request, samples++)
          if (response instanceof Error) {
            outputs.push({ text: '', finishReason: 'error', error: response })
            continue
          }
          let words = response.split(/\s+/).filter((word) => word !== '')
          let finishReason: GenerateOutput['finishReason'] = 'stop'
          if (request.maxTokens !== undefined && words.length > request.maxTokens) {
            words = words.slice(0, request.maxTokens)
            finishReason = 'length'
          }
          outputTokens += words.length
          outputs.push({ text: words.join(' '), finishReason })
        }
        return { outputs, usage: { inputTokens: 3, outputTokens, calls: 1 }, warnings: [] }
      } finally {
        active--
      }
    },
  }
}

/** A scorer whose outcome score is `score(output)`; usage counts one call per batch. */
export function createFakeScorer(
  score: (request: ScoreRequest) => number | undefined,
): Scorer & { readonly batches: number[] } {
  const batches: number[] = []
  return {
    specificationVersion: 'v1',
    name: 'fake-scorer',
    kind: { outcome: true, process: false },
    batches,
    async score(requests) {
      batches.push(requests.length)
      return {
        scores: requests.map((request) => ({ value: score(request) })),
        usage: { inputTokens: requests.length, outputTokens: 0, calls: 1 },
      }
    },
  }
}
