// A LanguageModel for unit tests of meta-generators and scorers: each sample's text comes from
// a function of the request (or from a script), and the model applies stop sequences and
// maxTokens, counts usage in fake tokens (words or characters), records its requests and its
// peak concurrency, and can fail one sample or a whole call on demand.
import { AbortedError, InvalidArgumentError } from '../errors.js'
import type {
  FinishReason,
  GenerateOutput,
  GenerateRequest,
  GenerateResult,
  LanguageModel,
  LanguageModelCapabilities,
  ModelPrice,
  ScoreContinuationsRequest,
  ScoreContinuationsResult,
  TokenLogprob,
} from '../language-model.js'
import { validateGenerateRequest } from '../request.js'
import { createRng, type Rng } from '../rng.js'

/** How the fake models cut text into tokens: whitespace-separated words, or single characters. */
export type FakeTokenUnit = 'word' | 'character'

/**
 * The fake tokens of `text`: its whitespace-separated words (each without the whitespace) for
 * `'word'`, or its characters (UTF-16 code units) for `'character'`.
 */
export function splitFakeTokens(text: string, unit: FakeTokenUnit): string[] {
  return unit === 'word' ? text.split(/\s+/).filter((word) => word !== '') : Array.from(text)
}

/** The text of `request` as one string: the prompt, or the messages' contents joined by `\n`. */
export function fakePromptText(request: Pick<GenerateRequest, 'prompt' | 'messages'>): string {
  return request.prompt ?? (request.messages ?? []).map((message) => message.content).join('\n')
}

/**
 * Applies a request's limits to a full reply as a backend does while generating: the text is cut
 * before the earliest stop sequence (finish `stop`), then to its first `maxTokens` fake tokens
 * (finish `length`, text kept up to the end of the last whole token). Returns the text, the
 * finish reason and the number of fake tokens generated.
 */
export function applyFakeLimits(
  text: string,
  request: Pick<GenerateRequest, 'stop' | 'maxTokens'>,
  unit: FakeTokenUnit,
): { text: string; finishReason: 'stop' | 'length'; tokens: number } {
  let cut = text.length
  for (const stop of request.stop ?? []) {
    const at = text.indexOf(stop)
    if (at >= 0 && at < cut) cut = at
  }
  const stopped = text.slice(0, cut)
  const tokens = splitFakeTokens(stopped, unit)
  const maxTokens = request.maxTokens
  if (maxTokens === undefined || tokens.length <= maxTokens) {
    return { text: stopped, finishReason: 'stop', tokens: tokens.length }
  }
  if (unit === 'character') {
    return { text: stopped.slice(0, maxTokens), finishReason: 'length', tokens: maxTokens }
  }
  const pattern = /\S+/g
  let end = 0
  for (let count = 0; count < maxTokens; count++) {
    pattern.exec(stopped)
    end = pattern.lastIndex
  }
  return { text: stopped.slice(0, end), finishReason: 'length', tokens: maxTokens }
}

/** What the reply function sees for one sample. */
export interface FakeSample {
  /** The request of the call. */
  request: GenerateRequest
  /** The prompt, or the chat messages' contents joined by `\n` ({@link fakePromptText}). */
  prompt: string
  /** 0-based number of the `generate` call over the model's life. */
  callIndex: number
  /** 0-based index of this sample among the call's `n`. */
  outputIndex: number
  /** 0-based number of this sample over the model's life (counting every call's samples). */
  sampleIndex: number
  /**
   * A generator seeded from `request.seed` (0 when absent) and `outputIndex`, so that replies
   * drawn from it replay exactly for the same seed.
   */
  rng: Rng
}

/**
 * One sample's reply: its full text (limits are applied afterwards), an Error (the sample fails
 * with finish reason `error` while the call's other samples are kept), or the text with token
 * log-probabilities and a finish reason of its own (used when no limit cuts the text).
 */
export type FakeReply =
  | string
  | Error
  | { text: string; logprobs?: readonly TokenLogprob[]; finishReason?: FinishReason }

