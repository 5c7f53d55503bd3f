// The inference worker: owns one onnxruntime session and, for causal LMs, every sequence's KV
// cache, so that the synchronous native run never blocks the main thread and caches never
// cross the thread boundary (only token ids and logits do). What to feed comes from the
// contract the main thread read from this session's metadata (see model-contract.ts).
import { existsSync, readFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { argmax, createRng, logSoftmax, logSumExp, MetagenError, type Rng } from '@metagen/core'
import * as ort from 'onnxruntime-node'
import { apportionPositions } from './computed-positions.js'
import { float16ToFloat32 } from './float16.js'
import {
  emptyEntry,
  gatherPast,
  type KvArray,
  type KvBlock,
  type KvEntry,
  truncateEntry,
} from './kv-cache.js'
import { newKvOutputName, PAST_LENGTH_INPUT, patchNewKvOutputs } from './kv-output-patch.js'
import { IDLE_KEEP_BYTES, KvPool, type KvStorage } from './kv-pool.js'
import type { CausalLmContract, RewardContract, ValueMetadata } from './model-contract.js'
import { runSpeculativeJob, type SpeculativeJobModel } from './speculative-job.js'
import type {
  AttachDraftRequest,
  DecodeJobRequest,
  ExtendItem,
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

const sequences = new Map<number, KvEntry>()
let session: ort.InferenceSession
/** True when `session` has the new-positions-only KV outputs (see kv-output-patch.ts). */
let sessionSlicedKv = false
let contract: CausalLmContract | RewardContract | undefined

/** A causal LM session with its sequences: this worker's model, or an attached draft model. */
interface CausalRuntime {
  session: ort.InferenceSession
  contract: CausalLmContract
  sequences: Map<number, KvEntry>
  padTokenId: number
  /** Reusable storage for this model's present/past tensors. */
  pool: KvPool
  /**
   * The session has the new-positions-only KV outputs (kv-output-patch.ts): passes fetch
   * those and append them to pooled arrays instead of fetching whole `present.*` copies.
   */
  slicedKv: boolean
}

/** Draft models attached for speculative decoding inside this worker, by draft id. */
const drafts = new Map<number, CausalRuntime>()
const mainPool = new KvPool()

function mainRuntime(): CausalRuntime {
  return {
    session,
    contract: contract as CausalLmContract,
    sequences,
    padTokenId: init.padTokenId,
    pool: mainPool,
    slicedKv: sessionSlicedKv,
  }
}

/** The pooled storages that blocks of `runtime`'s sequences occupy (not to be overwritten). */
function liveStorages(runtime: CausalRuntime): Set<KvStorage> {
  const live = new Set<KvStorage>()
  for (const entry of runtime.sequences.values()) {
    const storage = entry.block?.storage
    if (storage !== undefined) live.add(storage)
  }
  return live
}

function metadataOf(values: readonly ort.InferenceSession.ValueMetadata[]): ValueMetadata[] {
  // The patch's own input and outputs are this worker's business, not the model contract's.
  const own = (name: string) => name === PAST_LENGTH_INPUT || name.startsWith('metagen_new.')
  return values
    .filter((value) => !own(value.name))
    .map((value) => ({
      name: value.name,
      type: value.isTensor ? value.type : undefined,
      shape: value.isTensor ? [...value.shape] : [],
    }))
}

/**
 * A session of the model at `onnxPath`, with the new-positions-only KV outputs when the model
 * has `present.*` outputs and its weights are inside the file (external data is resolved next
 * to the file, so such models load from their path unpatched, as does any model onnxruntime
 * rejects patched).
 */
async function createSession(
  onnxPath: string,
  settings: { threads: number; spinning: WorkerInit['spinning'] },
): Promise<{ session: ort.InferenceSession; slicedKv: boolean }> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: settings.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: spinningConfig(settings.spinning) },
  }
  if (!existsSync(`${onnxPath}_data`)) {
    const bytes = readFileSync(onnxPath)
    const patched = patchNewKvOutputs(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))
    if (patched !== undefined) {
      try {
        return { session: await ort.InferenceSession.create(patched, options), slicedKv: true }
      } catch {
        // Fall through to the unpatched model, whose errors are the ones worth reporting.
      }
    }
  }
  return { session: await ort.InferenceSession.create(onnxPath, options), slicedKv: false }
}

