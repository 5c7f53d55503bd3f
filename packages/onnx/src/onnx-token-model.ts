// The local token-level model: a decoder-only ONNX model in a worker thread. Sequences hold
// their KV cache in the worker; extend requests that arrive while a pass is running are merged
// into the next pass, so concurrent generations share batches.
import {
  AbortedError,
  assertTruncateLength,
  type ExtendRequest,
  type ExtendResult,
  InvalidArgumentError,
  ModelLoadError,
  type SampledTokens,
  type SampleTokensRequest,
  type SequenceState,
  type SpeculativeTokens,
  type SpeculativeTokensRequest,
  type Tokenizer,
  type TokenModel,
  type TokenModelStats,
} from '@metagen/core'
import { readCausalLmContract } from './model-contract.js'
import { type OnnxDtype, readModelFolder } from './model-folder.js'
import { startModelWorker } from './start-model-worker.js'
import type { WorkerClient } from './worker-client.js'
import type { AttachDraftRequest, SpinningMode, WorkerResponse } from './worker-protocol.js'

/** Settings of {@link loadOnnxTokenModel}. */
export interface LoadOnnxTokenModelOptions {
  /** Model id reported in results (default: the folder name). */
  modelId?: string
  /** onnxruntime intra-op threads (default: min(4, available cores)). */
  threads?: number
  /**
   * When onnxruntime's intra-op pool threads busy-wait for work instead of sleeping (default
   * 'auto'): 'brief' between operators and for up to 2 ms after a run, so consecutive decode
   * steps find them awake, then they sleep (an idle model takes no CPU from other models or
   * processes); 'always' for as long as onnxruntime spins by default, tens of ms after every
   * run (what transformers.js uses); 'never' not at all (every parallel operator then wakes a
   * sleeping thread: slower on an idle machine, far faster on an oversubscribed one); 'auto'
   * picks 'brief' when the machine has spare cores as the model loads (the one-minute load
   * average is below half the cores, or other processes kept the CPUs under half busy over a
   * 100 ms sample), else 'never'. `true` means 'always', `false` 'never'.
   */
  spinning?: SpinningMode | 'auto' | boolean
  /**
   * Simplify the graph as it loads (default true): every Reshape target that the exporter
   * computes at run time from the input's shape (Shape, Gather, Unsqueeze, Concat, ...) and that
   * symbolic shape inference proves constant becomes a constant, and the shape nodes are
   * removed. Outputs are bit-identical; a decode step runs fewer operators (on
   * tinymath-generator 263 instead of 439 graph nodes). Models with external data, models where
   * nothing folds and models onnxruntime rejects rewritten load unchanged. `false` loads the
   * graph as exported.
   */
  graphSimplification?: boolean
  /**
   * Greedy `speculativeTokens` calls with this model as the target draft ahead (default false):
   * the draft model drafts continuously on a thread of its own (with its own single-threaded
   * session and cache) while this model verifies on a second, single-threaded session of its
   * own, so draft and verification passes run on two cores at once, with exactly the same
   * tokens. It holds this model's and the draft's weights once more. On the 2-core test machine
   * it was level with drafting in turn when the machine was otherwise idle and 1.4-2x faster
   * under load (packages/onnx README). Without it, and for sampled calls, a single-threaded
   * session of the draft in this model's worker drafts in turn with the verification.
   */
  speculativePipeline?: boolean
  /** Maximum rows merged into one forward pass from concurrent extend calls (default 64). */
  maxBatchRows?: number
  /**
   * Spare cache positions per row and head that a pass of several rows (of a model that takes
   * position ids) leaves after the real ones, so that the next passes over the same rows append
   * in place instead of copying the whole cache every step (default 16). The spare positions
   * are fed masked; 0 copies every step. Single-sequence passes never get any.
   */
  sparePositions?: number
  /**
   * Weight variant, with transformers.js's file names (default `fp32`): `fp32` onnx/model.onnx,
   * `fp16` model_fp16.onnx, `q8` model_quantized.onnx, `int8` model_int8.onnx, `uint8`
   * model_uint8.onnx, `q4` model_q4.onnx, `q4f16` model_q4f16.onnx, `bnb4` model_bnb4.onnx.
   */
  dtype?: OnnxDtype
}