/** Options of {@link createFakeLanguageModel}. */
export interface FakeLanguageModelOptions {
  /** Each sample's reply: a fixed string or a function of the sample. */
  reply: string | ((sample: FakeSample) => FakeReply)
  /** Provider name (default `fake`). */
  provider?: string
  /** Model id (default `fake-model`). */
  modelId?: string
  /**
   * Capabilities (defaults: logprobs false, nativeN true, seed true, chat true, continuation
   * `native`; scoring is true
   * exactly when `scoreContinuations` is given). Only advertised: the fake answers every request.
   */
  capabilities?: Partial<Omit<LanguageModelCapabilities, 'scoring'>>
  /** Unit of maxTokens and of usage counts (default `word`). */
  tokenUnit?: FakeTokenUnit
  /**
   * Log-probability of each fake token (default -0.5): used for the logprobs of generated text
   * (when requested and the logprobs capability is on and the reply has none of its own) and by
   * the built-in `scoreContinuations`.
   */
  tokenLogprob?: (token: string, position: number) => number
  /**
   * `true` for a built-in `scoreContinuations` that gives every fake token of each continuation
   * its `tokenLogprob`, or a function that replaces it. Absent: the model cannot score.
   */
  scoreContinuations?:
    | true
    | ((
        request: ScoreContinuationsRequest,
      ) => ScoreContinuationsResult | Promise<ScoreContinuationsResult>)
  /** When it returns an error for a call, that whole `generate` call throws it (after `delayMs`). */
  failCall?: (request: GenerateRequest, callIndex: number) => Error | undefined
  /** Milliseconds each `generate` call waits before answering (default 0), to exercise concurrency. */
  delayMs?: number
  /**
   * A price: the model advertises it as `price` and reports `usage.costUsd` of every call
   * (input and output fake tokens at the per-million rates). Absent: no cost.
   */
  price?: ModelPrice
  /**
   * When true the model has `maxInputTokens`, which returns exactly the input tokens a call
   * will report (the prompt's fake tokens). Absent: budgets use the byte bound of core.
   */
  countsInputTokens?: boolean
}

/** The fake language model plus what it recorded. */
export interface FakeLanguageModel extends LanguageModel {
  /** Every `generate` request, in call order (including calls that failed). */
  readonly requests: readonly GenerateRequest[]
  /** Every `scoreContinuations` request, in call order. */
  readonly scoreRequests: readonly ScoreContinuationsRequest[]
  /** The most `generate` calls that were in flight at once. */
  readonly peakConcurrency: number
}

/**
 * Creates a fake {@link LanguageModel}. A `generate` call validates the request like a backend
 * ({@link validateGenerateRequest}), throws {@link AbortedError} when its signal is aborted,
 * then produces `n` samples: each sample's reply, cut at the first stop sequence and at
 * `maxTokens` fake tokens ({@link applyFakeLimits}). Usage: input tokens are the fake tokens of
 * the prompt text, output tokens those of the returned texts, one call per `generate`.
 * An exception thrown by `reply` makes the whole call throw it.
 */
