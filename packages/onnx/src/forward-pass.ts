// One forward pass of a causal LM over a batch of sequences, shared by the inference worker
// (its own model, and the draft models of serial speculative jobs) and the draft thread
// (draft-thread.ts): the feeds (ids, mask, positions, past KV), the run, and the new cache
// blocks committed to the sequences only once every pass of a call has succeeded.
import { MetagenError } from '@metagen/core'
import * as ort from 'onnxruntime-node'
import { apportionPositions } from './computed-positions.js'
import { float16ToFloat32 } from './float16.js'
import { gatherPast, type KvArray, type KvBlock, type KvEntry } from './kv-cache.js'
import { newKvOutputName, PAST_LENGTH_INPUT } from './kv-output-patch.js'
import type { KvPool, KvStorage } from './kv-pool.js'
import type { CausalLmContract } from './model-contract.js'
import type { ModelSession } from './model-session.js'
import type { ExtendItem, WorkerResponse } from './worker-protocol.js'

/** A causal LM session with its sequences: this worker's model, or an attached draft model. */
export interface CausalRuntime {
  session: ModelSession
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
  /**
   * Spare positions per row and head that a pass of several rows leaves in its cache for the
   * next passes to append in place (see runPass); 0 or undefined: none.
   */
  sparePositions?: number | undefined
}

/** The pooled storages that blocks of `runtime`'s sequences occupy (not to be overwritten). */
export function liveStorages(runtime: CausalRuntime): Set<KvStorage> {
  const live = new Set<KvStorage>()
  for (const entry of runtime.sequences.values()) {
    const storage = entry.block?.storage
    if (storage !== undefined) live.add(storage)
  }
  return live
}

/** The cache's input and output names of one layer. */
interface LayerNames {
  pastKey: string
  pastValue: string
  presentKey: string
  presentValue: string
  /** The patched graph's new-positions-only outputs (kv-output-patch.ts). */
  newKey: string
  newValue: string
}

const layerNameCache: LayerNames[] = []

/** Layer `layer`'s cache names, built once (every pass of every model uses them). */
function layerNames(layer: number): LayerNames {
  let names = layerNameCache[layer]
  if (names === undefined) {
    const presentKey = `present.${layer}.key`
    const presentValue = `present.${layer}.value`
    names = {
      pastKey: `past_key_values.${layer}.key`,
      pastValue: `past_key_values.${layer}.value`,
      presentKey,
      presentValue,
      newKey: newKvOutputName(presentKey),
      newValue: newKvOutputName(presentValue),
    }
    layerNameCache[layer] = names
  }
  return names
}

