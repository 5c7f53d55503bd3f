// Checks that a folder holds a model in the transformers.js / Optimum layout, picks the ONNX
// file of the requested dtype (with transformers.js's file names), and reads config.json,
// generation_config.json and the chat template, so that loading errors are clear before any
// native code runs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { MetagenError, ModelLoadError } from '@metagen/core'

/** The ONNX weight variants of transformers.js, by the name of its `dtype` option. */
export const ONNX_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const

/** One of {@link ONNX_DTYPES}. */
export type OnnxDtype = (typeof ONNX_DTYPES)[number]

/** File name suffix of each dtype, as transformers.js names the files (`model_q4.onnx`). */
const DTYPE_SUFFIX: Record<OnnxDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
}

/** The parts of `config.json` (and `generation_config.json`) that the backend uses. */
export interface ModelConfig {
  /** `model_type`, or `unknown`. */
  modelType: string
  /** `vocab_size`: the width of the logits. */
  vocabSize: number
  /** `num_hidden_layers` / `n_layer`. */
  layers: number
  /** Query heads: `num_attention_heads` / `n_head`. */
  heads: number
  /** Key/value heads: `num_key_value_heads` (GQA), 1 for `multi_query`, else `heads`. */
  kvHeads: number
  /** Size of one head: `head_dim`, else hidden size / heads. */
  headDim: number
  /** `hidden_size` / `n_embd`. */
  hiddenSize: number
  /** `max_position_embeddings` / `n_positions` / `n_ctx` (default 2048). */
  maxPositions: number
  /**
   * Token ids that end generation: `eos_token_id` of generation_config.json when it has one,
   * else of config.json (a number or a list), as transformers.js resolves them.
   */
  eosTokenIds: number[]
  /** `bos_token_id`, if any. */
  bosTokenId: number | undefined
  /** `pad_token_id` of generation_config.json or config.json, if any. */
  padTokenId: number | undefined
  /**
   * First position id: 1 for the families whose positions are 1-indexed in transformers.js
   * (paligemma, gemma3, gemma3_text), else 0.
   */
  positionOffset: number
}

/** Paths and configuration of a model folder. */
export interface ModelFolder {
  /** Absolute folder path. */
  folder: string
  /** The ONNX file of the chosen dtype, e.g. `onnx/model_quantized.onnx`. */
  onnxPath: string
  /** The chosen dtype. */
  dtype: OnnxDtype
  /** `tokenizer.json` inside the folder. */
  tokenizerPath: string
  /** `tokenizer_config.json`, when present. */
  tokenizerConfigPath: string | undefined
  /**
   * The chat template: `chat_template` of tokenizer_config.json (a string, or the `default`
   * entry of a list of named templates), else `chat_template.jinja`, else `chat_template.json`.
   */
  chatTemplate: string | undefined
  /** Parsed configuration. */
  config: ModelConfig
}

/** Settings of {@link readModelFolder}. */
export interface ReadModelFolderOptions {
  /** Weight variant to load (default `fp32`, i.e. `onnx/model.onnx`). */
  dtype?: OnnxDtype | undefined
}

/** Families whose position ids start at 1 in transformers.js. */
const ONE_INDEXED_POSITIONS = new Set(['paligemma', 'gemma3_text', 'gemma3'])

/**
 * Validates the folder layout, resolves the ONNX file of `options.dtype` and parses the
 * configuration; throws {@link ModelLoadError} naming what is missing or inconsistent
 * (a missing dtype file lists the ONNX files present and their dtypes).
 */
