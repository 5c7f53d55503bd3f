// The inference worker: owns one onnxruntime session and, for causal LMs, every sequence's KV
// cache, so that the synchronous native run never blocks the main thread and caches never
// cross the thread boundary (only token ids and logits do).
import { parentPort, workerData } from 'node:worker_threads'
import * as ort from 'onnxruntime-node'
import { emptyEntry, gatherPast, type KvBlock, type KvEntry } from './kv-cache.js'
import type { ExtendItem, WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js'

const init = workerData as WorkerInit
const port = parentPort
if (!port) throw new Error('worker.ts must run in a worker thread')

const post = (message: WorkerResponse, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer)

const sequences = new Map<number, KvEntry>()
let session: ort.InferenceSession

async function load(): Promise<void> {
  try {
    session = await ort.InferenceSession.create(init.onnxPath, {
      intraOpNumThreads: init.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Spinning threads burn the cores that other workers and the main thread need; on a
      // small machine running several models at once, sleeping between runs is faster overall.
      extra: { session: { intra_op: { allow_spinning: init.spinning ? '1' : '0' } } },
    })
  } catch (error) {
    post({ type: 'load-error', message: `onnxruntime cannot load the model: ${messageOf(error)}` })
    return
  }
  post({
    type: 'ready',
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
  })
}

function int64(values: ArrayLike<number>, dims: number[]): ort.Tensor {
  const data = new BigInt64Array(values.length)
  for (let index = 0; index < values.length; index++) data[index] = BigInt(values[index] as number)
  return new ort.Tensor('int64', data, dims)
}

/** Position ids = cumsum(attention_mask) - 1, clamped at 0, for the last `window` columns. */
function positionIds(attention: Uint8Array, rows: number, total: number, window: number): number[] {
  const positions: number[] = []
  for (let row = 0; row < rows; row++) {
    let count = 0
    for (let column = 0; column < total; column++) {
      count += attention[row * total + column] as number
      if (column >= total - window) positions.push(Math.max(0, count - 1))
    }
  }
  return positions
}

async function extend(items: ExtendItem[]): Promise<WorkerResponse> {
  const entries = items.map((item) => {
    const entry = sequences.get(item.sequenceId)
    if (!entry) throw new Error(`unknown or released sequence ${item.sequenceId}`)
    return entry
  })
  const shape = { layers: init.layers, heads: init.heads, headSize: init.headSize }
  const past = gatherPast(entries, shape)
  const rows = past.batchRows
  const window = Math.max(...items.map((item) => item.tokens.length))
  const total = past.length + window
  const attention = new Uint8Array(rows * total)
  const inputIds = new Array<number>(rows * window).fill(init.padTokenId)
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
    input_ids: int64(inputIds, [rows, window]),
    attention_mask: int64(attention, [rows, total]),
    position_ids: int64(positionIds(attention, rows, total, window), [rows, window]),
  }
  const pastDims = [rows, init.heads, past.length, init.headSize]
  for (let layer = 0; layer < init.layers; layer++) {
    feeds[`past_key_values.${layer}.key`] = new ort.Tensor(
      'float32',
      past.keys[layer] as Float32Array,
      pastDims,
    )
    feeds[`past_key_values.${layer}.value`] = new ort.Tensor(
      'float32',
      past.values[layer] as Float32Array,
      pastDims,
    )
  }
  const started = performance.now()
  const outputs = await session.run(feeds)
  const runMs = performance.now() - started
  const logitsTensor = outputs.logits
  if (!logitsTensor) throw new Error('the model has no "logits" output')
  const allLogits = logitsTensor.data as Float32Array
  const vocab = init.vocabSize
  const masks: Uint8Array[] = []
  for (let row = 0; row < rows; row++)
    masks.push(attention.subarray(row * total, (row + 1) * total))
  const block: KvBlock = { keys: [], values: [], rows, length: total, masks }
  for (let layer = 0; layer < init.layers; layer++) {
    const key = outputs[`present.${layer}.key`]
    const value = outputs[`present.${layer}.value`]
    if (!key || !value) throw new Error(`the model has no present.${layer}.key/value output`)
    block.keys.push(key.data as Float32Array)
    block.values.push(value.data as Float32Array)
  }
  const logits: Float32Array[] = []
  const rowCounts: number[] = []
  items.forEach((item, index) => {
    const row = past.rowOf[index] as number
    const count = item.allLogits ? item.tokens.length : 1
    const start = (row * window + window - count) * vocab
    logits.push(allLogits.slice(start, start + count * vocab))
    rowCounts.push(count)
    // Commit only after the run succeeded, so a failed pass leaves every sequence as it was.
    const entry = entries[index] as KvEntry
    entry.block = block
    entry.row = row
    entry.realLength += item.tokens.length
  })
  return { type: 'extend-result', requestId: 0, logits, rows: rowCounts, runMs }
}

async function score(batch: number[][]): Promise<WorkerResponse> {
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
    input_ids: int64(inputIds, [rows, width]),
    attention_mask: int64(attention, [rows, width]),
    position_ids: int64(positionIds(attention, rows, width, width), [rows, width]),
  }
  const started = performance.now()
  const outputs = await session.run(feeds)
  const runMs = performance.now() - started
  const tensor = outputs.token_scores
  if (!tensor) throw new Error('the model has no "token_scores" output')
  const data = tensor.data as Float32Array
  const scores = batch.map((sequence, row) => {
    const start = row * width + (width - sequence.length)
    return data.slice(start, start + sequence.length)
  })
  return { type: 'score-result', requestId: 0, scores, runMs }
}

port.on('message', async (message: WorkerRequest) => {
  switch (message.type) {
    case 'fork': {
      const source = sequences.get(message.sourceId) ?? emptyEntry()
      sequences.set(message.targetId, { ...source })
      return
    }
    case 'release': {
      sequences.delete(message.sequenceId)
      return
    }
    case 'close': {
      sequences.clear()
      await session?.release()
      post({ type: 'closed', requestId: message.requestId })
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