async function load(): Promise<void> {
  try {
    const created = await createSession(init.onnxPath, init)
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

/** How long 'brief' spinning keeps pool threads awake after their last work, in microseconds. */
const BRIEF_SPIN_US = 2000

/**
 * onnxruntime's session entries for a {@link WorkerInit.spinning} mode. Without spinning, every
 * operator that onnxruntime splits across threads wakes a sleeping pool thread (a futex round
 * trip, several microseconds): on a small model that is a few hundred operators per token and
 * costs more than the arithmetic. 'brief' lets the pool threads spin between operators and for
 * up to 2 ms after a run (`session.intra_op.spin_duration_us`), so the next decode step, which
 * follows within a fraction of a millisecond, finds them awake; after that they sleep and leave
 * the cores to other models and processes (onnxruntime's default spins for tens of ms).
 */
function spinningConfig(mode: WorkerInit['spinning']): Record<string, unknown> {
  if (mode === 'never') return { intra_op: { allow_spinning: '0' } }
  if (mode === 'always') return { intra_op: { allow_spinning: '1' } }
  return { intra_op: { allow_spinning: '1', spin_duration_us: String(BRIEF_SPIN_US) } }
}

function integers(
  type: 'int64' | 'int32',
  values: ArrayLike<number>,
  dims: readonly number[],
): ort.Tensor {
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims)
  // Token ids, positions and mask bits fit in 32 bits: writing each int64 as two little-endian
  // 32-bit words avoids a BigInt per element (masks alone are rows x length per step).
  const data = new BigInt64Array(values.length)
  const words = new Int32Array(data.buffer)
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number
    if (value !== (value | 0)) {
      data[index] = BigInt(value)
      continue
    }
    words[2 * index] = value
    words[2 * index + 1] = value < 0 ? -1 : 0
  }
  return new ort.Tensor('int64', data, dims)
}

/**
 * Position ids of the last `window` columns, as transformers.js computes them:
 * cumsum(mask) - 1 (+ the family's offset) at real positions, 1 at padding.
 * Rows outside `extended` (ghost rows: reused block rows nobody extends in this pass) get the
 * padding position 1 in every new column: their outputs and new cache columns are never read,
 * and counting their filler columns as real would run past the model's last position once a
 * finished row sits at the context limit (an out-of-range position fails the whole pass).
 */
function positionIds(
  attention: Uint8Array,
  rows: number,
  total: number,
  window: number,
  offset: number,
  extended?: ReadonlySet<number>,
): number[] {
  const positions: number[] = []
  for (let row = 0; row < rows; row++) {
    if (extended !== undefined && !extended.has(row)) {
      for (let column = 0; column < window; column++) positions.push(1)
      continue
    }
    let next = offset
    for (let column = 0; column < total; column++) {
      const real = attention[row * total + column] === 1
      if (column >= total - window) positions.push(real ? next : 1)
      if (real) next++
    }
  }
  return positions
}

/**
 * Writes `past` ([slices, pastLength, headSize] per row-head slice) followed by `added`
 * ([slices, window, headSize]) into `target` ([slices, pastLength + window, headSize]).
 */
function appendPositions(
  past: KvArray,
  added: KvArray,
  target: KvArray,
  shape: { slices: number; pastLength: number; window: number; headSize: number },
): void {
  const { slices, pastLength, window, headSize } = shape
  const pastSpan = pastLength * headSize
  const addedSpan = window * headSize
  const targetSpan = pastSpan + addedSpan
  // Both sides have the model's cache type, so set() copies bits unchanged.
  const into = target as Float32Array
  for (let slice = 0; slice < slices; slice++) {
    if (pastSpan > 0) {
      into.set(
        (past as Float32Array).subarray(slice * pastSpan, (slice + 1) * pastSpan),
        slice * targetSpan,
      )
    }
    into.set(
      (added as Float32Array).subarray(slice * addedSpan, (slice + 1) * addedSpan),
      slice * targetSpan + pastSpan,
    )
  }
}

function asFloat32(data: Float32Array | Uint16Array): Float32Array {
  return data instanceof Uint16Array ? float16ToFloat32(data) : data
}