export function readModelFolder(path: string, options: ReadModelFolderOptions = {}): ModelFolder {
  if (typeof path !== 'string' || path === '') {
    throw new ModelLoadError({ source: String(path), message: 'expected a folder path' })
  }
  const dtype = options.dtype ?? 'fp32'
  if (!(ONNX_DTYPES as readonly string[]).includes(dtype)) {
    throw new ModelLoadError({
      source: path,
      message: `unknown dtype "${String(dtype)}": expected one of ${ONNX_DTYPES.join(', ')}`,
    })
  }
  const folder = resolve(path)
  if (!existsSync(folder)) {
    throw new ModelLoadError({ source: folder, message: 'the folder does not exist' })
  }
  if (!statSync(folder).isDirectory()) {
    throw new ModelLoadError({ source: folder, message: 'expected a model folder, found a file' })
  }
  const configPath = join(folder, 'config.json')
  const tokenizerPath = join(folder, 'tokenizer.json')
  if (existsSync(join(folder, 'genai_config.json'))) {
    throw new ModelLoadError({
      source: folder,
      message:
        'this is an onnxruntime-genai export (genai_config.json), whose inputs and files differ from the transformers.js / Optimum layout; export the model with optimum-cli export onnx or use an onnx-community repository',
    })
  }
  const onnxFolder = join(folder, 'onnx')
  const missing = [configPath, tokenizerPath].filter((file) => !existsSync(file))
  if (!existsSync(onnxFolder)) missing.push(join(folder, 'onnx', 'model.onnx'))
  if (missing.length > 0) {
    throw new ModelLoadError({
      source: folder,
      message: `not a model folder: missing ${missing.map((file) => file.slice(folder.length + 1)).join(', ')} (expected config.json, tokenizer.json and onnx/model.onnx)`,
    })
  }
  const onnxPath = resolveOnnxFile(folder, onnxFolder, dtype)
  const raw = readJson(configPath, 'config.json')
  const generation = existsSync(join(folder, 'generation_config.json'))
    ? readJson(join(folder, 'generation_config.json'), 'generation_config.json')
    : {}
  checkExternalData(folder, onnxPath, raw)
  // Multimodal configs keep the language model's settings under text_config.
  const text =
    typeof raw.text_config === 'object' && raw.text_config !== null
      ? { ...raw, ...(raw.text_config as Record<string, unknown>) }
      : raw
  const number = (...keys: string[]): number | undefined => {
    for (const key of keys) {
      const value = text[key]
      if (typeof value === 'number' && Number.isFinite(value)) return value
    }
    return undefined
  }
  const vocabSize = number('vocab_size')
  const layers = number('num_hidden_layers', 'n_layer', 'num_layers')
  const heads = number('num_attention_heads', 'n_head', 'num_heads')
  const hiddenSize = number('hidden_size', 'n_embd', 'd_model')
  if (
    vocabSize === undefined ||
    layers === undefined ||
    heads === undefined ||
    hiddenSize === undefined
  ) {
    throw new ModelLoadError({
      source: configPath,
      message:
        'config.json lacks vocab_size, num_hidden_layers/n_layer, num_attention_heads/n_head or hidden_size/n_embd',
    })
  }
  const headDim = number('head_dim') ?? hiddenSize / heads
  if (!Number.isInteger(headDim)) {
    throw new ModelLoadError({
      source: configPath,
      message: `hidden size ${hiddenSize} is not a multiple of the ${heads} heads and config.json has no head_dim`,
    })
  }
  const kvHeads = text.multi_query === true ? 1 : (number('num_key_value_heads') ?? heads)
  const tokenizerConfigPath = join(folder, 'tokenizer_config.json')
  const modelType = typeof text.model_type === 'string' ? text.model_type : 'unknown'
  const ids = (value: unknown): number[] | undefined => {
    if (typeof value === 'number' && Number.isInteger(value)) return [value]
    if (Array.isArray(value) && value.every((id) => Number.isInteger(id))) return value as number[]
    return undefined
  }
  const firstId = (value: unknown): number | undefined => ids(value)?.[0]
  return {
    folder,
    onnxPath,
    dtype,
    tokenizerPath,
    tokenizerConfigPath: existsSync(tokenizerConfigPath) ? tokenizerConfigPath : undefined,
    chatTemplate: readChatTemplate(folder, tokenizerConfigPath),
    config: {
      modelType,
      vocabSize,
      layers,
      heads,
      kvHeads,
      headDim,
      hiddenSize,
      maxPositions: number('max_position_embeddings', 'n_positions', 'n_ctx') ?? 2048,
      eosTokenIds: ids(generation.eos_token_id) ?? ids(text.eos_token_id) ?? [],
      bosTokenId: firstId(generation.bos_token_id) ?? firstId(text.bos_token_id),
      padTokenId: firstId(generation.pad_token_id) ?? firstId(text.pad_token_id),
      positionOffset: ONE_INDEXED_POSITIONS.has(modelType) ? 1 : 0,
    },
  }
}

/** The dtype that a file name in `onnx/` stands for, if it is one of transformers.js's names. */
function dtypeOfFile(file: string): OnnxDtype | undefined {
  const match = /^(?:model|decoder_model_merged)(_[a-z0-9]+)?\.onnx$/.exec(file)
  if (!match) return undefined
  const suffix = match[1] ?? ''
  return ONNX_DTYPES.find((dtype) => DTYPE_SUFFIX[dtype] === suffix)
}

