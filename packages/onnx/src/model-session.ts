// The worker's onnxruntime sessions. onnxruntime-node's public `InferenceSession.run` defers
// every run to the next turn of the event loop (a setImmediate) before it calls the native
// session, then wraps the result once more. Inside the inference worker, where nothing else needs
// the event loop between two passes, that hop costs 30-60 us per pass: on tinymath-generator
// about a tenth of a decode step (native run 0.48 ms vs 0.54 ms through the public API, same
// process, interleaved). So the worker calls onnxruntime-node's native session directly and
// synchronously, and yields to the event loop only when the main thread has sent it a message
// (see WorkerInit.inbox). onnxruntime-node (pinned at 1.30.0) exposes that session class in
// `dist/binding.js`; when a build does not have it there, sessions fall back to the public API.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { MetagenError } from '@metagen/core'
import * as ort from 'onnxruntime-node'
import { patchNewKvOutputs } from './kv-output-patch.js'
import type { ValueMetadata } from './model-contract.js'
import { simplifyGraph } from './simplify-graph.js'
import type { SpinningMode } from './worker-protocol.js'

/** Outputs of one run, by name. */
export type RunOutputs = Record<string, ort.Tensor>

/** One loaded model, as the worker uses it. */
export interface ModelSession {
  /** The graph's inputs (names, element types, shapes). */
  readonly inputMetadata: readonly ValueMetadata[]
  /** The graph's outputs. */
  readonly outputMetadata: readonly ValueMetadata[]
  /**
   * True when {@link run} calls the native session synchronously (it then returns the outputs
   * themselves); false when it goes through the public API (it then returns a promise).
   */
  readonly direct: boolean
  /** Runs the graph on `feeds` and returns the outputs named in `fetches`. */
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: readonly string[],
  ): RunOutputs | Promise<RunOutputs>
  /** Frees the native session. */
  release(): Promise<void>
}

/** How a session's intra-op thread pool runs, and whether the graph is simplified at load. */
export interface SessionSettings {
  threads: number
  spinning: SpinningMode
  /** Fold shape computations into constants at load (simplifyGraph; default true). */
  graphSimplification?: boolean | undefined
}

/** How long 'brief' spinning keeps pool threads awake after their last work, in microseconds. */
const BRIEF_SPIN_US = 2000

/**
 * onnxruntime's session entries for a {@link SpinningMode}. Without spinning, every operator
 * that onnxruntime splits across threads wakes a sleeping pool thread (a futex round trip,
 * several microseconds): on a small model that is a few hundred operators per token and costs
 * more than the arithmetic. 'brief' lets the pool threads spin between operators and for up to
 * 2 ms after a run (`session.intra_op.spin_duration_us`), so the next decode step, which follows
 * within a fraction of a millisecond, finds them awake; after that they sleep and leave the
 * cores to other models and processes (onnxruntime's default spins for tens of ms).
 */
function spinningConfig(mode: SpinningMode): Record<string, unknown> {
  if (mode === 'never') return { intra_op: { allow_spinning: '0' } }
  if (mode === 'always') return { intra_op: { allow_spinning: '1' } }
  return { intra_op: { allow_spinning: '1', spin_duration_us: String(BRIEF_SPIN_US) } }
}

/**
 * A session of the model at `onnxPath`, with the new-positions-only KV outputs when the model
 * has `present.*` outputs and its weights are inside the file, and with its graph simplified
 * (see simplifyGraph) unless `settings.graphSimplification` is false. External data is resolved
 * next to the file, so such models load from their path unpatched and unsimplified, as does any
 * model onnxruntime rejects rewritten.
 */
export async function createModelSession(
  onnxPath: string,
  settings: SessionSettings,
): Promise<{ session: ModelSession; slicedKv: boolean; graphSimplified: boolean }> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: settings.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: spinningConfig(settings.spinning) },
  }
  if (!existsSync(`${onnxPath}_data`)) {
    const bytes = readFileSync(onnxPath)
    const original = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
    const simplified =
      settings.graphSimplification === false ? undefined : simplifyGraph(original)?.model
    for (const model of simplified === undefined ? [original] : [simplified, original]) {
      const graphSimplified = model === simplified
      const patched = patchNewKvOutputs(model)
      if (patched === undefined && !graphSimplified) continue
      try {
        const session = await openSession(patched ?? model, options)
        return { session, slicedKv: patched !== undefined, graphSimplified }
      } catch {
        // Fall through to the unrewritten model, whose errors are the ones worth reporting.
      }
    }
  }
  return { session: await openSession(onnxPath, options), slicedKv: false, graphSimplified: false }
}