interface PassResult {
  logits: Float32Array[]
  rows: number[]
  runMs: number
  /** Per item, its share of the pass's rows x window computed positions (computed-positions.ts). */
  computedPositions: number[]
}

/**
 * Extends `items`. A model that takes position ids gets one padded pass for the whole batch.
 * A model that takes none derives positions inside the graph (from the mask, or from the cache
 * length as legacy GPT-2 exports do), where padding would shift them: its items run in groups
 * of equal cached length and equal new-token count, each group one pass without padding.
 */
async function extend(
  items: ExtendItem[],
  runtime: CausalRuntime = mainRuntime(),
  horizon = 0,
): Promise<Extract<WorkerResponse, { type: 'extend-result' }>> {
  const model = runtime.contract
  const entries = items.map((item) => {
    const entry = runtime.sequences.get(item.sequenceId)
    if (!entry) throw new MetagenError(`unknown or released sequence ${item.sequenceId}`)
    return entry
  })
  const groups: number[][] = []
  if (model.positionIdsType !== undefined) {
    groups.push(items.map((_, index) => index))
  } else {
    const byShape = new Map<string, number[]>()
    items.forEach((item, index) => {
      const key = `${(entries[index] as KvEntry).realLength}:${item.tokens.length}`
      const group = byShape.get(key)
      if (group) group.push(index)
      else byShape.set(key, [index])
    })
    groups.push(...byShape.values())
  }
  const logits = new Array<Float32Array>(items.length)
  const rows = new Array<number>(items.length)
  const computedPositions = new Array<number>(items.length)
  let runMs = 0
  // Compute every group before committing any, so that a failed pass changes no sequence.
  const commits: Array<() => void> = []
  const reserved: KvStorage[] = []
  try {
    for (const group of groups) {
      const result = await runPass(
        runtime,
        group.map((index) => items[index] as ExtendItem),
        group.map((index) => entries[index] as KvEntry),
        commits,
        reserved,
        horizon,
      )
      runMs += result.runMs
      group.forEach((index, position) => {
        logits[index] = result.logits[position] as Float32Array
        rows[index] = result.rows[position] as number
        computedPositions[index] = result.computedPositions[position] as number
      })
    }
    for (const commit of commits) commit()
  } finally {
    // Committed blocks keep their storage live through their sequences; the rest is free.
    for (const storage of reserved) runtime.pool.release(storage)
  }
  return {
    type: 'extend-result',
    requestId: 0,
    logits,
    rows,
    runMs,
    passes: groups.length,
    computedPositions,
  }
}

