// The inference worker's side of pipelined greedy speculative decoding: a draft thread
// (draft-thread.ts) holds the draft model and drafts ahead of the target, and the drafter here
// takes its published drafts for each verification round, checks the committed tokens
// against what it published, and resets it where they went another way (draft-channel.ts).
import { Worker } from 'node:worker_threads'
import { MetagenError } from '@metagen/core'
import {
  COMPUTED_POSITIONS,
  COUNT_MASK,
  createDraftChannel,
  type DraftChannel,
  type DraftThreadInit,
  type DraftThreadRequest,
  type DraftThreadResponse,
  END,
  epochOf,
  FAILED,
  FORWARD_PASSES,
  LIMIT,
  MAX_POSITIONS,
  PUBLISHED,
  packPublished,
  RESET_TOKEN,
  RUNNING,
  readFailure,
  STATE,
  TOKENS_FED,
  WAKE,
} from './draft-channel.js'
import type { DraftCounters, SpeculativeDrafter } from './speculative-job.js'
import type { SpeculativeJobRequest } from './worker-protocol.js'

/** How long one wait lasts before the loop re-checks whether the draft thread is gone, in ms. */
const WAIT_SLICE_MS = 50

/**
 * A draft model loaded in its own worker thread, started by the inference worker. It runs one
 * job at a time: {@link DraftThread.exclusive} queues the callers.
 */
export class DraftThread {
  private readonly worker: Worker
  private queue: Promise<unknown> = Promise.resolve()
  /** Why the thread cannot draft any more (it exited, crashed or was closed), or undefined. */
  failure: Error | undefined

  /** Called with the thread's next message (its answer to a load or a close). */
  private replied: ((message: DraftThreadResponse) => void) | undefined
  /** Called when the thread fails or exits. */
  private ended: ((error: Error) => void) | undefined

  private constructor(worker: Worker) {
    this.worker = worker
    // The inference worker's own liveness decides whether the process waits for it.
    worker.unref()
    // One listener for the thread's life: the port only delivers while one is attached.
    worker.on('message', (message: DraftThreadResponse) => this.replied?.(message))
    worker.on('error', (error) => {
      this.failure ??= new MetagenError(`the draft thread crashed: ${error.message}`)
      this.ended?.(this.failure)
    })
    worker.on('exit', (code) => {
      this.failure ??= new MetagenError(`the draft thread exited (exit code ${code})`)
      this.ended?.(this.failure)
    })
  }

  /** Starts a draft thread and waits until its session is loaded; rejects with the load error. */
  static async start(init: DraftThreadInit): Promise<DraftThread> {
    const worker = new Worker(new URL('./draft-thread.js', import.meta.url), { workerData: init })
    const thread = new DraftThread(worker)
    try {
      await new Promise<void>((resolve, reject) => {
        thread.replied = (message) => {
          if (message.type === 'ready') resolve()
          else
            reject(new MetagenError(message.type === 'load-error' ? message.message : message.type))
        }
        thread.ended = reject
      })
    } catch (error) {
      await worker.terminate()
      throw error
    } finally {
      thread.replied = undefined
      thread.ended = undefined
    }
    return thread
  }

  /** Runs `job` once every job queued before it has ended. */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job)
    this.queue = run.catch(() => undefined)
    return run
  }

  /**
   * A drafter for one job (call inside {@link exclusive}): posts the job's context to the
   * thread, which prefills its cache and starts drafting at once.
   */
  createDrafter(
    request: Pick<
      SpeculativeJobRequest,
      'context' | 'stopTokenIds' | 'maxTokens' | 'contextLimit' | 'length'
    >,
  ): SpeculativeDrafter {
    if (this.failure) throw this.failure
    // Drafts are wanted at generated positions below min(maxTokens - 1, room left in the
    // context - 1): the target never verifies a draft beyond them.
    const positions = Math.max(
      0,
      Math.min(request.maxTokens - 1, request.contextLimit - request.length - 1, MAX_POSITIONS),
    )
    const channel = createDraftChannel(positions + 1)
    const message: DraftThreadRequest = {
      type: 'job',
      control: channel.control,
      message: channel.message,
      tokens: channel.tokens,
      context: [...request.context],
      stopTokenIds: [...request.stopTokenIds],
      positions,
    }
    this.worker.postMessage(message)
    return new PipelinedDrafter(this, channel, new Set(request.stopTokenIds), positions)
  }

  /**
   * Releases the thread's session and ends the thread, once the jobs queued so far have ended
   * (a job still waiting on the thread afterwards fails instead of waiting).
   */
  async close(): Promise<void> {
    await this.queue
    this.failure ??= new MetagenError('the draft model was released')
    await new Promise<void>((resolve) => {
      this.replied = () => resolve()
      this.ended = () => resolve()
      this.worker.postMessage({ type: 'close' } satisfies DraftThreadRequest)
    })
    await this.worker.terminate()
  }
}

