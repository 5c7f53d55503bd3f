// Shared loading path of every ONNX model kind: the tokenizer on the main thread, the session in
// a worker, and a check of the graph's input and output names with an error that lists them.
import { availableParallelism } from 'node:os'
import { ModelLoadError, type Tokenizer } from '@metagen/core'
import type { ModelFolder } from './model-folder.js'
import { loadTokenizer } from './onnx-tokenizer.js'
import { WorkerClient } from './worker-client.js'
import type { WorkerInit } from './worker-protocol.js'

/** What {@link startModelWorker} needs besides the folder. */
export interface StartModelWorkerOptions {
  kind: WorkerInit['kind']
  /** onnxruntime intra-op threads (default: min(4, available cores)). */
  threads?: number | undefined
  /** Let onnxruntime's threads spin between runs (default false). */
  spinning?: boolean | undefined
  /** Inputs and outputs the graph must have. */
  requiredInputs: readonly string[]
  requiredOutputs: readonly string[]
  /** What the model should be, for the error message (e.g. `a causal LM with a KV cache`). */
  expectedKind: string
}

/**
 * Loads the tokenizer and starts the worker session for `folder`; throws
 * {@link ModelLoadError} (and ends the worker) when required inputs or outputs are missing.
 */
export async function startModelWorker(
  folder: ModelFolder,
  options: StartModelWorkerOptions,
): Promise<{ client: WorkerClient; tokenizer: Tokenizer }> {
  const { config } = folder
  if (config.hiddenSize % config.heads !== 0) {
    throw new ModelLoadError({
      source: folder.folder,
      message: 'hidden size is not a multiple of the head count',
    })
  }
  const tokenizer = loadTokenizer({
    tokenizerPath: folder.tokenizerPath,
    tokenizerConfigPath: folder.tokenizerConfigPath,
    eosTokenIds: [config.eosTokenId],
    padTokenId: config.padTokenId,
  })
  const client = await WorkerClient.start(
    {
      kind: options.kind,
      onnxPath: folder.onnxPath,
      layers: config.layers,
      heads: config.heads,
      headSize: config.hiddenSize / config.heads,
      vocabSize: config.vocabSize,
      padTokenId: config.padTokenId,
      threads: options.threads ?? Math.max(1, Math.min(4, availableParallelism())),
      spinning: options.spinning ?? false,
    },
    folder.folder,
  )
  const missing = [
    ...options.requiredInputs.filter((name) => !client.inputNames.includes(name)),
    ...options.requiredOutputs.filter((name) => !client.outputNames.includes(name)),
  ]
  if (missing.length > 0) {
    await client.close()
    throw new ModelLoadError({
      source: folder.onnxPath,
      message: `not ${options.expectedKind}: wrong input/output names: missing ${missing.join(', ')}; the model has inputs ${client.inputNames.join(', ')} and outputs ${client.outputNames.join(', ')}`,
    })
  }
  return { client, tokenizer }
}