async function runPass(
  runtime: CausalRuntime,
  items: ExtendItem[],
  entries: KvEntry[],
  commits: Array<() => void>,
  reserved: KvStorage[],
  horizon: number,
): Promise<PassResult> {
  const model = runtime.contract
  const shape = {
    layers: model.layers,
    heads: model.kvHeads,
    headSize: model.headDim,
    type: model.kvType,
  }
  // Liveness is read at each acquisition: passes run concurrently (a decode job beside extend
  // requests), and one that committed while this one awaited its run made its storage live.
  const acquire = (size: number, rows: number): KvStorage => {
    const live = liveStorages(runtime)
    // New storage is sized for the length the caller expects the batch to reach (a decode
    // job's horizon), so that the job's later steps find it large enough; untouched capacity
    // costs address space, not memory.
    const capacity = rows * model.kvHeads * horizon * model.headDim
    const storage = runtime.pool.acquire(size, model.layers, model.kvType, live, capacity)
    reserved.push(storage)
    return storage
  }
  const past = gatherPast(entries, shape, {
    unpadded: model.positionIdsType === undefined,
    allocate: (size) => acquire(size, entries.length),
  })
  const rows = past.batchRows
  const window = Math.max(...items.map((item) => item.tokens.length))
  const total = past.length + window
  const attention = new Uint8Array(rows * total)
  const inputIds = new Array<number>(rows * window).fill(runtime.padTokenId)
  for (let row = 0; row < rows; row++) {
    attention.set(past.mask.subarray(row * past.length, (row + 1) * past.length), row * total)
  }
  // Ghost rows (reused block rows nobody extends) see padding tokens marked real, which keeps
  // their attention well defined; their outputs are never read.
  const extended = new Set(past.rowOf)
  for (let row = 0; row < rows; row++) {
    if (!extended.has(row)) attention.fill(1, row * total + past.length, (row + 1) * total)
  }
  items.forEach((item, index) => {
    const row = past.rowOf[index] as number
    const pad = window - item.tokens.length
    attention.fill(1, row * total + past.length + pad, (row + 1) * total)
    item.tokens.forEach((token, position) => {
      inputIds[row * window + pad + position] = token
    })
  })
  const feeds: Record<string, ort.Tensor> = {
    input_ids: integers(model.idsType, inputIds, [rows, window]),
    attention_mask: integers(model.maskType, attention, [rows, total]),
  }
  if (model.positionIdsType !== undefined) {
    feeds.position_ids = integers(
      model.positionIdsType,
      positionIds(attention, rows, total, window, model.positionOffset, extended),
      [rows, window],
    )
  }
  // Only the rows somebody asked for: 1 while decoding, k when verifying k draft tokens.
  const keep = Math.max(...items.map((item) => (item.allLogits ? item.tokens.length : 1)))
  if (model.numLogitsToKeep) {
    feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.from([BigInt(keep)]), [])
  }
  if (model.useCacheBranch) {
    feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.from([past.length > 0 ? 1 : 0]), [1])
  }
  const pastDims = [rows, model.kvHeads, past.length, model.headDim]
  const fetches = ['logits']
  for (let layer = 0; layer < model.layers; layer++) {
    feeds[`past_key_values.${layer}.key`] = new ort.Tensor(
      model.kvType,
      past.keys[layer] as KvArray,
      pastDims,
    )
    feeds[`past_key_values.${layer}.value`] = new ort.Tensor(
      model.kvType,
      past.values[layer] as KvArray,
      pastDims,
    )
    for (const part of ['key', 'value']) {
      const present = `present.${layer}.${part}`
      fetches.push(runtime.slicedKv ? newKvOutputName(present) : present)
    }
  }
  if (runtime.slicedKv) {
    feeds[PAST_LENGTH_INPUT] = new ort.Tensor('int64', BigInt64Array.of(BigInt(past.length)), [1])
  }
  const started = performance.now()
  const outputs = await runtime.session.run(feeds, fetches)
  const runMs = performance.now() - started
  const logitsTensor = outputs.logits
  if (!logitsTensor) throw new MetagenError('the model has no "logits" output')
  const allLogits = logitsTensor.data as Float32Array | Uint16Array
  const vocab = model.vocabSize
  const logitRows = logitsTensor.dims[1] as number
  if (logitsTensor.dims[2] !== vocab || logitRows < keep) {
    throw new MetagenError(
      `the logits output has shape [${logitsTensor.dims.join(', ')}]; expected [${rows}, >= ${keep}, ${vocab}]`,
    )
  }
  const masks: Uint8Array[] = []
  for (let row = 0; row < rows; row++)
    masks.push(attention.subarray(row * total, (row + 1) * total))
  const block: KvBlock = { keys: [], values: [], rows, length: total, masks }
  if (runtime.slicedKv) {
    // Past and new positions into pooled arrays: what onnxruntime's present would hold.
    const size = rows * model.kvHeads * total * model.headDim
    const storage = acquire(size, rows)
    block.storage = storage
    for (let layer = 0; layer < model.layers; layer++) {
      for (const part of ['key', 'value'] as const) {
        const name = newKvOutputName(`present.${layer}.${part}`)
        const added = outputs[name]
        if (!added || added.dims[2] !== window) {
          throw new MetagenError(
            `${name} has shape [${added?.dims.join(', ')}]; expected ${window} new positions`,
          )
        }
        const target = (storage[part === 'key' ? 'keys' : 'values'][layer] as KvArray).subarray(
          0,
          size,
        )
        appendPositions(
          (part === 'key' ? past.keys : past.values)[layer] as KvArray,
          added.data as KvArray,
          target,
          {
            slices: rows * model.kvHeads,
            pastLength: past.length,
            window,
            headSize: model.headDim,
          },
        )
        ;(part === 'key' ? block.keys : block.values).push(target)
      }
    }
  } else {
    for (let layer = 0; layer < model.layers; layer++) {
      const key = outputs[`present.${layer}.key`]
      const value = outputs[`present.${layer}.value`]
      if (!key || !value)
        throw new MetagenError(`the model has no present.${layer}.key/value output`)
      if (key.dims[2] !== total) {
        throw new MetagenError(
          `present.${layer}.key has length ${key.dims[2]}; expected past + new tokens = ${total}`,
        )
      }
      block.keys.push(key.data as KvArray)
      block.values.push(value.data as KvArray)
    }
  }
  const logits: Float32Array[] = []
  const rowCounts: number[] = []
  items.forEach((item, index) => {
    const row = past.rowOf[index] as number
    const count = item.allLogits ? item.tokens.length : 1
    const start = (row * logitRows + logitRows - count) * vocab
    logits.push(asFloat32(allLogits.slice(start, start + count * vocab)))
    rowCounts.push(count)
    const entry = entries[index] as KvEntry
    commits.push(() => {
      entry.block = block
      entry.row = row
      entry.realLength += item.tokens.length
      entry.mask = undefined
    })
  })
  // Ghost rows and padding columns cost as much as real tokens: the pass computes rows x window.
  const computedPositions = apportionPositions(
    rows * window,
    items.map((item) => item.tokens.length),
  )
  return { logits, rows: rowCounts, runMs, computedPositions }
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
  const feeds: Record<string, ort.Tensor> = {
    input_ids: integers(model.idsType, inputIds, [rows, width]),
    attention_mask: integers(model.maskType, attention, [rows, width]),
  }
  if (model.positionIdsType !== undefined) {
    feeds.position_ids = integers(
      model.positionIdsType,
      positionIds(attention, rows, width, width, model.positionOffset),
      [rows, width],
    )
  }
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
      // One thread, no pool: the draft's passes are tiny, and a second intra-op pool in this
      // worker would spin between its passes on the cores the target's pool needs next (on
      // 2 cores the two pools' spinning threads slowed every round by 1.2-1.5x).
      const created = await createSession(request.onnxPath, { threads: 1, spinning: 'never' })
      drafts.set(request.draftId, {
        session: created.session,
        slicedKv: created.slicedKv,
        contract: request.contract,
        sequences: new Map(),
        padTokenId: request.padTokenId,
        pool: new KvPool(),
      })
    }
    post({ type: 'attached', requestId })
  } catch (error) {
    post({ type: 'error', requestId, message: `cannot load the draft model: ${messageOf(error)}` })
  }
}