export function createFakeLanguageModel(options: FakeLanguageModelOptions): FakeLanguageModel {
  if (!options || (typeof options.reply !== 'string' && typeof options.reply !== 'function')) {
    throw new InvalidArgumentError({
      argument: 'options.reply',
      expected: 'a string or a function (sample) => reply',
      received: options?.reply,
    })
  }
  const unit = options.tokenUnit ?? 'word'
  const tokenLogprob = options.tokenLogprob ?? (() => -0.5)
  const reply = options.reply
  const replyOf = typeof reply === 'string' ? () => reply : reply
  const requests: GenerateRequest[] = []
  const scoreRequests: ScoreContinuationsRequest[] = []
  let samples = 0
  let active = 0
  let peak = 0

  const logprobsOf = (text: string): TokenLogprob[] =>
    splitFakeTokens(text, unit).map((token, position) => ({
      token,
      logprob: tokenLogprob(token, position),
    }))

  const capabilities: LanguageModelCapabilities = {
    logprobs: options.capabilities?.logprobs ?? false,
    nativeN: options.capabilities?.nativeN ?? true,
    seed: options.capabilities?.seed ?? true,
    chat: options.capabilities?.chat ?? true,
    continuation: options.capabilities?.continuation ?? 'native',
    scoring: options.scoreContinuations !== undefined,
  }

  const model: FakeLanguageModel = {
    specificationVersion: 'v1',
    provider: options.provider ?? 'fake',
    modelId: options.modelId ?? 'fake-model',
    capabilities,
    requests,
    scoreRequests,
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
        validateGenerateRequest(request)
        if (request.signal?.aborted) throw new AbortedError()
        const failure = options.failCall?.(request, callIndex)
        if (failure) throw failure
        const prompt = fakePromptText(request)
        const outputs: GenerateOutput[] = []
        let outputTokens = 0
        const n = request.n ?? 1
        for (let outputIndex = 0; outputIndex < n; outputIndex++) {
          const sample: FakeSample = {
            request,
            prompt,
            callIndex,
            outputIndex,
            sampleIndex: samples++,
            rng: createRng(request.seed ?? 0).fork(outputIndex),
          }
          const answer = replyOf(sample)
          if (answer instanceof Error) {
            outputs.push({ text: '', finishReason: 'error', error: answer })
            continue
          }
          const full = typeof answer === 'string' ? { text: answer } : answer
          const limited = applyFakeLimits(full.text, request, unit)
          const cut = limited.text.length < full.text.length
          outputTokens += limited.tokens
          const output: GenerateOutput = {
            text: limited.text,
            finishReason: cut ? limited.finishReason : (full.finishReason ?? 'stop'),
          }
          if (request.logprobs && capabilities.logprobs) {
            output.logprobs = full.logprobs
              ? full.logprobs.slice(0, limited.tokens)
              : logprobsOf(limited.text)
          }
          outputs.push(output)
        }
        const inputTokens = splitFakeTokens(prompt, unit).length
        const price = options.price
        return {
          outputs,
          usage: {
            inputTokens,
            outputTokens,
            calls: 1,
            ...(price
              ? {
                  costUsd:
                    (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) /
                    1e6,
                }
              : {}),
          },
          warnings: [],
        }
      } finally {
        active--
      }
    },
  }
  if (options.price) Object.assign(model, { price: { ...options.price } })
  if (options.countsInputTokens) {
    model.maxInputTokens = (request) => splitFakeTokens(fakePromptText(request), unit).length
  }
  const score = options.scoreContinuations
  if (score !== undefined) {
    model.scoreContinuations = async (request) => {
      scoreRequests.push(request)
      if (request.signal?.aborted) throw new AbortedError()
      if (score !== true) return score(request)
      return {
        continuations: request.continuations.map((continuation) => ({
          logprobs: logprobsOf(continuation),
        })),
        usage: {
          inputTokens: splitFakeTokens(request.prompt, unit).length * request.continuations.length,
          outputTokens: 0,
          calls: 1,
        },
      }
    }
  }
  return model
}

/** Options of {@link createScriptedLanguageModel}: those of the fake model, with a script for `reply`. */
export interface ScriptedLanguageModelOptions extends Omit<FakeLanguageModelOptions, 'reply'> {
  /**
   * The replies of successive samples, in order over the model's life (sample k gets entry k).
   * An entry may be a function of the sample. Asking for more samples than the script holds
   * makes that `generate` call throw {@link InvalidArgumentError}.
   */
  script: ReadonlyArray<FakeReply | ((sample: FakeSample) => FakeReply)>
}

/**
 * A fake language model that replies from a script: sample k (counted over the model's life)
 * gets `script[k]`. Everything else is {@link createFakeLanguageModel}.
 */
export function createScriptedLanguageModel(
  options: ScriptedLanguageModelOptions,
): FakeLanguageModel {
  const { script, ...rest } = options
  if (!Array.isArray(script)) {
    throw new InvalidArgumentError({
      argument: 'options.script',
      expected: 'an array of replies',
      received: script,
    })
  }
  return createFakeLanguageModel({
    ...rest,
    reply: (sample) => {
      const entry = script[sample.sampleIndex]
      if (entry === undefined) {
        throw new InvalidArgumentError({
          argument: 'script',
          expected: `a reply for sample ${sample.sampleIndex} (the script holds ${script.length})`,
          received: undefined,
        })
      }
      return typeof entry === 'function' ? entry(sample) : entry
    },
  })
}