/**
 * `onnx/model{suffix}.onnx`, or the legacy merged decoder `onnx/decoder_model_merged{suffix}.onnx`
 * of older Optimum exports; a clear error listing the files present otherwise.
 */
function resolveOnnxFile(folder: string, onnxFolder: string, dtype: OnnxDtype): string {
  const suffix = DTYPE_SUFFIX[dtype]
  for (const base of ['model', 'decoder_model_merged']) {
    const candidate = join(onnxFolder, `${base}${suffix}.onnx`)
    if (existsSync(candidate)) return candidate
  }
  const present = readdirSync(onnxFolder)
    .filter((file) => file.endsWith('.onnx'))
    .sort()
  const described = present.map((file) => {
    const fileDtype = dtypeOfFile(file)
    return fileDtype ? `${file} (dtype ${fileDtype})` : file
  })
  throw new ModelLoadError({
    source: folder,
    message: `no ONNX file for dtype ${dtype}: expected onnx/model${suffix}.onnx; the onnx folder has ${described.length > 0 ? described.join(', ') : 'no .onnx files'}`,
  })
}

/**
 * External weights (`model.onnx_data`, `model.onnx_data_1`, ...) are read by onnxruntime from
 * next to the model file. When config.json's `transformers.js_config.use_external_data_format`
 * says how many there are, check that they exist, so the error names the missing file.
 */
function checkExternalData(folder: string, onnxPath: string, raw: Record<string, unknown>): void {
  const jsConfig = raw['transformers.js_config']
  if (typeof jsConfig !== 'object' || jsConfig === null) return
  let setting = (jsConfig as Record<string, unknown>).use_external_data_format
  const fileName = onnxPath.split(/[\\/]/).pop() as string
  if (typeof setting === 'object' && setting !== null) {
    setting = (setting as Record<string, unknown>)[fileName]
  }
  const chunks = setting === true ? 1 : typeof setting === 'number' ? setting : 0
  for (let chunk = 0; chunk < chunks; chunk++) {
    const dataPath = `${onnxPath}_data${chunk === 0 ? '' : `_${chunk}`}`
    if (!existsSync(dataPath)) {
      throw new ModelLoadError({
        source: folder,
        message: `missing external weights ${dataPath.slice(folder.length + 1)} (config.json's transformers.js_config.use_external_data_format says ${fileName} has ${chunks} data file${chunks === 1 ? '' : 's'})`,
      })
    }
  }
}

function readChatTemplate(folder: string, tokenizerConfigPath: string): string | undefined {
  if (existsSync(tokenizerConfigPath)) {
    const config = readJson(tokenizerConfigPath, 'tokenizer_config.json')
    const template = config.chat_template
    if (typeof template === 'string') return template
    if (Array.isArray(template)) {
      const named = template as Array<{ name?: unknown; template?: unknown }>
      const chosen = named.find((entry) => entry.name === 'default') ?? named[0]
      if (typeof chosen?.template === 'string') return chosen.template
    }
  }
  const jinjaPath = join(folder, 'chat_template.jinja')
  if (existsSync(jinjaPath)) return readFileSync(jinjaPath, 'utf8')
  const jsonPath = join(folder, 'chat_template.json')
  if (existsSync(jsonPath)) {
    const template = readJson(jsonPath, 'chat_template.json').chat_template
    if (typeof template === 'string') return template
  }
  return undefined
}

function readJson(path: string, name: string): Record<string, unknown> {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MetagenError('expected a JSON object')
    }
    return value as Record<string, unknown>
  } catch (error) {
    throw new ModelLoadError({
      source: path,
      message: `${name} is not a valid JSON object`,
      cause: error,
    })
  }
}

/**
 * Parameter count of a GPT-2-style decoder from its configuration (token and position
 * embeddings, per layer 12 d^2 + 13 d, final layer norm). A fallback only: the backend counts
 * the ONNX initializers ({@link countOnnxParameters}).
 */
export function estimateParameterCount(config: ModelConfig): number {
  const d = config.hiddenSize
  return (
    config.vocabSize * d + config.maxPositions * d + config.layers * (12 * d * d + 13 * d) + 2 * d
  )
}
