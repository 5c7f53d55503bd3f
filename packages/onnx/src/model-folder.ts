// Checks that a folder holds a decoder model in the transformers.js/Optimum layout and reads
// its configuration, so that loading errors are clear before any native code runs.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ModelLoadError } from '@metagen/core'

/** The parts of `config.json` that the backend uses. */
export interface ModelConfig {
  modelType: string
  vocabSize: number
  layers: number
  heads: number
  hiddenSize: number
  maxPositions: number
  eosTokenId: number
  padTokenId: number
}

/** Paths and configuration of a model folder. */
export interface ModelFolder {
  /** Absolute folder path. */
  folder: string
  /** `onnx/model.onnx` inside the folder. */
  onnxPath: string
  /** `tokenizer.json` inside the folder. */
  tokenizerPath: string
  /** `tokenizer_config.json`, when present. */
  tokenizerConfigPath: string | undefined
  /** Parsed configuration. */
  config: ModelConfig
}

/** Validates the folder layout and parses `config.json`; throws {@link ModelLoadError}. */
export function readModelFolder(path: string): ModelFolder {
  if (typeof path !== 'string' || path === '') {
    throw new ModelLoadError({ source: String(path), message: 'expected a folder path' })
  }
  const folder = resolve(path)
  if (!existsSync(folder)) {
    throw new ModelLoadError({ source: folder, message: 'the folder does not exist' })
  }
  if (!statSync(folder).isDirectory()) {
    throw new ModelLoadError({ source: folder, message: 'expected a model folder, found a file' })
  }
  const configPath = join(folder, 'config.json')
  const onnxPath = join(folder, 'onnx', 'model.onnx')
  const tokenizerPath = join(folder, 'tokenizer.json')
  const missing = [configPath, onnxPath, tokenizerPath].filter((file) => !existsSync(file))
  if (missing.length > 0) {
    throw new ModelLoadError({
      source: folder,
      message: `not a model folder: missing ${missing.map((file) => file.slice(folder.length + 1)).join(', ')} (expected config.json, tokenizer.json and onnx/model.onnx)`,
    })
  }
  let raw: Record<string, unknown>
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>
  } catch (error) {
    throw new ModelLoadError({
      source: configPath,
      message: 'config.json is not valid JSON',
      cause: error,
    })
  }
  const number = (...keys: string[]): number | undefined => {
    for (const key of keys) {
      const value = raw[key]
      if (typeof value === 'number' && Number.isFinite(value)) return value
    }
    return undefined
  }
  const vocabSize = number('vocab_size')
  const layers = number('n_layer', 'num_hidden_layers')
  const heads = number('n_head', 'num_attention_heads')
  const hiddenSize = number('n_embd', 'hidden_size')
  if (
    vocabSize === undefined ||
    layers === undefined ||
    heads === undefined ||
    hiddenSize === undefined
  ) {
    throw new ModelLoadError({
      source: configPath,
      message:
        'config.json lacks vocab_size, n_layer/num_hidden_layers, n_head/num_attention_heads or n_embd/hidden_size',
    })
  }
  const tokenizerConfigPath = join(folder, 'tokenizer_config.json')
  return {
    folder,
    onnxPath,
    tokenizerPath,
    tokenizerConfigPath: existsSync(tokenizerConfigPath) ? tokenizerConfigPath : undefined,
    config: {
      modelType: typeof raw.model_type === 'string' ? raw.model_type : 'unknown',
      vocabSize,
      layers,
      heads,
      hiddenSize,
      maxPositions: number('n_positions', 'max_position_embeddings', 'n_ctx') ?? 2048,
      eosTokenId: number('eos_token_id') ?? 0,
      padTokenId: number('pad_token_id', 'eos_token_id') ?? 0,
    },
  }
}

/**
 * Parameter count of a GPT-2-style decoder from its configuration: token and position
 * embeddings, per layer 12 d^2 + 13 d (attention, MLP, two layer norms), final layer norm.
 */
export function estimateParameterCount(config: ModelConfig): number {
  const d = config.hiddenSize
  return (
    config.vocabSize * d + config.maxPositions * d + config.layers * (12 * d * d + 13 * d) + 2 * d
  )
}