/**
 * A {@link TokenModel} backed by onnxruntime-node; also reports time spent in the native run.
 * Its worker thread keeps the process alive only while a call is pending, so a script that
 * forgets `close()` still exits; `close()` (or `await using`) frees the session's memory.
 */
export interface OnnxTokenModel extends TokenModel {
  /** Milliseconds spent inside onnxruntime's run, summed over passes. */
  readonly inferenceMilliseconds: number
  /**
   * The plain decoding loop of {@link SampleTokensRequest} run inside the worker: one round
   * trip per call instead of one per token; concurrent calls step together in shared passes.
   */
  sampleTokens(request: SampleTokensRequest): Promise<SampledTokens[]>
  /**
   * Speculative decoding (greedy or sampled) of one sequence with another ONNX model as the
   * drafter, run whole inside this model's worker: one round trip per generation. A
   * single-threaded session of the draft in this worker drafts in turn with the verification;
   * when this model was loaded with `speculativePipeline: true`, greedy calls instead have the
   * draft model draft ahead on its own thread, started by this model's worker, while a
   * single-threaded session of this model verifies. Undefined for a draft model of another
   * backend.
   */
  speculativeTokens(request: SpeculativeTokensRequest): Promise<SpeculativeTokens | undefined>
  /** The weight variant loaded. */
  readonly dtype: OnnxDtype
  /**
   * Bytes of KV cache one token of one sequence occupies: 2 (keys and values) x layers x KV
   * heads x head size x 4 (float32 cache) or 2 (float16 cache). Forks share their prefix.
   */
  readonly kvBytesPerToken: number
  /** The spinning mode the session runs with (what `spinning: 'auto'` resolved to at load). */
  readonly spinning: SpinningMode
  /**
   * Why the model cannot be used any more (its worker exited or crashed, or it was closed):
   * every call then fails fast with this error. Undefined while the model works; a cache
   * should drop a model that has one and load it again.
   */
  readonly failure: Error | undefined
  /** The same as `close()`, for `await using model = await loadOnnxTokenModel(...)`. */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Loads a decoder-only model from a folder in the transformers.js/Optimum layout
 * (`config.json`, `tokenizer.json`, `onnx/model{dtype suffix}.onnx` with `past_key_values.*`
 * inputs and `present.*` outputs) into a worker thread. What to feed (position_ids or not,
 * num_logits_to_keep, use_cache_branch) and the cache's shape [batch, kv_heads, past, head_dim]
 * and dtype (float32 or float16) come from the session's metadata, cross-checked against
 * config.json. Throws {@link ModelLoadError} for a missing folder or dtype file, an unreadable
 * ONNX file, inputs it cannot feed (hybrid caches, onnxruntime-genai exports) or a config.json
 * that disagrees with the graph.
 */
export async function loadOnnxTokenModel(
  path: string,
  options: LoadOnnxTokenModelOptions = {},
): Promise<OnnxTokenModel> {
  const maxBatchRows = options.maxBatchRows ?? 64
  if (!Number.isInteger(maxBatchRows) || maxBatchRows < 1) {
    throw new InvalidArgumentError({
      argument: 'maxBatchRows',
      expected: 'an integer >= 1',
      received: maxBatchRows,
    })
  }
  const sparePositions = options.sparePositions ?? 16
  if (!Number.isInteger(sparePositions) || sparePositions < 0) {
    throw new InvalidArgumentError({
      argument: 'sparePositions',
      expected: 'an integer >= 0',
      received: sparePositions,
    })
  }
  const folder = readModelFolder(path, { dtype: options.dtype })
  const { config } = folder
  const { client, tokenizer, contract, parameterCount, init } = await startModelWorker(folder, {
    kind: 'causal-lm',
    threads: options.threads,
    spinning: options.spinning,
    graphSimplification: options.graphSimplification,
    speculativePipeline: options.speculativePipeline,
    sparePositions,
    readContract: readCausalLmContract,
  })
  return new OnnxTokenModelImpl({
    client,
    tokenizer,
    modelId: options.modelId ?? folder.folder.split(/[\\/]/).pop() ?? 'onnx-model',
    vocabSize: contract.vocabSize,
    maxSequenceLength: config.maxPositions,
    parameterCount,
    maxBatchRows,
    dtype: folder.dtype,
    spinning: init.spinning,
    draftSettings: {
      onnxPath: init.onnxPath,
      padTokenId: init.padTokenId,
      contract,
    },
    kvBytesPerToken:
      2 *
      contract.layers *
      contract.kvHeads *
      contract.headDim *
      (contract.kvType === 'float16' ? 2 : 4),
  })
}

interface QueuedExtend {
  requests: readonly ExtendRequest[]
  resolve: (results: ExtendResult[]) => void
  reject: (error: Error) => void
  signal: AbortSignal | undefined
}

class OnnxSequence implements SequenceState {
  readonly id: number
  readonly model: OnnxTokenModelImpl
  tokens: number[]
  lastLogits: Float32Array | undefined
  disposed = false
  busy = false
  disposeWhenIdle = false
  /** Logits of the latest extend: row i follows position `end - rows + i`. */
  recent: { logits: Float32Array; rows: number; end: number } | undefined