export function integers(
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
 * The token feeds of a pass: `input_ids` ([rows, window]), `attention_mask` ([rows, columns])
 * and, for a model that takes them, the `position_ids` of the mask's last `window` columns
 * (see positionIds; rows outside `extended` get padding positions).
 */
export function tokenFeeds(
  model: Pick<CausalLmContract, 'idsType' | 'maskType' | 'positionIdsType' | 'positionOffset'>,
  inputIds: readonly number[],
  attention: Uint8Array,
  shape: { rows: number; columns: number; window: number; extended?: ReadonlySet<number> },
): Record<string, ort.Tensor> {
  const { rows, columns, window } = shape
  const feeds: Record<string, ort.Tensor> = {
    input_ids: integers(model.idsType, inputIds, [rows, window]),
    attention_mask: integers(model.maskType, attention, [rows, columns]),
  }
  if (model.positionIdsType !== undefined) {
    feeds.position_ids = integers(
      model.positionIdsType,
      positionIds(attention, rows, columns, window, model.positionOffset, shape.extended),
      [rows, window],
    )
  }
  return feeds
}

/**
 * Position ids of the last `window` columns, as transformers.js computes them:
 * cumsum(mask) - 1 (+ the family's offset) at real positions, 1 at padding.
 * Rows outside `extended` (ghost rows: reused block rows nobody extends in this pass) get the
 * padding position 1 in every new column: their outputs and new cache columns are never read,
 * and counting their filler columns as real would run past the model's last position once a
 * finished row sits at the context limit (an out-of-range position fails the whole pass).
 */
export function positionIds(
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
 * Writes, for every row-head slice, the `pastLength` positions of `past` (slices `pastStride`
 * positions apart) followed by the `window` positions of `added` ([slices, window, headSize])
 * into `target` (slices `targetStride` positions apart), and zeroes the rest of each target
 * slice. With `inPlace`, `past` is `target` and only `added` is written.
 */
function appendPositions(
  past: KvArray,
  added: KvArray,
  target: KvArray,
  shape: {
    slices: number
    pastLength: number
    pastStride: number
    window: number
    targetStride: number
    headSize: number
    inPlace: boolean
  },
): void {
  const { slices, pastLength, window, headSize } = shape
  const pastSpan = pastLength * headSize
  const addedSpan = window * headSize
  const sourceSpan = shape.pastStride * headSize
  const targetSpan = shape.targetStride * headSize
  // Both sides have the model's cache type, so set() copies bits unchanged.
  const into = target as Float32Array
  for (let slice = 0; slice < slices; slice++) {
    const base = slice * targetSpan
    if (pastSpan > 0 && !shape.inPlace) {
      into.set(
        (past as Float32Array).subarray(slice * sourceSpan, slice * sourceSpan + pastSpan),
        base,
      )
    }
    into.set(
      (added as Float32Array).subarray(slice * addedSpan, (slice + 1) * addedSpan),
      base + pastSpan,
    )
    // Spare positions are fed masked: zeros keep them finite whatever the storage held before.
    if (!shape.inPlace && targetSpan > pastSpan + addedSpan) {
      into.fill(0, base + pastSpan + addedSpan, base + targetSpan)
    }
  }
}

export function asFloat32(data: Float32Array | Uint16Array): Float32Array {
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
export async function extend(
  items: ExtendItem[],
  runtime: CausalRuntime,
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
  // The cache's real length after the pass, and the columns fed: the past's positions, spare
  // ones included (masked), then the window.
  const total = past.length + window
  const stride = past.block?.stride ?? past.length
  const fed = stride + window
  const attention = new Uint8Array(rows * fed)
  const inputIds = new Array<number>(rows * window).fill(runtime.padTokenId)
  for (let row = 0; row < rows; row++) {
    attention.set(past.mask.subarray(row * past.length, (row + 1) * past.length), row * fed)
  }
  // Ghost rows (reused block rows nobody extends) see padding tokens marked real, which keeps
  // their attention well defined; their outputs are never read.
  const extended = new Set(past.rowOf)
  for (let row = 0; row < rows; row++) {
    if (!extended.has(row)) attention.fill(1, row * fed + stride, (row + 1) * fed)
  }
  items.forEach((item, index) => {
    const row = past.rowOf[index] as number
    const pad = window - item.tokens.length
    attention.fill(1, row * fed + stride + pad, (row + 1) * fed)
    item.tokens.forEach((token, position) => {
      inputIds[row * window + pad + position] = token
    })
  })
  const feeds = tokenFeeds(model, inputIds, attention, { rows, columns: fed, window, extended })
  // A batched pass (more than one row) of a model that takes position ids leaves its cache
  // with spare positions after each row-head's real ones, and the next pass over the same
  // rows writes its new positions there in place, instead of copying every cached position
  // into fresh arrays (which costs a batch of 16 at 50 positions about a fifth of its pass).
  // The spare positions are fed as masked padding, which position ids make harmless; one row
  // keeps exactly the layout of an unbatched run.
  const sparePositions = runtime.sparePositions ?? 0
  const spare =
    runtime.slicedKv && sparePositions > 0 && rows > 1 && model.positionIdsType !== undefined
  const source = past.block
  const appendable = source?.storage?.appendable
  const inPlace =
    spare &&
    appendable !== undefined &&
    appendable.rows === rows &&
    appendable.stride === stride &&
    appendable.length === past.length &&
    total <= stride
  // Claimed before the run: no other pass may append to these positions meanwhile.
  if (inPlace) appendable.length = total
  // Only the rows somebody asked for: 1 while decoding, k when verifying k draft tokens.
  const keep = Math.max(...items.map((item) => (item.allLogits ? item.tokens.length : 1)))
  if (model.numLogitsToKeep) {
    feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.from([BigInt(keep)]), [])
  }
  if (model.useCacheBranch) {
    feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.from([past.length > 0 ? 1 : 0]), [1])
  }
  const pastDims = [rows, model.kvHeads, stride, model.headDim]
  const fetches = ['logits']
  for (let layer = 0; layer < model.layers; layer++) {
    const names = layerNames(layer)
    feeds[names.pastKey] = new ort.Tensor(model.kvType, past.keys[layer] as KvArray, pastDims)
    feeds[names.pastValue] = new ort.Tensor(model.kvType, past.values[layer] as KvArray, pastDims)
    if (runtime.slicedKv) fetches.push(names.newKey, names.newValue)
    else fetches.push(names.presentKey, names.presentValue)
  }
  if (runtime.slicedKv) {
    feeds[PAST_LENGTH_INPUT] = new ort.Tensor('int64', BigInt64Array.of(BigInt(stride)), [1])
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
  let block: KvBlock
  if (runtime.slicedKv) {
    // The new block's masks cover its real positions: the past's, then the window's (one array
    // for all rows when spare positions sit between them).
    const joined = stride === past.length ? undefined : new Uint8Array(rows * total)
    for (let row = 0; row < rows; row++) {
      const start = row * fed
      if (joined === undefined) masks.push(attention.subarray(start, start + total))
      else {
        joined.set(attention.subarray(start, start + past.length), row * total)
        joined.set(attention.subarray(start + stride, start + fed), row * total + past.length)
        masks.push(joined.subarray(row * total, (row + 1) * total))
      }
    }
    // Past and new positions into pooled arrays, what onnxruntime's present would hold: into
    // the past's own spare positions when the pass may append in place, else into new arrays
    // (with spare positions of their own for a batched pass).
    const targetStride = inPlace ? stride : spare ? total + sparePositions : total
    const size = rows * model.kvHeads * targetStride * model.headDim
    const storage = inPlace ? (source?.storage as KvStorage) : acquire(size, rows)
    if (spare && !inPlace) storage.appendable = { rows, stride: targetStride, length: total }
    block = { keys: [], values: [], rows, length: total, masks, storage }
    if (targetStride !== total) block.stride = targetStride
    for (let layer = 0; layer < model.layers; layer++) {
      for (const part of ['key', 'value'] as const) {
        const name = part === 'key' ? layerNames(layer).newKey : layerNames(layer).newValue
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
            pastStride: stride,
            window,
            targetStride,
            headSize: model.headDim,
            inPlace,
          },
        )
        ;(part === 'key' ? block.keys : block.values).push(target)
      }
    }
  } else {
    // present.* holds every fed position: spare ones (from a block another session of the
    // model wrote) stay in the block as masked padding.
    for (let row = 0; row < rows; row++) masks.push(attention.subarray(row * fed, (row + 1) * fed))
    block = { keys: [], values: [], rows, length: fed, masks }
    for (let layer = 0; layer < model.layers; layer++) {
      const key = outputs[layerNames(layer).presentKey]
      const value = outputs[layerNames(layer).presentValue]
      if (!key || !value)
        throw new MetagenError(`the model has no present.${layer}.key/value output`)
      if (key.dims[2] !== fed) {
        throw new MetagenError(
          `present.${layer}.key has length ${key.dims[2]}; expected past + new tokens = ${fed}`,
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
