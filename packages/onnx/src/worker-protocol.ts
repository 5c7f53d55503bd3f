// Messages between the main thread and the inference worker. Plain data and transferable
// typed arrays only.

/** Sent once in `workerData`. */
export interface WorkerInit {
  kind: 'causal-lm' | 'reward-model'
  onnxPath: string
  layers: number
  heads: number
  headSize: number
  vocabSize: number
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
  | { type: 'extend'; requestId: number; items: ExtendItem[] }
  | { type: 'score'; requestId: number; sequences: number[][] }
  | { type: 'fork'; sourceId: number; targetId: number }
  | { type: 'release'; sequenceId: number }
  | { type: 'close'; requestId: number }

export type WorkerResponse =
  | { type: 'ready'; inputNames: string[]; outputNames: string[] }
  | { type: 'load-error'; message: string }
  | {
      type: 'extend-result'
      requestId: number
      /** Per item: logits rows, row-major. */
      logits: Float32Array[]
      rows: number[]
      /** Milliseconds spent in session.run. */
      runMs: number
    }
  | { type: 'score-result'; requestId: number; scores: Float32Array[]; runMs: number }
  | { type: 'error'; requestId: number; message: string }
  | { type: 'closed'; requestId: number }
