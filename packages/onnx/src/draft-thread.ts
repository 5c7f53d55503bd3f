// The draft thread: a worker thread that the inference worker starts for a draft model of
// pipelined greedy speculative decoding (pipelined-drafter.ts). It holds its own single-threaded
// session of the draft model and the draft's KV cache, and during a job it drafts greedily
// ahead of the target, publishing each draft in the job's shared channel (draft-channel.ts),
// so that the draft's passes run on the second core while the target verifies.
import { parentPort, workerData } from 'node:worker_threads'
import { argmax, MetagenError } from '@metagen/core'
import {
  COMPUTED_POSITIONS,
  COUNT_MASK,
  DONE,
  type DraftChannel,
  type DraftThreadInit,
  type DraftThreadRequest,
  type DraftThreadResponse,
  END,
  epochOf,
  FAILED,
  FORWARD_PASSES,
  LIMIT,
  PUBLISHED,
  RESET_TOKEN,
  STATE,
  TOKENS_FED,
  WAKE,
  writeFailure,
} from './draft-channel.js'
import { type CausalRuntime, extend, liveStorages } from './forward-pass.js'
import { emptyEntry, truncateEntry } from './kv-cache.js'
import { IDLE_KEEP_BYTES, KvPool } from './kv-pool.js'
import { createModelSession } from './model-session.js'

const init = workerData as DraftThreadInit
const port = parentPort
if (!port) throw new MetagenError('draft-thread.ts must run in a worker thread')
const post = (message: DraftThreadResponse) => port.postMessage(message)

/** The draft's sequence id within this thread (one job at a time). */
const SEQUENCE = 1
/** How long one wait lasts before the loop re-checks the channel, in milliseconds. */
const WAIT_SLICE_MS = 100

let runtime: CausalRuntime | undefined
/** The channel of the job in progress, told about a failure outside the job loop's reach. */
let current: DraftChannel | undefined

function fail(channel: DraftChannel, error: unknown): void {
  writeFailure(channel, error instanceof Error ? error.message : String(error))
  Atomics.store(channel.control, STATE, FAILED)
  Atomics.notify(channel.control, STATE)
  Atomics.notify(channel.control, PUBLISHED)
}

// Whatever escapes the job loop fails the job on the channel the target waits on, and ends
// this thread (the target then sees it exit and fails later jobs).
function failAndExit(error: unknown): void {
  if (current) fail(current, error)
  process.exit(1)
}
process.on('uncaughtException', failAndExit)
process.on('unhandledRejection', failAndExit)

async function load(): Promise<void> {
  try {
    // One thread, no spinning: the draft's passes are tiny, and this thread shares the machine
    // with the target's intra-op pool.
    const created = await createModelSession(init.onnxPath, { threads: 1, spinning: 'never' })
    runtime = {
      session: created.session,
      slicedKv: created.slicedKv,
      contract: init.contract,
      sequences: new Map(),
      padTokenId: init.padTokenId,
      pool: new KvPool(),
    }
    post({ type: 'ready' })
  } catch (error) {
    post({ type: 'load-error', message: error instanceof Error ? error.message : String(error) })
  }
}

/**
 * Drafts for one job until the target ends it. Invariants: the cache holds the context then
 * the generated tokens [0, fed) of the current epoch; `prediction` (when >= 0) is the argmax
 * after them, the draft for position `fed` = `count`.
 */
async function runJob(job: Extract<DraftThreadRequest, { type: 'job' }>): Promise<void> {
  const channel: DraftChannel = { control: job.control, message: job.message, tokens: job.tokens }
  const { control, tokens } = channel
  const model = runtime
  current = channel
  const counters = { passes: 0, fed: 0, positions: 0 }
  try {
    if (!model) throw new MetagenError('the draft model is not loaded')
    if (model.sequences.size > 0) {
      throw new MetagenError(`the draft thread still holds ${model.sequences.size} sequences`)
    }
    const stop = new Set(job.stopTokenIds)
    const contextLength = job.context.length
    const horizon = contextLength + job.positions + 1
    model.sequences.set(SEQUENCE, emptyEntry())
    const feed = async (ids: number[]): Promise<number> => {
      const response = await extend(
        [{ sequenceId: SEQUENCE, tokens: ids, allLogits: false }],
        model,
        horizon,
      )
      counters.passes += response.passes
      counters.fed += ids.length
      counters.positions += response.computedPositions[0] as number
      return argmax(response.logits[0] as Float32Array)
    }
    let epoch = 0
    let count = 0
    let fed = 0
    let prediction = await feed(job.context)
    let stopped = false
    for (;;) {
      const wake = Atomics.load(control, WAKE)
      if (Atomics.load(control, END) !== 0) break
      const published = Atomics.load(control, PUBLISHED)
      if (epochOf(published) !== epoch) {
        // A reset: the committed token at position `at` is not the draft published there.
        const token = Atomics.load(control, RESET_TOKEN)
        if (Atomics.load(control, PUBLISHED) !== published) continue
        epoch = epochOf(published)
        const at = published & COUNT_MASK
        if (fed > at) {
          const entry = model.sequences.get(SEQUENCE)
          if (entry) model.sequences.set(SEQUENCE, truncateEntry(entry, contextLength + at))
          fed = at
        }
        Atomics.store(tokens, at, token)
        if (Atomics.compareExchange(control, PUBLISHED, published, published + 1) !== published)
          continue
        count = at + 1
        prediction = -1
        stopped = stop.has(token)
        Atomics.notify(control, PUBLISHED)
        continue
      }
      if (prediction < 0) {
        if (stopped || count >= Math.min(Atomics.load(control, LIMIT), job.positions)) {
          Atomics.wait(control, WAKE, wake, WAIT_SLICE_MS)
          continue
        }
        const ids: number[] = []
        for (let position = fed; position < count; position++)
          ids.push(Atomics.load(tokens, position))
        prediction = await feed(ids)
        fed = count
        continue
      }
      Atomics.store(tokens, count, prediction)
      if (Atomics.compareExchange(control, PUBLISHED, published, published + 1) !== published)
        continue
      count++
      stopped = stop.has(prediction)
      prediction = -1
      Atomics.notify(control, PUBLISHED)
    }
    Atomics.store(control, FORWARD_PASSES, counters.passes)
    Atomics.store(control, TOKENS_FED, counters.fed)
    Atomics.store(control, COMPUTED_POSITIONS, counters.positions)
    Atomics.store(control, STATE, DONE)
    Atomics.notify(control, STATE)
  } catch (error) {
    fail(channel, error)
  } finally {
    current = undefined
    if (model) {
      model.sequences.delete(SEQUENCE)
      model.pool.trim(liveStorages(model), IDLE_KEEP_BYTES)
    }
  }
}

port.on('message', async (message: DraftThreadRequest) => {
  if (message.type === 'job') {
    await runJob(message)
    return
  }
  await runtime?.session.release()
  runtime = undefined
  post({ type: 'closed' })
})

await load()