  constructor(
    model: OnnxTokenModelImpl,
    id: number,
    tokens: number[],
    lastLogits: Float32Array | undefined,
    recent?: { logits: Float32Array; rows: number; end: number },
  ) {
    this.model = model
    this.id = id
    this.tokens = tokens
    this.lastLogits = lastLogits
    this.recent = recent
  }

  truncate(length: number): void {
    this.model.truncateSequence(this, length)
  }

  get length(): number {
    return this.tokens.length
  }

  fork(): SequenceState {
    return this.model.forkSequence(this)
  }

  dispose(): void {
    if (this.disposed) return
    if (this.busy) {
      this.disposeWhenIdle = true
      return
    }
    this.model.releaseSequence(this)
  }
}

class OnnxTokenModelImpl implements OnnxTokenModel {
  readonly specificationVersion = 'v1' as const
  readonly modelId: string
  readonly tokenizer: Tokenizer
  readonly vocabSize: number
  readonly maxSequenceLength: number
  readonly parameterCount: number
  readonly dtype: OnnxDtype
  readonly kvBytesPerToken: number
  readonly spinning: SpinningMode
  inferenceMilliseconds = 0
  get failure(): Error | undefined {
    return this.client.failure
  }
  private readonly client: WorkerClient
  private readonly maxBatchRows: number
  /** How another model's worker loads this model as its draft. */
  private readonly draftSettings: Omit<AttachDraftRequest, 'draftId'>
  /** Draft models attached to this model's worker, with their draft ids. */
  private readonly attachedDrafts = new Map<OnnxTokenModelImpl, Promise<number>>()
  private nextDraftId = 1
  private readonly queue: QueuedExtend[] = []
  private running = false
  private closed = false
  private nextSequenceId = 1
  private readonly counters: TokenModelStats = {
    forwardPasses: 0,
    tokensProcessed: 0,
    batchRows: 0,
    computedPositions: 0,
    sequencesCreated: 0,
    forks: 0,
    liveSequences: 0,
  }
  // Sequences dropped without dispose() still free their worker-side cache.
  private readonly finalizer = new FinalizationRegistry<number>((sequenceId) => {
    if (!this.closed) {
      this.counters.liveSequences--
      this.client.send({ type: 'release', sequenceId })
    }
  })

  constructor(settings: {
    client: WorkerClient
    tokenizer: Tokenizer
    modelId: string
    vocabSize: number
    maxSequenceLength: number
    parameterCount: number
    maxBatchRows: number
    dtype: OnnxDtype
    kvBytesPerToken: number
    spinning: SpinningMode
    draftSettings: Omit<AttachDraftRequest, 'draftId'>
  }) {
    this.spinning = settings.spinning
    this.draftSettings = settings.draftSettings
    this.dtype = settings.dtype
    this.kvBytesPerToken = settings.kvBytesPerToken
    this.client = settings.client
    this.tokenizer = settings.tokenizer
    this.modelId = settings.modelId
    this.vocabSize = settings.vocabSize
    this.maxSequenceLength = settings.maxSequenceLength
    this.parameterCount = settings.parameterCount
    this.maxBatchRows = settings.maxBatchRows
  }

