// Messages between the main thread and the inference worker. Plain data and transferable
// typed arrays only.
import type { SpeculativeTokens } from '@metagen/core'
import type { CausalLmContract, RewardContract, ValueMetadata } from './model-contract.js'

/** The round and pass counters of a speculative job, as core's {@link SpeculativeTokens} has them. */
export type SpeculativeCounters = Pick<
  SpeculativeTokens,
  | 'rounds'
  | 'draftedTokens'
  | 'acceptedTokens'
  | 'targetForwardPasses'
  | 'targetTokensFed'
  | 'draftForwardPasses'
  | 'draftTokensFed'
>

/**
 * When onnxruntime's intra-op pool threads busy-wait for work instead of sleeping:
 * 'brief' between operators and for up to 2 ms after a run, 'always' for as long as onnxruntime
 * spins by default (tens of ms after every run), 'never' not at all.
 */
export type SpinningMode = 'brief' | 'always' | 'never'

/** Sent once in `workerData`. */
export interface WorkerInit {
  kind: 'causal-lm' | 'reward-model'
  onnxPath: string
  /** Token id fed at padded positions (masked out, so any valid id works). */
  padTokenId: number
  threads: number
  /** When onnxruntime's intra-op threads spin while waiting for work (see SpinningMode). */
  spinning: SpinningMode
  /** Fold the graph's shape computations into constants at load (default true). */
  graphSimplification?: boolean | undefined
  /** Greedy speculative jobs draft ahead on a draft thread (default false). */
  speculativePipeline?: boolean | undefined
  /** Spare cache positions per row and head of a batched pass (CausalRuntime.sparePositions). */
  sparePositions?: number | undefined
  /**
   * One Int32 in a SharedArrayBuffer: how many messages the main thread has posted to the
   * worker. The worker's loops (decode jobs, speculative jobs) run their passes back to back
   * and turn the event loop, so that posted messages are delivered, only while this count is
   * ahead of the messages the worker has received.
   */
  inbox: Int32Array
}

/** One sequence of a batched extend. */
export interface ExtendItem {
  sequenceId: number
  tokens: number[]
  allLogits: boolean
}

/** A decoding loop run inside the worker (TokenModel.sampleTokens). */
export interface DecodeJobRequest {
  sequenceIds: number[]
  /** Per sequence, the next-token row to choose the first token from. */
  lastLogits: Float32Array[]
  /** Per sequence, its current length in tokens. */
  lengths: number[]
  temperature: number
  seed: number
  rngLabels: number[]
  maxTokens: number
  stopTokenIds: number[]
  maxSequenceLength: number
  maxBatchRows: number
  /** One Int32 in a SharedArrayBuffer: nonzero once the caller aborted. */
  abortFlag: Int32Array | undefined
}

/** Greedy speculative decoding of one sequence inside the worker (TokenModel.speculativeTokens). */
export interface SpeculativeJobRequest {
  /** The draft session attached with `attach-draft`. */
  draftId: number
  /** The target sequence, continued in place. */
  sequenceId: number
  /** A fresh id for the job's draft sequence (released when the job ends). */
  draftSequenceId: number
  /** The target's next-token row after its last token. */
  lastLogits: Float32Array
  /** The target sequence's length in tokens. */
  length: number
  /** Every token of the target sequence: the draft's prefill. */
  context: number[]
  k: number
  adaptive: boolean
  maxK: number
  maxTokens: number
  stopTokenIds: number[]
  /** 0 for greedy, else the temperature of speculative sampling. */
  temperature: number
  /** Seed of the draws when temperature > 0. */
  seed: number
  /** min(both models' context lengths). */
  contextLimit: number
  /** One Int32 in a SharedArrayBuffer: nonzero once the caller aborted. */
  abortFlag: Int32Array | undefined
}

/** A second causal LM session (a draft model) loaded into this worker. */
export interface AttachDraftRequest {
  draftId: number
  onnxPath: string
  padTokenId: number
  contract: CausalLmContract
}

export type WorkerRequest =
  | { type: 'configure'; contract: CausalLmContract | RewardContract }
  | { type: 'extend'; requestId: number; items: ExtendItem[] }
  | { type: 'score'; requestId: number; sequences: number[][] }
  | ({ type: 'decode'; requestId: number } & DecodeJobRequest)
  | { type: 'fork'; sourceId: number; targetId: number }
  | { type: 'release'; sequenceId: number }
  | { type: 'truncate'; sequenceId: number; length: number }
  | { type: 'close'; requestId: number }
  | ({ type: 'attach-draft'; requestId: number } & AttachDraftRequest)
  | ({ type: 'speculative'; requestId: number } & SpeculativeJobRequest)

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
      /**
       * Per item: its share, pro rata by tokens fed, of the rows x window positions of its
       * pass (padding and ghost rows included); the shares of a pass sum to its total.
       */
      computedPositions: number[]
    }
  | { type: 'score-result'; requestId: number; scores: Float32Array[]; runMs: number }
  | {
      type: 'decode-result'
      requestId: number
      /** Per sequence: chosen tokens, their logprobs, why it ended. */
      tokenIds: number[][]
      logprobs: number[][]
      finishReasons: Array<'stop' | 'length'>
      contextExhausted: boolean[]
      /** Per sequence: the next-token row after its last fed token. */
      lastLogits: Float32Array[]
      /** Per sequence: the sum of its shares of the positions its passes computed. */
      computedPositions: number[]
      /** Forward passes this job started (a pass shared with other jobs counts for the first). */
      passes: number
      /** Rows of this job summed over passes. */
      batchRows: number
      /** Milliseconds in session.run of the passes counted in `passes`. */
      runMs: number
      /** True when the loop stopped early because the caller aborted. */
      aborted: boolean
    }
  | { type: 'attached'; requestId: number }
  | (SpeculativeCounters & {
      type: 'speculative-result'
      requestId: number
      /** Chosen tokens and their logprobs under the target. */
      tokenIds: number[]
      logprobs: number[]
      finishReason: 'stop' | 'length'
      contextExhausted: boolean
      /** Chosen tokens now in the target's cache (all but the last, unless aborted). */
      fedTokens: number
      /** The target's next-token row after its last fed token. */
      lastLogits: Float32Array
      /** Positions the target's passes computed, ghost rows included (tokens fed when unbatched). */
      targetComputedPositions: number
      /** Positions the draft's passes computed (its prefill included). */
      draftComputedPositions: number
      /** Milliseconds in the target's session.run. */
      runMs: number
      /** True when the loop stopped early because the caller aborted. */
      aborted: boolean
    })
  | { type: 'error'; requestId: number; message: string }
  | { type: 'closed'; requestId: number }
