// The inference worker: owns one onnxruntime session and, for causal LMs, every sequence's KV
// cache, so that the synchronous native run never blocks the main thread and caches never
// cross the thread boundary (only token ids and logits do). What to feed comes from the
// contract the main thread read from this session's metadata (see model-contract.ts).
import { parentPort, workerData } from 'node:worker_threads'
import { argmax, createRng, logSoftmax, logSumExp, MetagenError, type Rng } from '@metagen/core'
import { asFloat32, type CausalRuntime, extend, liveStorages, tokenFeeds } from './forward-pass.js'
import { emptyEntry, type KvEntry, truncateEntry } from './kv-cache.js'
import { PAST_LENGTH_INPUT } from './kv-output-patch.js'
import { IDLE_KEEP_BYTES, KvPool } from './kv-pool.js'
import type { CausalLmContract, RewardContract, ValueMetadata } from './model-contract.js'
import { createModelSession, type ModelSession } from './model-session.js'
import { DraftThread } from './pipelined-drafter.js'
import {
  createSerialDrafter,
  runSpeculativeJob,
  type SpeculativeJobModel,
  type SpeculativeJobResult,
} from './speculative-job.js'
import type {
  AttachDraftRequest,
  DecodeJobRequest,
  SpeculativeJobRequest,
  WorkerInit,
  WorkerRequest,
  WorkerResponse,
} from './worker-protocol.js'

const init = workerData as WorkerInit
const port = parentPort
if (!port) throw new MetagenError('worker.ts must run in a worker thread')

const post = (message: WorkerResponse, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer)

/** Messages received so far, against init.inbox (the messages posted). */
let received = 0

/**
 * Lets the event loop deliver the messages the main thread has posted, if any. Passes run
 * synchronously (model-session.ts), so a loop of passes holds the thread: the decode and
 * speculative loops call this between passes, which costs one Atomics load when nothing waits
 * and one turn of the event loop when something does (a new job joins the next pass, a release
 * or abort lands between passes, as when every run went through the event loop).
 */
async function deliverWaitingMessages(): Promise<void> {
  if (Atomics.load(init.inbox, 0) === received) return
  await new Promise<void>((resolve) => setImmediate(resolve))
}

const sequences = new Map<number, KvEntry>()
let session: ModelSession
/** True when `session` has the new-positions-only KV outputs (see kv-output-patch.ts). */
let sessionSlicedKv = false
let contract: CausalLmContract | RewardContract | undefined

/** Draft models attached for speculative decoding inside this worker, by draft id. */
const drafts = new Map<number, AttachedDraft>()

/** A draft model attached with `attach-draft`. */
interface AttachedDraft {
  request: AttachDraftRequest
  /** Drafts greedy jobs on its own thread (WorkerInit.speculativePipeline). */
  thread: DraftThread | undefined
  /** Its session in this worker for sampled jobs, once one needed it. */
  serial: Promise<CausalRuntime> | undefined
}
const mainPool = new KvPool()

function mainRuntime(): CausalRuntime {
  return {
    session,
    contract: contract as CausalLmContract,
    sequences,
    padTokenId: init.padTokenId,
    pool: mainPool,
    slicedKv: sessionSlicedKv,
    sparePositions: init.sparePositions,
  }
}

function metadataOf(values: readonly ValueMetadata[]): ValueMetadata[] {
  // The patch's own input and outputs are this worker's business, not the model contract's.
  const own = (name: string) => name === PAST_LENGTH_INPUT || name.startsWith('metagen_new.')
  return values.filter((value) => !own(value.name))
}

async function load(): Promise<void> {
  try {
    const created = await createModelSession(init.onnxPath, init)
    session = created.session
    sessionSlicedKv = created.slicedKv
  } catch (error) {
    post({ type: 'load-error', message: `onnxruntime cannot load the model: ${messageOf(error)}` })
    return
  }
  post({
    type: 'ready',
    inputs: metadataOf(session.inputMetadata),
    outputs: metadataOf(session.outputMetadata),
  })
}

