// A hand-written fake of our own LanguageModel interface for unit tests: replies come from a
// function of the request; scoreContinuations gives one log-probability per character.
import type {
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  ScoreContinuationsRequest,
  ScoreContinuationsResult,
} from '@metagen/core'

/** Options of {@link createFakeLanguageModel}. */
export interface FakeLanguageModelOptions {
  /** The reply text (or a thrown error) for a request. */
  reply?: (request: GenerateRequest) => string
  /** Whether scoreContinuations exists. */
  scoring?: boolean
  /** Log-probability of each character of a continuation (default -0.5). */
  logprob?: (character: string) => number
  /** Replaces scoreContinuations. */
  scoreContinuations?: (request: ScoreContinuationsRequest) => Promise<ScoreContinuationsResult>
}

/** A fake language model that records its requests. */
export function createFakeLanguageModel(options: FakeLanguageModelOptions = {}) {
  const requests: GenerateRequest[] = []
  const scoreRequests: ScoreContinuationsRequest[] = []
  const scoring = options.scoring ?? true
  const model: LanguageModel = {
    specificationVersion: 'v1',
    provider: 'fake',
    modelId: 'fake-model',
    capabilities: { logprobs: false, nativeN: false, seed: false, scoring, chat: true },
    async generate(request): Promise<GenerateResult> {
      requests.push(request)
      const text = (options.reply ?? (() => 'Score: 5'))(request)
      return {
        outputs: [{ text, finishReason: 'stop' }],
        usage: { inputTokens: 10, outputTokens: 3, calls: 1 },
        warnings: [],
      }
    },
    ...(scoring
      ? {
          scoreContinuations:
            options.scoreContinuations ??
            (async (request: ScoreContinuationsRequest) => {
              scoreRequests.push(request)
              return {
                continuations: request.continuations.map((continuation) => ({
                  logprobs: Array.from(continuation, (character) => ({
                    token: character,
                    logprob: (options.logprob ?? (() => -0.5))(character),
                  })),
                })),
                usage: { inputTokens: request.prompt.length, outputTokens: 0, calls: 1 },
              }
            }),
        }
      : {}),
  }
  return { model, requests, scoreRequests }
}