/** The parts of onnxruntime-node's native session class (dist/binding.js) this module calls. */
interface NativeSession {
  loadModel(path: string, options: object): void
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void
  run(
    feeds: Record<string, ort.Tensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, ort.Tensor>
  dispose(): void
  inputMetadata: NativeValueMetadata[]
  outputMetadata: NativeValueMetadata[]
}

interface NativeValueMetadata {
  name: string
  isTensor: boolean
  /** ONNX TensorProto.DataType code. */
  type: number
  /** -1 for a symbolic dimension, named in `symbolicDimensions`. */
  shape: number[]
  symbolicDimensions: string[]
}

interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession }
  initOrt(): void
}

let nativeBinding: NativeBinding | null | undefined

/** onnxruntime-node's native binding module, or null when this build has none where expected. */
function loadNativeBinding(): NativeBinding | null {
  if (nativeBinding !== undefined) return nativeBinding
  try {
    const candidate = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as
      | Partial<NativeBinding>
      | undefined
    nativeBinding =
      typeof candidate?.initOrt === 'function' &&
      typeof candidate.binding?.InferenceSession === 'function'
        ? (candidate as NativeBinding)
        : null
  } catch {
    nativeBinding = null
  }
  return nativeBinding
}

/** ONNX TensorProto.DataType codes, as the element type names onnxruntime-node's Tensor uses. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  21: 'uint4',
  22: 'int4',
}

function valueMetadata(raw: NativeValueMetadata): ValueMetadata {
  if (!raw.isTensor) return { name: raw.name, type: undefined, shape: [] }
  const type = ELEMENT_TYPES[raw.type]
  if (type === undefined) {
    throw new MetagenError(
      `${raw.name} has an unsupported element type (ONNX data type ${raw.type})`,
    )
  }
  const shape = raw.shape.map((dim, index) => {
    if (dim >= 0) return dim
    if (dim === -1) return raw.symbolicDimensions[index] ?? ''
    throw new MetagenError(`${raw.name} has an invalid dimension ${dim}`)
  })
  return { name: raw.name, type, shape }
}

function publicMetadata(values: readonly ort.InferenceSession.ValueMetadata[]): ValueMetadata[] {
  return values.map((value) => ({
    name: value.name,
    type: value.isTensor ? value.type : undefined,
    shape: value.isTensor ? [...value.shape] : [],
  }))
}

async function openSession(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<ModelSession> {
  const native = loadNativeBinding()
  if (native === null) {
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, options)
        : await ort.InferenceSession.create(model, options)
    return {
      inputMetadata: publicMetadata(session.inputMetadata),
      outputMetadata: publicMetadata(session.outputMetadata),
      direct: false,
      run: (feeds, fetches) => session.run(feeds, [...fetches]),
      release: () => session.release(),
    }
  }
  native.initOrt()
  const session = new native.binding.InferenceSession()
  // The public API passes its options on with the execution providers it resolved (none given:
  // an empty list, which is onnxruntime's CPU provider).
  const nativeOptions = { ...options, executionProviders: [] }
  if (typeof model === 'string') session.loadModel(model, nativeOptions)
  else session.loadModel(model.buffer, model.byteOffset, model.byteLength, nativeOptions)
  const inputMetadata = session.inputMetadata.map(valueMetadata)
  const outputMetadata = session.outputMetadata.map(valueMetadata)
  const outputNames = new Set(outputMetadata.map((value) => value.name))
  const runOptions = {}
  let released = false
  return {
    inputMetadata,
    outputMetadata,
    direct: true,
    run(feeds, fetches) {
      if (released) throw new MetagenError('the onnxruntime session was released')
      const wanted: Record<string, null> = {}
      for (const name of fetches) {
        if (!outputNames.has(name)) throw new MetagenError(`the model has no output "${name}"`)
        wanted[name] = null
      }
      return session.run(feeds, wanted, runOptions)
    },
    async release() {
      if (released) return
      released = true
      session.dispose()
    },
  }
}