async function score(batch: number[][]): Promise<WorkerResponse> {
  const model = contract as RewardContract
  const rows = batch.length
  const width = Math.max(...batch.map((sequence) => sequence.length))
  const attention = new Uint8Array(rows * width)
  const inputIds = new Array<number>(rows * width).fill(init.padTokenId)
  batch.forEach((sequence, row) => {
    const pad = width - sequence.length
    attention.fill(1, row * width + pad, (row + 1) * width)
    sequence.forEach((token, index) => {
      inputIds[row * width + pad + index] = token
    })
  })
  const feeds = tokenFeeds(model, inputIds, attention, { rows, columns: width, window: width })
  const started = performance.now()
  const outputs = await session.run(feeds, ['token_scores'])
  const runMs = performance.now() - started
  const tensor = outputs.token_scores
  if (!tensor) throw new MetagenError('the model has no "token_scores" output')
  const data = tensor.data as Float32Array | Uint16Array
  const scores = batch.map((sequence, row) => {
    const start = row * width + (width - sequence.length)
    return asFloat32(data.slice(start, start + sequence.length))
  })
  return { type: 'score-result', requestId: 0, scores, runMs }
}

// ---- decoding loops inside the worker (TokenModel.sampleTokens) ----
// Every running job's unfinished sequences step together: one batched pass per step for all of
// them (split at maxBatchRows), so concurrent generations still share passes. Only the final
// result crosses the thread boundary.

interface DecodeSample {
  sequenceId: number
  rng: Rng | undefined
  length: number
  lastLogits: Float32Array
  tokenIds: number[]
  logprobs: number[]
  finishReason: 'stop' | 'length' | undefined
  contextExhausted: boolean
  /** The token chosen this step, to be fed. */
  pending: number
  /** This sample's shares of the positions its passes computed. */
  computedPositions: number
}

interface DecodeJob {
  requestId: number
  request: DecodeJobRequest
  samples: DecodeSample[]
  stop: Set<number>
  passes: number
  batchRows: number
  runMs: number
}

const decodeJobs = new Set<DecodeJob>()
let decoding = false

function startDecodeJob(requestId: number, request: DecodeJobRequest): void {
  for (const sequenceId of request.sequenceIds) {
    if (!sequences.has(sequenceId)) {
      post({ type: 'error', requestId, message: `unknown or released sequence ${sequenceId}` })
      return
    }
  }
  const base = request.temperature > 0 ? createRng(request.seed) : undefined
  decodeJobs.add({
    requestId,
    request,
    samples: request.sequenceIds.map((sequenceId, index) => ({
      sequenceId,
      rng: base?.fork(request.rngLabels[index] as number),
      length: request.lengths[index] as number,
      lastLogits: request.lastLogits[index] as Float32Array,
      tokenIds: [],
      logprobs: [],
      finishReason: undefined,
      contextExhausted: false,
      pending: -1,
      computedPositions: 0,
    })),
    stop: new Set(request.stopTokenIds),
    passes: 0,
    batchRows: 0,
    runMs: 0,
  })
  void driveDecoding()
}

/**
 * Chooses the next token of `sample` exactly as the decoders' token sampler does for a plain
 * request: argmax of the logits (greedy), or one draw of inverse transform sampling from
 * log-softmax(float32(logits / T)).
 */
function chooseToken(job: DecodeJob, sample: DecodeSample): void {
  const { temperature } = job.request
  let token: number
  let logprob: number
  if (temperature === 0) {
    // log-softmax of the chosen token only: the same arithmetic as logSoftmax(logits)[token].
    token = argmax(sample.lastLogits)
    logprob = (sample.lastLogits[token] as number) - logSumExp(sample.lastLogits)
  } else {
    let scaled = sample.lastLogits
    if (temperature !== 1) {
      scaled = new Float32Array(sample.lastLogits.length)
      for (let index = 0; index < scaled.length; index++)
        scaled[index] = (sample.lastLogits[index] as number) / temperature
    }
    const logprobs = logSoftmax(scaled)
    token = drawFromLogprobs(logprobs, sample.rng as Rng)
    logprob = logprobs[token] as number
  }
  if (!(logprob > Number.NEGATIVE_INFINITY)) {
    throw new MetagenError('every token has probability 0 (all logits are -Infinity)')
  }
  sample.tokenIds.push(token)
  sample.logprobs.push(logprob)
  if (job.stop.has(token)) sample.finishReason = 'stop'
  else if (sample.tokenIds.length >= job.request.maxTokens) sample.finishReason = 'length'
  else if (sample.length + 1 > job.request.maxSequenceLength) {
    sample.finishReason = 'length'
    sample.contextExhausted = true
  } else sample.pending = token
}

