// The base class of metagen's remote language models: model id and provider, a request runner
// (concurrency, retries, counters), generate/stream on top of one `run`, and SDK call options.
import { compact, type GenerateRequest, type GenerateResult } from '@metagen/core'
import { assertModelId } from './assert-model-id.js'
import type { ClassifiedError, RetryPolicy } from './call-with-retry.js'
import { streamFailure } from './classify-api-error.js'
import { RemoteCallRunner, type RemoteCallStats } from './remote-call-runner.js'
import {
  type GenerationStreamPart,
  streamGeneration,
  type TextDeltaHandler,
} from './stream-generation.js'

/** What a {@link RemoteLanguageModel} needs from its provider. */
export interface RemoteLanguageModelSettings {
  /** Provider name in results, traces and error messages, e.g. `openai`. */
  provider: string
  /** Maximum HTTP attempts in flight for this model instance, an integer >= 1. */
  concurrency: number
  /** Retry policy of every request. */
  retry: RetryPolicy
  /** Timeout of one HTTP attempt, in milliseconds (passed to the SDK by {@link RemoteLanguageModel.requestOptions}). */
  timeoutMs: number
}

/**
 * A language model behind an HTTP API. Subclasses implement `run` (one generation, reporting
 * streamed text through `onDelta`) and `classify` (the SDK's errors), send every HTTP attempt
 * through `runner` and pass `requestOptions(signal)` to the SDK (its own retries off).
 */
export abstract class RemoteLanguageModel {
  readonly specificationVersion = 'v1' as const
  /** Provider name, from the settings. */
  readonly provider: string
  /** The model id sent to the API. */
  readonly modelId: string
  /** Sends the HTTP attempts of this instance (concurrency limit, retries, counters). */
  protected readonly runner: RemoteCallRunner
  /** Timeout of one HTTP attempt, in milliseconds. */
  protected readonly timeoutMs: number

  /** Throws InvalidArgumentError for a blank `modelId` or a concurrency that is not an integer >= 1. */
  constructor(modelId: string, settings: RemoteLanguageModelSettings) {
    assertModelId(modelId)
    this.modelId = modelId
    this.provider = settings.provider
    this.timeoutMs = settings.timeoutMs
    this.runner = new RemoteCallRunner({
      concurrency: settings.concurrency,
      retry: settings.retry,
      classify: (error) => this.classify(error),
    })
  }

  /** Request counters of this model instance (for tests, benchmarks and monitoring). */
  stats(): RemoteCallStats {
    return this.runner.stats()
  }

  /**
   * Generates `request.n` samples. A failed request marks its samples with `error` and keeps
   * the others; when every sample failed the first error is thrown (AbortedError when aborted).
   */
  generate(request: GenerateRequest): Promise<GenerateResult> {
    return this.run(request, undefined, false)
  }

  /**
   * Streams the samples' text as it arrives (always over SSE), then yields a `finish` part with
   * the same result `generate` returns. Cancel with `request.signal`.
   */
  stream(request: GenerateRequest): AsyncGenerator<GenerationStreamPart> {
    return streamGeneration((onDelta) => this.run(request, onDelta, true))
  }

  /** Maps an error of the SDK or the network to a metagen error and says whether to retry. */
  protected abstract classify(error: unknown): ClassifiedError

  /** One generation; `onDelta` receives streamed text; `forceStream` makes it stream. */
  protected abstract run(
    request: GenerateRequest,
    onDelta: TextDeltaHandler | undefined,
    forceStream: boolean,
  ): Promise<GenerateResult>

  /** Per-call options of a Stainless SDK: no SDK retries, this model's timeout, the signal. */
  protected requestOptions(signal: AbortSignal | undefined): {
    maxRetries: number
    timeout: number
    signal?: AbortSignal
  } {
    return { maxRetries: 0, timeout: this.timeoutMs, ...compact({ signal }) }
  }

  /** The error to throw for a failed stream (see streamFailure): not retried once text was emitted. */
  protected streamFailure(error: unknown, emitted: boolean): unknown {
    return streamFailure(error, {
      emitted,
      provider: this.provider,
      classify: (raw) => this.classify(raw),
    })
  }
}