  createSequence(): SequenceState {
    this.assertOpen()
    this.counters.sequencesCreated++
    return this.track(new OnnxSequence(this, this.nextSequenceId++, [], undefined))
  }

  forkSequence(source: OnnxSequence): SequenceState {
    this.assertOpen()
    if (source.disposed) {
      throw new InvalidArgumentError({
        argument: 'sequence',
        expected: 'a sequence that is not disposed',
        received: 'disposed',
      })
    }
    if (source.busy) {
      throw new InvalidArgumentError({
        argument: 'sequence',
        expected: 'a sequence that is not being extended (await extend() before fork())',
        received: 'busy',
      })
    }
    const target = new OnnxSequence(
      this,
      this.nextSequenceId++,
      [...source.tokens],
      source.lastLogits,
      source.recent,
    )
    this.counters.forks++
    this.client.send({ type: 'fork', sourceId: source.id, targetId: target.id })
    return this.track(target)
  }

  truncateSequence(sequence: OnnxSequence, length: number): void {
    this.assertOpen()
    if (sequence.disposed) {
      throw new InvalidArgumentError({
        argument: 'sequence',
        expected: 'a sequence that is not disposed',
        received: 'disposed',
      })
    }
    if (sequence.busy) {
      throw new InvalidArgumentError({
        argument: 'sequence',
        expected: 'a sequence that is not being extended (await extend() before truncate())',
        received: 'busy',
      })
    }
    assertTruncateLength(length, sequence.tokens.length)
    if (length === sequence.tokens.length) return
    sequence.tokens.length = length
    const recent = sequence.recent
    const row = recent ? length - 1 - (recent.end - recent.rows) : -1
    sequence.lastLogits =
      recent && row >= 0
        ? recent.logits.subarray(row * this.vocabSize, (row + 1) * this.vocabSize)
        : undefined
    // Messages reach the worker in order, so the next extend sees the shorter cache.
    this.client.send({ type: 'truncate', sequenceId: sequence.id, length })
  }

  releaseSequence(sequence: OnnxSequence): void {
    sequence.disposed = true
    this.finalizer.unregister(sequence)
    this.counters.liveSequences--
    if (!this.closed) this.client.send({ type: 'release', sequenceId: sequence.id })
  }

  extend(
    requests: readonly ExtendRequest[],
    options: { signal?: AbortSignal } = {},
  ): Promise<ExtendResult[]> {
    try {
      this.assertOpen()
      this.validate(requests)
    } catch (error) {
      return Promise.reject(error)
    }
    if (options.signal?.aborted)
      return Promise.reject(new AbortedError(undefined, { cause: options.signal.reason }))
    for (const request of requests) (request.sequence as OnnxSequence).busy = true
    return new Promise<ExtendResult[]>((resolve, reject) => {
      this.queue.push({ requests, resolve, reject, signal: options.signal })
      this.pump()
    })
  }