/** The first id whose cumulative probability exceeds one draw (the decoders' sampleFromLogprobs). */
function drawFromLogprobs(logprobs: Float64Array, rng: Rng): number {
  const draw = rng.next()
  let cumulative = 0
  let lastPositive = -1
  for (let index = 0; index < logprobs.length; index++) {
    const logprob = logprobs[index] as number
    if (!(logprob > Number.NEGATIVE_INFINITY)) continue
    cumulative += Math.exp(logprob)
    lastPositive = index
    if (draw < cumulative) return index
  }
  return lastPositive === -1 ? 0 : lastPositive
}

function finishDecodeJob(job: DecodeJob, aborted: boolean): void {
  decodeJobs.delete(job)
  const lastLogits = job.samples.map((sample) => Float32Array.from(sample.lastLogits))
  post(
    {
      type: 'decode-result',
      requestId: job.requestId,
      tokenIds: job.samples.map((sample) => sample.tokenIds),
      logprobs: job.samples.map((sample) => sample.logprobs),
      finishReasons: job.samples.map((sample) => sample.finishReason ?? 'length'),
      contextExhausted: job.samples.map((sample) => sample.contextExhausted),
      lastLogits,
      computedPositions: job.samples.map((sample) => sample.computedPositions),
      passes: job.passes,
      batchRows: job.batchRows,
      runMs: job.runMs,
      aborted,
    },
    lastLogits.map((row) => row.buffer as ArrayBuffer),
  )
}

function failDecodeJob(job: DecodeJob, error: unknown): void {
  decodeJobs.delete(job)
  post({ type: 'error', requestId: job.requestId, message: messageOf(error) })
}

async function driveDecoding(): Promise<void> {
  if (decoding) return
  decoding = true
  try {
    while (decodeJobs.size > 0) {
      await deliverWaitingMessages()
      const step: Array<{ job: DecodeJob; sample: DecodeSample }> = []
      for (const job of [...decodeJobs]) {
        const flag = job.request.abortFlag
        if (flag !== undefined && Atomics.load(flag, 0) !== 0) {
          finishDecodeJob(job, true)
          continue
        }
        try {
          for (const sample of job.samples) {
            if (sample.finishReason === undefined) chooseToken(job, sample)
          }
        } catch (error) {
          failDecodeJob(job, error)
          continue
        }
        const active = job.samples.filter((sample) => sample.finishReason === undefined)
        if (active.length === 0) finishDecodeJob(job, false)
        else for (const sample of active) step.push({ job, sample })
      }
      const maxRows = Math.max(
        1,
        Math.min(...[...decodeJobs].map((job) => job.request.maxBatchRows)),
      )
      for (let start = 0; start < step.length; start += maxRows) {
        const chunk = step.slice(start, start + maxRows).filter(({ job }) => decodeJobs.has(job))
        if (chunk.length === 0) continue
        const jobs = new Set(chunk.map((entry) => entry.job))
        let response: Extract<WorkerResponse, { type: 'extend-result' }>
        try {
          const horizon = Math.max(
            ...chunk.map(({ job, sample }) =>
              Math.min(
                job.request.maxSequenceLength,
                sample.length + 1 + job.request.maxTokens - sample.tokenIds.length,
              ),
            ),
          )
          response = (await extend(
            chunk.map(({ sample }) => ({
              sequenceId: sample.sequenceId,
              tokens: [sample.pending],
              allLogits: false,
            })),
            mainRuntime(),
            horizon,
          )) as Extract<WorkerResponse, { type: 'extend-result' }>
        } catch (error) {
          for (const job of jobs) failDecodeJob(job, error)
          continue
        }
        const first = (chunk[0] as { job: DecodeJob }).job
        first.passes += response.passes
        first.runMs += response.runMs
        chunk.forEach(({ job, sample }, index) => {
          job.batchRows++
          sample.length++
          sample.lastLogits = response.logits[index] as Float32Array
          sample.computedPositions += response.computedPositions[index] as number
        })
      }
    }
  } finally {
    decoding = false
    mainPool.trim(liveStorages(mainRuntime()), IDLE_KEEP_BYTES)
  }
}

// ---- speculative decoding inside the worker (TokenModel.speculativeTokens) ----

