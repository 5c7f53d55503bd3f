// A sequence-scoring ONNX model (like tinymath-verifier: one scalar logit per token in the
// `token_scores` output) in a worker thread, batched.
import { AbortedError, InvalidArgumentError, ModelLoadError, type Tokenizer } from '@metagen/core'
import { readRewardContract } from './model-contract.js'
import { type OnnxDtype, readModelFolder } from './model-folder.js'
import { startModelWorker } from './start-model-worker.js'
import type { SpinningMode, WorkerResponse } from './worker-protocol.js'

/** Settings of {@link loadOnnxRewardModel}. */
export interface LoadOnnxRewardModelOptions {
  /** Model id (default: the folder name). */
  modelId?: string
  /** onnxruntime intra-op threads (default: min(4, available cores)). */
  threads?: number
  /**
   * When onnxruntime's intra-op pool threads busy-wait for work instead of sleeping (default
   * 'auto'): 'brief' between operators and for up to 2 ms after a run, so consecutive decode
   * steps find them awake, then they sleep (an idle model takes no CPU from other models or
   * processes); 'always' for as long as onnxruntime spins by default, tens of ms after every
   * run (what transformers.js uses); 'never' not at all (every parallel operator then wakes a
   * sleeping thread: slower on an idle machine, far faster on an oversubscribed one); 'auto'
   * picks 'brief' when the machine has spare cores as the model loads (the one-minute load
   * average is below half the cores, or other processes kept the CPUs under half busy over a
   * 100 ms sample), else 'never'. `true` means 'always', `false` 'never'.
   */
  spinning?: SpinningMode | 'auto' | boolean
  /**
   * Simplify the graph as it loads (default true): every Reshape target that the exporter
   * computes at run time from the input's shape (Shape, Gather, Unsqueeze, Concat, ...) and that
   * symbolic shape inference proves constant becomes a constant, and the shape nodes are
   * removed. Outputs are bit-identical; a decode step runs fewer operators (on
   * tinymath-generator 263 instead of 439 graph nodes). Models with external data, models where
   * nothing folds and models onnxruntime rejects rewritten load unchanged. `false` loads the
   * graph as exported.
   */
  graphSimplification?: boolean
  /** Sequences per ONNX run, an integer >= 1; larger batches are split (default 32). */
  maxBatchSize?: number
  /**
   * What one ONNX run costs besides its token positions, in token positions, an integer >= 0
   * (default 16): the fixed cost of a run (a few hundred operators, each dispatched and
   * synchronised across the thread pool) expressed as the positions that would take as long.
   * Every batch is cut into runs so as to minimise positions computed (rows x longest
   * sequence, padding included) + this per run: a long sequence is not batched with short ones
   * when padding them would cost more than a run of its own ({@link planRewardPasses}).
   */
  passOverheadTokens?: number
  /** Weight variant with transformers.js's file names (default `fp32`; see loadOnnxTokenModel). */
  dtype?: OnnxDtype
}

/** Counters of a reward model's work. */
export interface RewardModelStats {
  /** ONNX runs. */
  forwardPasses: number
  /** Real tokens scored (padding excluded). */
  tokensProcessed: number
}

