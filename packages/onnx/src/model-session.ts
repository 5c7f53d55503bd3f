// Creating the onnxruntime sessions of the inference worker and of the draft thread
// (draft-thread.ts): thread-pool and spinning settings, and the new-positions-only KV outputs
// patch (kv-output-patch.ts).
import { existsSync, readFileSync } from 'node:fs'
import * as ort from 'onnxruntime-node'
import { patchNewKvOutputs } from './kv-output-patch.js'
import type { SpinningMode } from './worker-protocol.js'

/** How a session's intra-op thread pool runs. */
export interface SessionSettings {
  threads: number
  spinning: SpinningMode
}

/** How long 'brief' spinning keeps pool threads awake after their last work, in microseconds. */
const BRIEF_SPIN_US = 2000

/**
 * onnxruntime's session entries for a {@link SpinningMode}. Without spinning, every
 * operator that onnxruntime splits across threads wakes a sleeping pool thread (a futex round
 * trip, several microseconds): on a small model that is a few hundred operators per token and
 * costs more than the arithmetic. 'brief' lets the pool threads spin between operators and for
 * up to 2 ms after a run (`session.intra_op.spin_duration_us`), so the next decode step, which
 * follows within a fraction of a millisecond, finds them awake; after that they sleep and leave
 * the cores to other models and processes (onnxruntime's default spins for tens of ms).
 */
function spinningConfig(mode: SpinningMode): Record<string, unknown> {
  if (mode === 'never') return { intra_op: { allow_spinning: '0' } }
  if (mode === 'always') return { intra_op: { allow_spinning: '1' } }
  return { intra_op: { allow_spinning: '1', spin_duration_us: String(BRIEF_SPIN_US) } }
}

/**
 * A session of the model at `onnxPath`, with the new-positions-only KV outputs when the model
 * has `present.*` outputs and its weights are inside the file (external data is resolved next
 * to the file, so such models load from their path unpatched, as does any model onnxruntime
 * rejects patched).
 */
export async function createModelSession(
  onnxPath: string,
  settings: SessionSettings,
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