async function attachDraft(requestId: number, request: AttachDraftRequest): Promise<void> {
  try {
    if (!drafts.has(request.draftId)) {
      // The draft's session loads now (on the draft thread when greedy jobs draft ahead, else
      // in this worker), so that a model it cannot load fails the attach instead of a job.
      if (init.speculativePipeline === true) {
        const thread = await DraftThread.start({
          onnxPath: request.onnxPath,
          padTokenId: request.padTokenId,
          contract: request.contract,
        })
        drafts.set(request.draftId, { request, thread, serial: undefined })
      } else {
        const draft: AttachedDraft = { request, thread: undefined, serial: undefined }
        await serialRuntime(draft)
        drafts.set(request.draftId, draft)
      }
    }
    post({ type: 'attached', requestId })
  } catch (error) {
    post({ type: 'error', requestId, message: `cannot load the draft model: ${messageOf(error)}` })
  }
}

/**
 * The attached draft's session in this worker, for jobs that draft in turn with the target
 * (speculative sampling), loaded on the first such job.
 */
function serialRuntime(draft: AttachedDraft): Promise<CausalRuntime> {
  draft.serial ??= (async () => {
    // One thread, no pool: the draft's passes are tiny, and a second intra-op pool in this
    // worker would spin between its passes on the cores the target's pool needs next (on
    // 2 cores the two pools' spinning threads slowed every round by 1.2-1.5x).
    const created = await createModelSession(draft.request.onnxPath, {
      threads: 1,
      spinning: 'never',
    })
    return {
      session: created.session,
      slicedKv: created.slicedKv,
      contract: draft.request.contract,
      sequences: new Map(),
      padTokenId: draft.request.padTokenId,
      pool: new KvPool(),
    }
  })()
  // A failed load is retried by the next job instead of being remembered.
  draft.serial.catch(() => {
    draft.serial = undefined
  })
  return draft.serial
}

/** One model's side of a speculative job: single-sequence extends and truncations. */
function jobModel(runtime: CausalRuntime): SpeculativeJobModel {
  return {
    vocabSize: runtime.contract.vocabSize,
    async extend(sequenceId, tokens, all) {
      await deliverWaitingMessages()
      const response = await extend([{ sequenceId, tokens, allLogits: all }], runtime)
      return {
        logits: response.logits[0] as Float32Array,
        runMs: response.runMs,
        computedPositions: response.computedPositions[0] as number,
      }
    },
    truncate(sequenceId, length) {
      const entry = runtime.sequences.get(sequenceId)
      if (entry) runtime.sequences.set(sequenceId, truncateEntry(entry, length))
    },
  }
}

/**
 * The target's session for the verification passes of pipelined speculative jobs, loaded on
 * the first such job: one intra-op thread that never spins. The draft thread drafts on the
 * other core meanwhile; this worker's own session (by default 2 threads spinning briefly
 * after each run) would keep a pool thread busy on the draft thread's core. Same graph, so
 * the jobs' caches are this worker's sequences, as with the worker's own session. A worker
 * whose own session has one thread verifies with it.
 */
let verificationSession: Promise<{ session: ModelSession; slicedKv: boolean }> | undefined

async function verificationRuntime(): Promise<CausalRuntime> {
  // A single-threaded worker session has no pool to spin: it verifies itself.
  if (init.threads === 1) return mainRuntime()
  verificationSession ??= createModelSession(init.onnxPath, {
    threads: 1,
    spinning: 'never',
    graphSimplification: init.graphSimplification,
  })
  // A failed load is retried by the next job instead of being remembered.
  verificationSession.catch(() => {
    verificationSession = undefined
  })
  const created = await verificationSession
  return { ...mainRuntime(), session: created.session, slicedKv: created.slicedKv }
}

/** Speculative jobs in progress, each with the flag that ends it at its next round. */
const speculativeJobs = new Map<Promise<void>, Int32Array>()

/** Runs {@link runJob}, tracked in {@link speculativeJobs} so that `close` can end it first. */
async function speculate(requestId: number, request: SpeculativeJobRequest): Promise<void> {
  // The job's abort flag, or one of its own: close() raises it to end the job before the
  // sessions it runs on are released.
  const abortFlag = request.abortFlag ?? new Int32Array(new SharedArrayBuffer(4))
  const job = runJob(requestId, { ...request, abortFlag })
  speculativeJobs.set(job, abortFlag)
  try {
    await job
  } finally {
    speculativeJobs.delete(job)
  }
}

