// The main-thread side of the inference worker: starts it, matches replies to requests, and
// turns a crashed or failed worker into clear errors instead of hanging promises. The worker
// keeps the process alive only while a request is pending (ref'd), not while idle (unref'd), so
// a script that forgets to close its model still exits when its work is done.
import { Worker } from 'node:worker_threads'
import { ApiCallError, ModelLoadError } from '@metagen/core'
import type { ValueMetadata } from './model-contract.js'
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol.js'

/** A request without its id (the client assigns one); distributes over the union. */
type RequestBody =
  Extract<WorkerRequest, { requestId: number }> extends infer T
    ? T extends { requestId: number }
      ? Omit<T, 'requestId'>
      : never
    : never

type Pending = { resolve: (response: WorkerResponse) => void; reject: (error: Error) => void }

/** A started worker that answers requests one at a time, in order. */
export class WorkerClient {
  /** The session's inputs and outputs (names, element types, shapes). */
  readonly inputs: readonly ValueMetadata[]
  readonly outputs: readonly ValueMetadata[]
  private readonly worker: Worker
  /** Messages posted to the worker (WorkerInit.inbox). */
  private readonly inbox: Int32Array
  private readonly pending = new Map<number, Pending>()
  private nextRequestId = 1
  private failed: Error | undefined
  private closing = false

  /** Why the worker cannot serve requests any more (it exited, crashed or was closed), or undefined. */
  get failure(): Error | undefined {
    return this.failed
  }

  private constructor(
    worker: Worker,
    inbox: Int32Array,
    ready: { inputs: ValueMetadata[]; outputs: ValueMetadata[] },
  ) {
    this.worker = worker
    this.inbox = inbox
    this.inputs = ready.inputs
    this.outputs = ready.outputs
    worker.unref()
    worker.on('message', (message: WorkerResponse) => {
      if (!('requestId' in message)) return
      const pending = this.pending.get(message.requestId)
      if (!pending) return
      this.pending.delete(message.requestId)
      // Idle again: the worker no longer keeps the process alive. A caller that sends the next
      // request when this one resolves refs it again before the event loop looks.
      if (this.pending.size === 0) worker.unref()
      if (message.type === 'error') {
        pending.reject(
          new ApiCallError({
            message: `ONNX inference failed: ${message.message}`,
            isRetryable: false,
          }),
        )
      } else {
        pending.resolve(message)
      }
    })
    const fail = (error: Error) => {
      this.failed = error
      for (const pending of this.pending.values()) pending.reject(error)
      this.pending.clear()
      worker.unref()
    }
    worker.on('error', (error) =>
      fail(
        new ApiCallError({
          message: `the ONNX worker crashed: ${error.message}`,
          isRetryable: false,
          cause: error,
        }),
      ),
    )
    // Any exit that close() did not ask for is a failure: calls in flight and every later call
    // reject with a clear error instead of waiting for a worker that is gone.
    worker.on('exit', (code) => {
      if (this.closing) return
      if (this.failed === undefined || this.pending.size > 0) {
        fail(
          new ApiCallError({
            message: `the ONNX worker exited unexpectedly (exit code ${code}); the model cannot be used any more`,
            isRetryable: false,
          }),
        )
      }
    })
  }

  /** Starts a worker and waits until its session is loaded. */
  static async start(init: Omit<WorkerInit, 'inbox'>, source: string): Promise<WorkerClient> {
    disableOnnxruntimeTelemetry()
    const inbox = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT))
    const workerData: WorkerInit = { ...init, inbox }
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData })
    const ready = await new Promise<{ inputs: ValueMetadata[]; outputs: ValueMetadata[] }>(
      (resolve, reject) => {
        const onMessage = (message: WorkerResponse) => {
          cleanup()
          if (message.type === 'ready') resolve(message)
          else if (message.type === 'load-error')
            reject(new ModelLoadError({ source, message: message.message }))
          else
            reject(
              new ModelLoadError({ source, message: `unexpected worker message ${message.type}` }),
            )
        }
        const onError = (error: Error) => {
          cleanup()
          reject(
            new ModelLoadError({
              source,
              message: `the ONNX worker failed to start: ${error.message}`,
              cause: error,
            }),
          )
        }
        const onExit = (code: number) => {
          cleanup()
          reject(
            new ModelLoadError({
              source,
              message: `the ONNX worker exited (exit code ${code}) before the model was loaded`,
            }),
          )
        }
        const cleanup = () => {
          worker.off('message', onMessage)
          worker.off('error', onError)
          worker.off('exit', onExit)
        }
        worker.on('message', onMessage)
        worker.on('error', onError)
        worker.on('exit', onExit)
      },
    ).catch(async (error: unknown) => {
      // A worker whose session failed to load must not linger (it holds a thread and memory).
      await worker.terminate()
      throw error
    })
    if (!(ready.inputs.length > 0)) {
      await worker.terminate()
      throw new ModelLoadError({ source, message: 'the model has no inputs' })
    }
    return new WorkerClient(worker, inbox, ready)
  }

  /** Sends a request that expects a reply. */
  request<TResponse extends WorkerResponse>(message: RequestBody): Promise<TResponse> {
    if (this.failed) return Promise.reject(this.failure)
    const requestId = this.nextRequestId++
    return new Promise<TResponse>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref()
      this.pending.set(requestId, {
        resolve: resolve as (response: WorkerResponse) => void,
        reject,
      })
      this.post({ ...message, requestId })
    })
  }

  /** Sends a message that has no reply (configure, fork, release). */
  send(
    message: Extract<WorkerRequest, { type: 'configure' | 'fork' | 'release' | 'truncate' }>,
  ): void {
    if (!this.failed) this.post(message)
  }

  /** Posts to the worker, counted first so that its loops know a message is on the way. */
  private post(message: WorkerRequest): void {
    Atomics.add(this.inbox, 0, 1)
    this.worker.postMessage(message)
  }

  /** Closes the session and ends the worker. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    if (!this.failed) {
      try {
        await this.request({ type: 'close' })
      } catch {
        // The worker is ending anyway.
      }
    }
    await this.worker.terminate()
    this.failed ??= new ApiCallError({ message: 'the ONNX model was closed', isRetryable: false })
    // Calls the worker did not answer before it ended (sent after, or running beside, the
    // close) fail instead of waiting for a worker that is gone.
    for (const pending of this.pending.values()) pending.reject(this.failed)
    this.pending.clear()
  }
}

/**
 * Turns off onnxruntime's usage telemetry unless the user set `ORT_DISABLE_TELEMETRY`
 * themselves. onnxruntime reads the variable from the process environment when its native
 * environment starts (in the worker), and only the main thread's `process.env` writes through
 * to the real environment, so this runs on the main thread before any worker starts.
 */
export function disableOnnxruntimeTelemetry(): void {
  if (process.env.ORT_DISABLE_TELEMETRY === undefined) process.env.ORT_DISABLE_TELEMETRY = '1'
}
