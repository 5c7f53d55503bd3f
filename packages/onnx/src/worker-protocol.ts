// Messages between the main thread and the inference worker. Plain data and transferable
// typed arrays only.
import type { CausalLmContract, RewardContract, ValueMetadata } from './model-contract.js'

/** Sent once in `workerData`. */
export interface WorkerInit {
  kind: 'causal-lm' | 'reward-model'
  onnxPath: string
  /** Token id fed at padded positions (masked out, so any valid id works). */
  padTokenId: number
  threads: number
  /** Let onnxruntime's intra-op threads spin while waiting for work. */
  spinning: boolean
}

/** One sequence of a batched extend. */
export interface ExtendItem {
  sequenceId: number
  tokens: number[]
  allLogits: boolean
}

export type WorkerRequest =
  | { type: 'configure'; contract: CausalLmContract | RewardContract }
  | { type: 'extend'; requestId: number; items: ExtendItem[] }
  | { type: 'score'; requestId: number; sequences: number[][] }
  | { type: 'fork'; sourceId: number; targetId: number }
  | { type: 'release'; sequenceId: number }
  | { type: 'truncate'; sequenceId: number; length: number }
  | { type: 'close'; requestId: number }

export type WorkerResponse =
  | { type: 'ready'; inputs: ValueMetadata[]; outputs: ValueMetadata[] }
  | { type: 'load-error'; message: string }
  | {
      type: 'extend-result'
      requestId: number
      /** Per item: float32 logits rows, row-major. */
      logits: Float32Array[]
      rows: number[]
      /** Milliseconds spent in session.run. */
      runMs: number
      /** Forward passes run (more than one when rows of different lengths cannot share one). */
      passes: number
    }
  | { type: 'score-result'; requestId: number; scores: Float32Array[]; runMs: number }
  | { type: 'error'; requestId: number; message: string }
  | { type: 'closed'; requestId: number }
