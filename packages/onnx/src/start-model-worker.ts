// Shared loading path of every ONNX model kind: the tokenizer on the main thread, the session in
// a worker, the model's contract read from the session's metadata (a ModelLoadError, and the
// worker ended, when it does not fit), and the parameter count from the ONNX initializers.
import { availableParallelism, cpus, loadavg } from 'node:os'
import { InvalidArgumentError, type Tokenizer } from '@metagen/core'
import type { ValueMetadata } from './model-contract.js'
import type { ModelConfig, ModelFolder } from './model-folder.js'
import { estimateParameterCount } from './model-folder.js'
import { countOnnxParameters } from './onnx-parameters.js'
import { loadTokenizer } from './onnx-tokenizer.js'
import { WorkerClient } from './worker-client.js'
import type { SpinningMode, WorkerInit } from './worker-protocol.js'

/** What {@link startModelWorker} needs besides the folder. */
export interface StartModelWorkerOptions<TContract> {
  kind: WorkerInit['kind']
  /** onnxruntime intra-op threads (default: min(4, available cores)). */
  threads?: number | undefined
  /** When onnxruntime's pool threads spin (default 'auto'; true = 'always', false = 'never'). */
  spinning?: SpinningMode | 'auto' | boolean | undefined
  /** Simplify the graph at load (default true; see LoadOnnxTokenModelOptions). */
  graphSimplification?: boolean | undefined
  /** Greedy speculative jobs draft ahead on a draft thread (default false; see LoadOnnxTokenModelOptions). */
  speculativePipeline?: boolean | undefined
  /** Spare cache positions of batched passes (validated by the caller; see LoadOnnxTokenModelOptions). */
  sparePositions?: number | undefined
  /** Reads the contract from the session's metadata; throws ModelLoadError when it does not fit. */
  readContract(
    inputs: readonly ValueMetadata[],
    outputs: readonly ValueMetadata[],
    config: ModelConfig,
    source: string,
  ): TContract
  /** The width of the logits, for the tokenizer (default: the config's vocab_size). */
  vocabSize?: number | undefined
}

/** A started model: worker, tokenizer, contract and size. */
export interface StartedModel<TContract> {
  client: WorkerClient
  tokenizer: Tokenizer
  contract: TContract
  /** Parameters counted from the ONNX initializers (quantized weights by logical size). */
  parameterCount: number
  /** What the worker was started with (session path, threads, padding id). */
  init: Omit<WorkerInit, 'inbox'>
}

/**
 * Loads the tokenizer and starts the worker session for `folder`; throws
 * {@link ModelLoadError} (and ends the worker) when the session's inputs and outputs do not
 * fit the contract.
 */
export async function startModelWorker<TContract>(
  folder: ModelFolder,
  options: StartModelWorkerOptions<TContract>,
): Promise<StartedModel<TContract>> {
  const { config } = folder
  const tokenizer = loadTokenizer({
    tokenizerPath: folder.tokenizerPath,
    tokenizerConfigPath: folder.tokenizerConfigPath,
    eosTokenIds: config.eosTokenIds,
    padTokenId: config.padTokenId,
    vocabSize: options.vocabSize ?? config.vocabSize,
    chatTemplate: folder.chatTemplate,
  })
  const init: Omit<WorkerInit, 'inbox'> = {
    kind: options.kind,
    onnxPath: folder.onnxPath,
    padTokenId: tokenizer.padTokenId,
    threads: options.threads ?? Math.max(1, Math.min(4, availableParallelism())),
    spinning: await resolveSpinning(options.spinning),
    graphSimplification: booleanOption('graphSimplification', options.graphSimplification, true),
    speculativePipeline: booleanOption('speculativePipeline', options.speculativePipeline, false),
    sparePositions: options.sparePositions,
  }
  const client = await WorkerClient.start(init, folder.folder)
  let contract: TContract
  try {
    contract = options.readContract(client.inputs, client.outputs, config, folder.onnxPath)
  } catch (error) {
    await client.close()
    throw error
  }
  client.send({ type: 'configure', contract: contract as never })
  let parameterCount: number
  try {
    parameterCount = countOnnxParameters(folder.onnxPath)
  } catch {
    // onnxruntime read the file, so this is a protobuf feature the counter does not know;
    // the configuration still gives an order of magnitude for FLOP estimates.
    parameterCount = estimateParameterCount(config)
  }
  return { client, tokenizer, contract, parameterCount, init }
}

/** How long {@link resolveSpinning} watches the CPUs when the load average says 'never'. */
const CPU_SAMPLE_MS = 100

/**
 * The spinning mode a `spinning` option resolves to: true gives 'always', false 'never', and
 * 'auto' (or undefined) gives 'brief' when the machine has spare cores as the model loads, else
 * 'never'. Spare cores: the one-minute load average is below half the number of cores, or, when
 * it is not (it lags: it stays high for minutes after a build or a benchmark has ended), the
 * other processes kept the CPUs less than half busy over a 100 ms sample (this process's own
 * CPU time is subtracted, so a concurrent load of ours does not count). A spinning pool thread
 * only helps when it has a core to itself: on an oversubscribed machine it competes with the
 * thread it waits for (step beam search on tinymath-draft ran 6-8x slower with 'brief' than
 * with 'never' at load average 50 on 2 cores), while on an idle one it removes a thread wake-up
 * per operator (about 20% per step on tinymath and on a 25M-parameter Llama). Throws
 * InvalidArgumentError for anything else.
 */
export async function resolveSpinning(
  value: SpinningMode | 'auto' | boolean | undefined,
): Promise<SpinningMode> {
  if (value !== undefined && value !== 'auto') return spinningMode(value)
  const cores = availableParallelism()
  if ((loadavg()[0] ?? 0) < cores / 2) return 'brief'
  return (await busyFractionOfOthers(CPU_SAMPLE_MS)) < 0.5 ? 'brief' : 'never'
}

/** An explicit spinning mode: true gives 'always', false 'never'; InvalidArgumentError otherwise. */
function spinningMode(value: SpinningMode | boolean): SpinningMode {
  if (value === true) return 'always'
  if (value === false) return 'never'
  if (value === 'brief' || value === 'always' || value === 'never') return value
  throw new InvalidArgumentError({
    argument: 'spinning',
    expected: "'auto', 'brief', 'always', 'never' or a boolean",
    received: value,
  })
}

/**
 * The fraction of all CPU time over the next `ms` milliseconds that processes other than this
 * one spent busy (0 = idle machine, 1 = every core busy), from the kernel's per-CPU counters.
 */
async function busyFractionOfOthers(ms: number): Promise<number> {
  const totals = () => {
    let busy = 0
    let all = 0
    for (const cpu of cpus()) {
      const { user, nice, sys, irq, idle } = cpu.times
      busy += user + nice + sys + irq
      all += user + nice + sys + irq + idle
    }
    return { busy, all }
  }
  const before = totals()
  const ownBefore = process.cpuUsage()
  await new Promise((resolve) => setTimeout(resolve, ms))
  const after = totals()
  const own = process.cpuUsage(ownBefore)
  const all = after.all - before.all
  if (!(all > 0)) return 1
  const others = after.busy - before.busy - (own.user + own.system) / 1000
  return Math.min(1, Math.max(0, others / all))
}

/** A boolean option: `fallback` when absent; InvalidArgumentError unless a boolean. */
function booleanOption(argument: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError({
      argument,
      expected: 'a boolean',
      received: value,
    })
  }
  return value
}