/**
 * Blocks until `control[index]` may have left `value` (a notification) or for one slice; after
 * a slice without one, lets the event loop run once, so that an exit or crash of the draft
 * thread that never reached the channel still sets {@link DraftThread.failure}.
 */
async function waitOn(control: Int32Array, index: number, value: number): Promise<void> {
  if (Atomics.wait(control, index, value, WAIT_SLICE_MS) !== 'timed-out') return
  await new Promise<void>((resolve) => setImmediate(resolve))
}

/** The drafts of one job, taken from the draft thread's channel. */
class PipelinedDrafter implements SpeculativeDrafter {
  /** The committed tokens at positions [0, verified) equal the drafts published there. */
  private verified = 0
  private epoch = 0
  private limit = 0
  private finished: Promise<DraftCounters> | undefined

  constructor(
    private readonly thread: DraftThread,
    private readonly channel: DraftChannel,
    private readonly stop: ReadonlySet<number>,
    private readonly positions: number,
  ) {}

  async propose(
    committed: readonly number[],
    budget: number,
  ): Promise<{ tokens: number[]; probabilities: undefined }> {
    const { control, tokens } = this.channel
    const start = committed.length
    const wanted = Math.min(budget, this.positions - start)
    if (wanted <= 0) return { tokens: [], probabilities: undefined }
    // Run ahead: this round's drafts, the next round's first position (a correction or bonus
    // token) and as many drafts again for the next round, while the target verifies.
    this.setLimit(Math.min(this.positions, start + 2 * wanted + 1))
    for (;;) {
      this.checkThread()
      const published = Atomics.load(control, PUBLISHED)
      const count = published & COUNT_MASK
      // Only the target starts epochs, so the published count is always of the current one.
      if (epochOf(published) === (this.epoch & 0x7ff)) {
        let reset = false
        while (this.verified < start && this.verified < count) {
          const position = this.verified
          const token = committed[position] as number
          if (Atomics.load(tokens, position) === token) {
            this.verified++
            continue
          }
          // The target went another way here: restart the draft after its token.
          this.epoch++
          Atomics.store(control, RESET_TOKEN, token)
          Atomics.store(control, PUBLISHED, packPublished(this.epoch, position))
          this.wake()
          this.verified = position + 1
          reset = true
          break
        }
        if (reset) continue
        if (this.verified >= start) {
          const drafts: number[] = []
          for (let position = start; position < count && drafts.length < wanted; position++) {
            const token = Atomics.load(tokens, position)
            drafts.push(token)
            if (this.stop.has(token)) return { tokens: drafts, probabilities: undefined }
          }
          if (drafts.length >= wanted) return { tokens: drafts, probabilities: undefined }
        }
      }
      await waitOn(control, PUBLISHED, published)
    }
  }

  finish(): Promise<DraftCounters> {
    this.finished ??= this.end()
    return this.finished
  }

  private async end(): Promise<DraftCounters> {
    const { control } = this.channel
    Atomics.store(control, END, 1)
    this.wake()
    for (;;) {
      const state = Atomics.load(control, STATE)
      if (state === FAILED) throw this.failed()
      if (state !== RUNNING) break
      if (this.thread.failure) throw this.thread.failure
      await waitOn(control, STATE, RUNNING)
    }
    return {
      draftForwardPasses: Atomics.load(control, FORWARD_PASSES),
      draftTokensFed: Atomics.load(control, TOKENS_FED),
      draftComputedPositions: Atomics.load(control, COMPUTED_POSITIONS),
    }
  }

  private setLimit(limit: number): void {
    if (limit <= this.limit) return
    this.limit = limit
    Atomics.store(this.channel.control, LIMIT, limit)
    this.wake()
  }

  private wake(): void {
    Atomics.add(this.channel.control, WAKE, 1)
    Atomics.notify(this.channel.control, WAKE)
  }

  private checkThread(): void {
    if (Atomics.load(this.channel.control, STATE) === FAILED) throw this.failed()
    if (this.thread.failure) throw this.thread.failure
  }

  private failed(): Error {
    return new MetagenError(`the draft thread failed: ${readFailure(this.channel)}`)
  }
}