/** A model that gives one raw score (logit) per token of each input sequence. */
export interface OnnxRewardModel {
  readonly modelId: string
  readonly tokenizer: Tokenizer
  /** Longest sequence the model accepts. */
  readonly maxSequenceLength: number
  /** Number of parameters (counted from the ONNX initializers), for FLOP accounting. */
  readonly parameterCount: number
  /**
   * Raw per-token scores (the `token_scores` output, before any link function) of each token
   * sequence: result[i][t] is the score at token t of sequences[i]. Sequences are batched with
   * left padding; results do not depend on the batch they were in (up to float rounding).
   */
  scoreTokens(
    sequences: readonly (readonly number[])[],
    options?: { signal?: AbortSignal },
  ): Promise<Float32Array[]>
  /**
   * The token positions one `scoreTokens` call computes for sequences of these lengths,
   * padding included: the passes of {@link planRewardPasses}, each padded to its longest
   * sequence (rows x longest). This is what FLOP accounting charges.
   */
  computedPositions(lengths: readonly number[]): number
  /** A snapshot of the counters. */
  stats(): RewardModelStats
  /** Ends the worker. */
  close(): Promise<void>
  /** The same as `close()`, for `await using model = await loadOnnxRewardModel(...)`. */
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Loads a reward model folder (`config.json`, `tokenizer.json`, `onnx/model{dtype suffix}.onnx`
 * with inputs input_ids, attention_mask and optionally position_ids, and a `token_scores`
 * output). Throws
 * {@link ModelLoadError} when the folder or its outputs are wrong (e.g. a causal LM without
 * `token_scores`).
 */
export async function loadOnnxRewardModel(
  path: string,
  options: LoadOnnxRewardModelOptions = {},
): Promise<OnnxRewardModel> {
  const folder = readModelFolder(path, { dtype: options.dtype })
  const { config } = folder
  const maxBatchSize = options.maxBatchSize ?? 32
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new InvalidArgumentError({
      argument: 'maxBatchSize',
      expected: 'an integer >= 1',
      received: maxBatchSize,
    })
  }
  const passOverheadTokens = options.passOverheadTokens ?? 16
  if (!Number.isInteger(passOverheadTokens) || passOverheadTokens < 0) {
    throw new InvalidArgumentError({
      argument: 'passOverheadTokens',
      expected: 'an integer >= 0',
      received: passOverheadTokens,
    })
  }
  const plan = (lengths: readonly number[]) =>
    planRewardPasses(lengths, { maxBatchSize, passOverheadTokens })
  const { client, tokenizer, parameterCount } = await startModelWorker(folder, {
    kind: 'reward-model',
    threads: options.threads,
    spinning: options.spinning,
    graphSimplification: options.graphSimplification,
    readContract: readRewardContract,
  })
  const counters: RewardModelStats = { forwardPasses: 0, tokensProcessed: 0 }
  let chain: Promise<unknown> = Promise.resolve()
  return {
    modelId: options.modelId ?? folder.folder.split(/[\\/]/).pop() ?? 'onnx-reward-model',
    tokenizer,
    maxSequenceLength: config.maxPositions,
    parameterCount,
    computedPositions(lengths) {
      let positions = 0
      for (const pass of plan(lengths)) {
        const longest = lengths[pass[pass.length - 1] as number] as number
        positions += pass.length * longest
      }
      return positions
    },
    async scoreTokens(sequences, scoreOptions = {}) {
      if (!Array.isArray(sequences)) {
        throw new InvalidArgumentError({
          argument: 'sequences',
          expected: 'an array of token id arrays',
          received: sequences,
        })
      }
      sequences.forEach((sequence, index) => {
        if (!Array.isArray(sequence) || sequence.length === 0) {
          throw new InvalidArgumentError({
            argument: `sequences[${index}]`,
            expected: 'a non-empty array of token ids',
            received: sequence,
          })
        }
        if (sequence.length > config.maxPositions) {
          throw new InvalidArgumentError({
            argument: `sequences[${index}]`,
            expected: `at most ${config.maxPositions} tokens`,
            received: `${sequence.length} tokens`,
          })
        }
        for (const token of sequence) {
          if (!Number.isInteger(token) || token < 0 || token >= config.vocabSize) {
            throw new InvalidArgumentError({
              argument: `sequences[${index}]`,
              expected: `token ids in [0, ${config.vocabSize - 1}]`,
              received: token,
            })
          }
        }
      })
      // Passes are cut from the sequences sorted by length, so that each pass pads little;
      // results go back to the caller's order.
      const results = new Array<Float32Array>(sequences.length)
      for (const indexes of plan(sequences.map((sequence) => sequence.length))) {
        if (scoreOptions.signal?.aborted)
          throw new AbortedError(undefined, { cause: scoreOptions.signal.reason })
        const batch = indexes.map((index) => [...(sequences[index] as number[])])
        const run = chain.then(() =>
          client.request<Extract<WorkerResponse, { type: 'score-result' }>>({
            type: 'score',
            sequences: batch,
          }),
        )
        chain = run.catch(() => undefined)
        const response = await run
        counters.forwardPasses++
        counters.tokensProcessed += batch.reduce((sum, sequence) => sum + sequence.length, 0)
        indexes.forEach((index, position) => {
          results[index] = response.scores[position] as Float32Array
        })
      }
      return results
    },
    stats: () => ({ ...counters }),
    close: () => client.close(),
    [Symbol.asyncDispose]: () => client.close(),
  }
}