/**
 * Runs a speculative job: greedy ones, when the worker has a draft thread
 * (WorkerInit.speculativePipeline), with the draft thread drafting ahead while this worker
 * verifies (one job at a time per draft thread; later ones queue); sampled ones, and greedy
 * ones without a draft thread, with the draft's session in this worker, in turn with the target.
 */
async function runJob(requestId: number, request: SpeculativeJobRequest): Promise<void> {
  const draft = drafts.get(request.draftId)
  if (!draft || !sequences.has(request.sequenceId)) {
    const missing = draft ? `sequence ${request.sequenceId}` : `draft ${request.draftId}`
    post({ type: 'error', requestId, message: `unknown or released ${missing}` })
    return
  }
  try {
    let result: SpeculativeJobResult
    const thread = draft.thread
    if (request.temperature === 0 && thread !== undefined) {
      const verifier = await verificationRuntime()
      result = await thread.exclusive(() =>
        runSpeculativeJob(request, jobModel(verifier), thread.createDrafter(request)),
      )
    } else {
      const runtime = await serialRuntime(draft).catch((error: unknown) => {
        throw new MetagenError(`cannot load the draft model: ${messageOf(error)}`)
      })
      runtime.sequences.set(request.draftSequenceId, emptyEntry())
      try {
        result = await runSpeculativeJob(
          request,
          jobModel(mainRuntime()),
          createSerialDrafter(jobModel(runtime), request),
        )
      } finally {
        runtime.sequences.delete(request.draftSequenceId)
        runtime.pool.trim(liveStorages(runtime), IDLE_KEEP_BYTES)
      }
    }
    const lastLogits = Float32Array.from(result.lastLogits)
    post({ type: 'speculative-result', requestId, ...result, lastLogits }, [
      lastLogits.buffer as ArrayBuffer,
    ])
  } catch (error) {
    post({ type: 'error', requestId, message: messageOf(error) })
  }
}

port.on('message', async (message: WorkerRequest) => {
  received++
  switch (message.type) {
    case 'configure': {
      contract = message.contract
      return
    }
    case 'fork': {
      const source = sequences.get(message.sourceId) ?? emptyEntry()
      sequences.set(message.targetId, { ...source })
      return
    }
    case 'truncate': {
      const entry = sequences.get(message.sequenceId)
      if (entry) sequences.set(message.sequenceId, truncateEntry(entry, message.length))
      return
    }
    case 'release': {
      sequences.delete(message.sequenceId)
      if (sequences.size === 0 && !decoding) mainPool.trim(new Set(), IDLE_KEEP_BYTES)
      return
    }
    case 'close': {
      // Running jobs end at their next round (as if aborted) before their sessions go away.
      for (const flag of speculativeJobs.values()) Atomics.store(flag, 0, 1)
      await Promise.allSettled(speculativeJobs.keys())
      sequences.clear()
      for (const draft of drafts.values()) {
        await draft.thread?.close()
        const serial = await draft.serial?.catch(() => undefined)
        await serial?.session.release()
      }
      drafts.clear()
      const verification = await verificationSession?.catch(() => undefined)
      await verification?.session.release()
      await session?.release()
      post({ type: 'closed', requestId: message.requestId })
      return
    }
    case 'decode': {
      startDecodeJob(message.requestId, message)
      return
    }
    case 'attach-draft': {
      await attachDraft(message.requestId, message)
      return
    }
    case 'speculative': {
      await speculate(message.requestId, message)
      return
    }
    case 'extend':
    case 'score': {
      try {
        if (message.type === 'extend') {
          for (const item of message.items) {
            if (!sequences.has(item.sequenceId)) sequences.set(item.sequenceId, emptyEntry())
          }
        }
        const response =
          message.type === 'extend'
            ? await extend(message.items, mainRuntime())
            : await score(message.sequences)
        if (response.type === 'extend-result' || response.type === 'score-result') {
          response.requestId = message.requestId
          const arrays = response.type === 'extend-result' ? response.logits : response.scores
          post(
            response,
            arrays.map((array) => array.buffer as ArrayBuffer),
          )
        }
      } catch (error) {
        post({ type: 'error', requestId: message.requestId, message: messageOf(error) })
      }
      return
    }
  }
})

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

await load()