  /**
   * The whole plain decoding loop of {@link SampleTokensRequest} inside the worker: one round
   * trip per call instead of one per token. Concurrent calls step together in shared passes.
   * Throws InvalidArgumentError for sequences that are not this model's, disposed, busy,
   * repeated or without `lastLogits`, and for out-of-range settings.
   */
  async sampleTokens(request: SampleTokensRequest): Promise<SampledTokens[]> {
    this.assertOpen()
    const sequences = this.validateSampleTokens(request)
    const signal = request.signal
    if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason })
    const abortFlag = signal ? new Int32Array(new SharedArrayBuffer(4)) : undefined
    const onAbort = () => {
      if (abortFlag) Atomics.store(abortFlag, 0, 1)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    for (const sequence of sequences) sequence.busy = true
    const settle = () => {
      for (const sequence of sequences) sequence.busy = false
    }
    let response: Extract<WorkerResponse, { type: 'decode-result' }>
    try {
      response = await this.client.request<Extract<WorkerResponse, { type: 'decode-result' }>>({
        type: 'decode',
        sequenceIds: sequences.map((sequence) => sequence.id),
        lastLogits: sequences.map((sequence) => sequence.lastLogits as Float32Array),
        lengths: sequences.map((sequence) => sequence.tokens.length),
        temperature: request.temperature,
        seed: request.seed ?? 0,
        rngLabels: sequences.map((_, index) => request.rngLabels?.[index] ?? index),
        maxTokens: request.maxTokens,
        stopTokenIds: [...request.stopTokenIds],
        maxSequenceLength: this.maxSequenceLength,
        maxBatchRows: this.maxBatchRows,
        abortFlag,
      })
      settle()
    } catch (error) {
      settle()
      for (const sequence of sequences) if (sequence.disposeWhenIdle) sequence.dispose()
      throw error
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    this.counters.forwardPasses += response.passes
    this.counters.batchRows += response.batchRows
    this.inferenceMilliseconds += response.runMs
    const results = sequences.map((sequence, index): SampledTokens => {
      const computedPositions = response.computedPositions[index] as number
      this.counters.computedPositions = (this.counters.computedPositions ?? 0) + computedPositions
      const tokenIds = response.tokenIds[index] as number[]
      // Every chosen token but the last was fed.
      const fed = tokenIds.slice(0, -1)
      if (fed.length > 0) {
        sequence.tokens.push(...fed)
        const logits = response.lastLogits[index] as Float32Array
        sequence.lastLogits = logits
        sequence.recent = { logits, rows: 1, end: sequence.tokens.length }
        this.counters.tokensProcessed += fed.length
      }
      return {
        tokenIds,
        logprobs: response.logprobs[index] as number[],
        finishReason: response.finishReasons[index] as 'stop' | 'length',
        contextExhausted: response.contextExhausted[index] as boolean,
        computedPositions,
      }
    })
    for (const sequence of sequences) if (sequence.disposeWhenIdle) sequence.dispose()
    if (response.aborted) throw new AbortedError(undefined, { cause: signal?.reason })
    return results
  }

  /**
   * Speculative decoding (greedy or sampled) of one sequence with `request.draft` as the
   * drafter, run whole in this model's worker (semantics: {@link SpeculativeTokensRequest}).
   * The first call with a draft model loads a single-threaded session of it into this worker,
   * which drafts in turn with the verification (the draft's weights are then held twice: its
   * own worker and this one). With `speculativePipeline: true` on this model, the first call
   * instead starts a draft thread in this worker with such a session, which drafts greedy jobs
   * ahead of the verification (one job at a time per draft; later ones queue), and the first
   * greedy call loads a second session of this model (one thread, no spinning) for the
   * verification passes, so that each thread keeps a core; sampled calls then load the
   * in-worker draft session as well. So the draft's weights are held up to three times and
   * this model's twice. Its work is counted in both models' stats; pipelined greedy jobs count
   * the draft thread's run-ahead passes that a correction threw away.
   * Resolves to undefined when `draft` is not an ONNX model loaded by this package. Throws
   * InvalidArgumentError for a sequence that is not this model's, disposed, busy or without
   * `lastLogits`, a draft with another
   * vocabulary, and out-of-range settings.
   */
  async speculativeTokens(
    request: SpeculativeTokensRequest,
  ): Promise<SpeculativeTokens | undefined> {
    this.assertOpen()
    const draft = request?.draft
    if (!(draft instanceof OnnxTokenModelImpl)) return undefined
    const temperature = request.temperature ?? 0
    const [sequence] = this.validateSampleTokens({
      sequences: [request.sequence],
      temperature,
      maxTokens: request.maxTokens,
      stopTokenIds: request.stopTokenIds,
      ...(request.seed === undefined ? {} : { seed: request.seed }),
    })
    const target = sequence as OnnxSequence
    draft.assertOpen()
    if (draft.vocabSize !== this.vocabSize) {
      throw new InvalidArgumentError({
        argument: 'draft',
        expected: `a draft model with the target's vocabulary of ${this.vocabSize} tokens`,
        received: `${draft.vocabSize} tokens`,
      })
    }
    const { k, adaptive, maxK } = request
    if (!Number.isInteger(k) || k < 1) {
      throw new InvalidArgumentError({ argument: 'k', expected: 'an integer >= 1', received: k })
    }
    if (!Number.isInteger(maxK) || maxK < k) {
      throw new InvalidArgumentError({
        argument: 'maxK',
        expected: `an integer >= k (${k})`,
        received: maxK,
      })
    }
    if (typeof adaptive !== 'boolean') {
      throw new InvalidArgumentError({
        argument: 'adaptive',
        expected: 'a boolean',
        received: adaptive,
      })
    }
    const signal = request.signal
    if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason })
    const draftId = await this.attachDraft(draft)
    if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason })
    if (target.disposed || target.busy) {
      throw new InvalidArgumentError({
        argument: 'sequence',
        expected: 'a sequence that is neither disposed nor being extended',
        received: target.disposed ? 'disposed' : 'busy',
      })
    }
    const abortFlag = signal ? new Int32Array(new SharedArrayBuffer(4)) : undefined
    const onAbort = () => {
      if (abortFlag) Atomics.store(abortFlag, 0, 1)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    target.busy = true
    let response: Extract<WorkerResponse, { type: 'speculative-result' }>
    try {
      response = await this.client.request<Extract<WorkerResponse, { type: 'speculative-result' }>>(
        {
          type: 'speculative',
          draftId,
          sequenceId: target.id,
          draftSequenceId: this.nextSequenceId++,
          lastLogits: target.lastLogits as Float32Array,
          length: target.tokens.length,
          context: [...target.tokens],
          k,
          adaptive,
          maxK,
          maxTokens: request.maxTokens,
          stopTokenIds: [...request.stopTokenIds],
          temperature,
          seed: request.seed ?? 0,
          contextLimit: Math.min(this.maxSequenceLength, draft.maxSequenceLength),
          abortFlag,
        },
      )
    } finally {
      target.busy = false
      signal?.removeEventListener('abort', onAbort)
    }
    const fed = response.tokenIds.slice(0, response.fedTokens)
    if (fed.length > 0) {
      target.tokens.push(...fed)
      target.lastLogits = response.lastLogits
      target.recent = { logits: response.lastLogits, rows: 1, end: target.tokens.length }
    }
    this.counters.forwardPasses += response.targetForwardPasses
    this.counters.batchRows += response.targetForwardPasses
    this.counters.tokensProcessed += response.targetTokensFed
    this.counters.computedPositions =
      (this.counters.computedPositions ?? 0) + response.targetComputedPositions
    this.inferenceMilliseconds += response.runMs
    draft.counters.forwardPasses += response.draftForwardPasses
    draft.counters.batchRows += response.draftForwardPasses
    draft.counters.tokensProcessed += response.draftTokensFed
    draft.counters.computedPositions =
      (draft.counters.computedPositions ?? 0) + response.draftComputedPositions
    if (target.disposeWhenIdle) target.dispose()
    if (response.aborted) throw new AbortedError(undefined, { cause: signal?.reason })
    return {
      tokenIds: response.tokenIds,
      logprobs: response.logprobs,
      finishReason: response.finishReason,
      contextExhausted: response.contextExhausted,
      rounds: response.rounds,
      draftedTokens: response.draftedTokens,
      acceptedTokens: response.acceptedTokens,
      targetForwardPasses: response.targetForwardPasses,
      targetTokensFed: response.targetTokensFed,
      draftForwardPasses: response.draftForwardPasses,
      draftTokensFed: response.draftTokensFed,
      computedPositions: response.targetComputedPositions,
      draftComputedPositions: response.draftComputedPositions,
    }
  }

  /** Loads `draft` into this model's worker once; resolves to its draft id there. */
  private attachDraft(draft: OnnxTokenModelImpl): Promise<number> {
    let attached = this.attachedDrafts.get(draft)
    if (attached === undefined) {
      const draftId = this.nextDraftId++
      attached = this.client
        .request({ type: 'attach-draft', draftId, ...draft.draftSettings })
        .then(() => draftId)
      // A failed load is retried by the next call instead of being remembered.
      attached.catch(() => this.attachedDrafts.delete(draft))
      this.attachedDrafts.set(draft, attached)
    }
    return attached
  }

  stats(): TokenModelStats {
    return { ...this.counters }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const queued of this.queue.splice(0))
      queued.reject(new AbortedError('The model was closed.'))
    await this.client.close()
  }

  private track(sequence: OnnxSequence): OnnxSequence {
    this.counters.liveSequences++
    this.finalizer.register(sequence, sequence.id, sequence)
    return sequence
  }

  private assertOpen(): void {
    if (this.closed)
      throw new InvalidArgumentError({
        argument: 'model',
        expected: 'an open model',
        received: 'closed',
      })
  }

  private validateSampleTokens(request: SampleTokensRequest): OnnxSequence[] {
    if (typeof request !== 'object' || request === null) {
      throw new InvalidArgumentError({
        argument: 'request',
        expected: 'an object',
        received: request,
      })
    }
    const { temperature, maxTokens, seed, rngLabels, stopTokenIds } = request
    if (!Array.isArray(request.sequences) || request.sequences.length === 0) {
      throw new InvalidArgumentError({
        argument: 'sequences',
        expected: 'a non-empty array of sequences',
        received: request.sequences,
      })
    }
    if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
      throw new InvalidArgumentError({
        argument: 'temperature',
        expected: 'a finite number >= 0',
        received: temperature,
      })
    }
    if (
      temperature > 0 &&
      (seed === undefined || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    ) {
      throw new InvalidArgumentError({
        argument: 'seed',
        expected: 'an integer in [0, 4294967295] when temperature > 0',
        received: seed,
      })
    }
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new InvalidArgumentError({
        argument: 'maxTokens',
        expected: 'an integer >= 1',
        received: maxTokens,
      })
    }
    if (
      rngLabels !== undefined &&
      (!Array.isArray(rngLabels) ||
        rngLabels.length !== request.sequences.length ||
        !rngLabels.every((label) => Number.isInteger(label)))
    ) {
      throw new InvalidArgumentError({
        argument: 'rngLabels',
        expected: `${request.sequences.length} integers, one per sequence`,
        received: rngLabels,
      })
    }
    if (!Array.isArray(stopTokenIds) || !stopTokenIds.every((token) => Number.isInteger(token))) {
      throw new InvalidArgumentError({
        argument: 'stopTokenIds',
        expected: 'an array of token ids',
        received: stopTokenIds,
      })
    }
    const seen = new Set<OnnxSequence>()
    return request.sequences.map((sequence, index) => {
      const argument = `sequences[${index}]`
      if (!(sequence instanceof OnnxSequence) || sequence.model !== this) {
        throw new InvalidArgumentError({
          argument,
          expected: 'a sequence created by this model',
          received: typeof sequence,
        })
      }
      if (sequence.disposed) {
        throw new InvalidArgumentError({
          argument,
          expected: 'a sequence that is not disposed',
          received: 'disposed',
        })
      }
      if (sequence.busy || seen.has(sequence)) {
        throw new InvalidArgumentError({
          argument,
          expected: 'a sequence not already being extended (each sequence at most once per call)',
          received: 'busy',
        })
      }
      if (sequence.lastLogits === undefined) {
        throw new InvalidArgumentError({
          argument,
          expected: 'a sequence with next-token logits (extend it with the prompt first)',
          received: 'no lastLogits',
        })
      }
      seen.add(sequence)
      return sequence
    })
  }

  private validate(requests: readonly ExtendRequest[]): void {
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new InvalidArgumentError({
        argument: 'requests',
        expected: 'a non-empty array',
        received: requests,
      })
    }
    const seen = new Set<OnnxSequence>()
    requests.forEach((request, index) => {
      const sequence = request.sequence
      if (!(sequence instanceof OnnxSequence) || sequence.model !== this) {
        throw new InvalidArgumentError({
          argument: `requests[${index}].sequence`,
          expected: 'a sequence created by this model',
          received: typeof sequence,
        })
      }
      if (sequence.disposed) {
        throw new InvalidArgumentError({
          argument: `requests[${index}].sequence`,
          expected: 'a sequence that is not disposed',
          received: 'disposed',
        })
      }
      if (sequence.busy || seen.has(sequence)) {
        throw new InvalidArgumentError({
          argument: `requests[${index}].sequence`,
          expected: 'a sequence not already being extended (each sequence at most once per call)',
          received: 'busy',
        })
      }
      seen.add(sequence)
      const tokens = request.tokens
      if (!Array.isArray(tokens) || tokens.length === 0) {
        throw new InvalidArgumentError({
          argument: `requests[${index}].tokens`,
          expected: 'a non-empty array of token ids',
          received: tokens,
        })
      }
      for (const token of tokens) {
        if (!Number.isInteger(token) || token < 0 || token >= this.vocabSize) {
          throw new InvalidArgumentError({
            argument: `requests[${index}].tokens`,
            expected: `token ids in [0, ${this.vocabSize - 1}]`,
            received: token,
          })
        }
      }
      if (sequence.length + tokens.length > this.maxSequenceLength) {
        throw new InvalidArgumentError({
          argument: `requests[${index}].tokens`,
          expected: `at most ${this.maxSequenceLength - sequence.length} more tokens (the model's context is ${this.maxSequenceLength})`,
          received: `${tokens.length} tokens`,
        })
      }
    })
  }

  /** Runs the queued extend calls, merging as many as fit into one forward pass. */
  private pump(): void {
    if (this.running || this.queue.length === 0 || this.closed) return
    const batch: QueuedExtend[] = []
    let rows = 0
    while (this.queue.length > 0) {
      const next = this.queue[0] as QueuedExtend
      if (next.signal?.aborted) {
        this.queue.shift()
        this.settle(next)
        next.reject(new AbortedError(undefined, { cause: next.signal.reason }))
        continue
      }
      if (batch.length > 0 && rows + next.requests.length > this.maxBatchRows) break
      this.queue.shift()
      batch.push(next)
      rows += next.requests.length
    }
    if (batch.length === 0) return
    this.running = true
    const items = batch.flatMap((queued) =>
      queued.requests.map((request) => ({
        sequenceId: (request.sequence as OnnxSequence).id,
        tokens: [...request.tokens],
        allLogits: request.logits === 'all',
      })),
    )
    this.client
      .request<Extract<WorkerResponse, { type: 'extend-result' }>>({ type: 'extend', items })
      .then(
        (response) => {
          this.counters.forwardPasses += response.passes
          this.counters.batchRows += items.length
          this.inferenceMilliseconds += response.runMs
          let offset = 0
          for (const queued of batch) {
            const results: ExtendResult[] = queued.requests.map((request, index) => {
              const logits = response.logits[offset + index] as Float32Array
              const rowCount = response.rows[offset + index] as number
              const computedPositions = response.computedPositions[offset + index] as number
              const sequence = request.sequence as OnnxSequence
              sequence.tokens.push(...request.tokens)
              sequence.lastLogits = logits.subarray((rowCount - 1) * this.vocabSize)
              sequence.recent = { logits, rows: rowCount, end: sequence.tokens.length }
              this.counters.tokensProcessed += request.tokens.length
              this.counters.computedPositions =
                (this.counters.computedPositions ?? 0) + computedPositions
              return { logits, rows: rowCount, computedPositions }
            })
            offset += queued.requests.length
            this.settle(queued)
            queued.resolve(results)
          }
        },
        (error: Error) => {
          for (const queued of batch) {
            this.settle(queued)
            queued.reject(error)
          }
        },
      )
      .finally(() => {
        this.running = false
        this.pump()
      })
  }

  private settle(queued: QueuedExtend): void {
    for (const request of queued.requests) {
      const sequence = request.sequence as OnnxSequence
      sequence.busy = false
      if (sequence.disposeWhenIdle) sequence.dispose()
    }
  }
}