/** Settings of {@link planRewardPasses}. */
export interface RewardPassPlanOptions {
  /** Most sequences in one pass, an integer >= 1. */
  maxBatchSize: number
  /** The fixed cost of one pass in token positions, >= 0 (see LoadOnnxRewardModelOptions). */
  passOverheadTokens: number
}

/**
 * How a reward model scores sequences of these lengths: the passes (ONNX runs), each a list of
 * indexes into `lengths`, shortest first, every pass holding sequences of neighbouring lengths.
 * The sequences are sorted by length and cut into consecutive passes of at most `maxBatchSize`
 * that minimise the estimated cost, sum over passes of rows x longest length (the positions a
 * left-padded pass computes) + `passOverheadTokens`; for sorted lengths the best cut into
 * passes is always a cut into consecutive runs, found exactly by dynamic programming. Ties go
 * to fewer, fuller passes. With `passOverheadTokens` 0 no sequence is ever padded (only equal
 * lengths share a pass); with a huge one, passes are full (`maxBatchSize` rows). Throws
 * InvalidArgumentError for bad settings or lengths.
 */
export function planRewardPasses(
  lengths: readonly number[],
  options: RewardPassPlanOptions,
): number[][] {
  const { maxBatchSize, passOverheadTokens } = options
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new InvalidArgumentError({
      argument: 'maxBatchSize',
      expected: 'an integer >= 1',
      received: maxBatchSize,
    })
  }
  if (!Number.isFinite(passOverheadTokens) || passOverheadTokens < 0) {
    throw new InvalidArgumentError({
      argument: 'passOverheadTokens',
      expected: 'a finite number >= 0',
      received: passOverheadTokens,
    })
  }
  lengths.forEach((length, index) => {
    if (!Number.isInteger(length) || length < 1) {
      throw new InvalidArgumentError({
        argument: `lengths[${index}]`,
        expected: 'an integer >= 1',
        received: length,
      })
    }
  })
  // Stable: equal lengths keep the caller's order.
  const order = lengths
    .map((_, index) => index)
    .sort((a, b) => (lengths[a] as number) - (lengths[b] as number))
  const count = order.length
  // best[end]: least cost of the first `end` sorted sequences; start[end]: where its last pass begins.
  const best = new Float64Array(count + 1).fill(Number.POSITIVE_INFINITY)
  const start = new Int32Array(count + 1)
  best[0] = 0
  for (let end = 1; end <= count; end++) {
    const longest = lengths[order[end - 1] as number] as number
    // Longest passes first, so that ties go to fewer passes.
    for (let first = Math.max(0, end - maxBatchSize); first < end; first++) {
      const cost = (best[first] as number) + (end - first) * longest + passOverheadTokens
      if (cost < (best[end] as number)) {
        best[end] = cost
        start[end] = first
      }
    }
  }
  const passes: number[][] = []
  for (let end = count; end > 0; end = start[end] as number) {
    passes.push(order.slice(start[end] as number, end))
  }
  return passes.reverse()
}