/** One model's side of a speculative job: single-sequence extends and truncations. */
function jobModel(runtime: CausalRuntime): SpeculativeJobModel {
  return {
    vocabSize: runtime.contract.vocabSize,
    async extend(sequenceId, tokens, all) {
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

async function speculate(requestId: number, request: SpeculativeJobRequest): Promise<void> {
  const draftRuntime = drafts.get(request.draftId)
  if (!draftRuntime || !sequences.has(request.sequenceId)) {
    const missing = draftRuntime ? `sequence ${request.sequenceId}` : `draft ${request.draftId}`
    post({ type: 'error', requestId, message: `unknown or released ${missing}` })
    return
  }
  draftRuntime.sequences.set(request.draftSequenceId, emptyEntry())
  try {
    const result = await runSpeculativeJob(request, jobModel(mainRuntime()), jobModel(draftRuntime))
    const lastLogits = Float32Array.from(result.lastLogits)
    post({ type: 'speculative-result', requestId, ...result, lastLogits }, [
      lastLogits.buffer as ArrayBuffer,
    ])
  } catch (error) {
    post({ type: 'error', requestId, message: messageOf(error) })
  } finally {
    draftRuntime.sequences.delete(request.draftSequenceId)
    draftRuntime.pool.trim(liveStorages(draftRuntime), IDLE_KEEP_BYTES)
  }
}

port.on('message', async (message: WorkerRequest) => {
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
      sequences.clear()
      for (const draft of drafts.values()) await draft.session.release()
      drafts.clear()
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
          message.type === 'extend' ? await extend(message.items) : await score(message.sequences)
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
