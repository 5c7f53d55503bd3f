// The model's contract, read from the ONNX session's input and output metadata (as
// transformers.js 4 does) and cross-checked against config.json: which inputs to feed, the KV
// cache's names, shape [batch, kv_heads, past, head_dim] and dtype, the logits' dtype and width.
import { ModelLoadError } from '@metagen/core'
import type { ModelConfig } from './model-folder.js'

/** Metadata of one graph input or output, as onnxruntime-node reports it. */
export interface ValueMetadata {
  name: string
  /** Element type (`float32`, `float16`, `int64`, `bool`, ...); undefined for non-tensors. */
  type: string | undefined
  /** Dimensions: numbers for fixed sizes, names for symbolic ones. */
  shape: Array<number | string>
}

/** Element types of the float tensors the backend handles. */
export type FloatType = 'float32' | 'float16'

/** What the worker feeds a causal LM and reads back. */
export interface CausalLmContract {
  /** Element type of input_ids / attention_mask / position_ids (`int64` or `int32`). */
  idsType: 'int64' | 'int32'
  /** Element type of attention_mask. */
  maskType: 'int64' | 'int32'
  /** Element type of position_ids, when the graph takes them. */
  positionIdsType: 'int64' | 'int32' | undefined
  /** First position id (1 for families with 1-indexed positions). */
  positionOffset: number
  /** The graph takes `num_logits_to_keep`. */
  numLogitsToKeep: boolean
  /** The graph is a legacy merged decoder with a boolean `use_cache_branch` input. */
  useCacheBranch: boolean
  layers: number
  kvHeads: number
  headDim: number
  /** Element type of the KV cache (float16 caches travel as Uint16Array). */
  kvType: FloatType
  /** Element type of the logits. */
  logitsType: FloatType
  /** Width of the logits. */
  vocabSize: number
}

/** What the worker feeds a sequence-scoring (reward) model. */
export interface RewardContract {
  idsType: 'int64' | 'int32'
  maskType: 'int64' | 'int32'
  positionIdsType: 'int64' | 'int32' | undefined
  positionOffset: number
  /** Element type of `token_scores`. */
  scoresType: FloatType
}

const HYBRID_CACHES = ['past_conv', 'past_ssm', 'past_recurrent', 'past_compressor', 'past_indexer']

function integerType(
  value: ValueMetadata | undefined,
  source: string,
): 'int64' | 'int32' | undefined {
  if (!value) return undefined
  if (value.type === 'int64' || value.type === 'int32') return value.type
  throw new ModelLoadError({
    source,
    message: `input ${value.name} has element type ${value.type}; expected int64 or int32`,
  })
}

function floatType(value: ValueMetadata, source: string): FloatType {
  if (value.type === 'float32' || value.type === 'float16') return value.type
  throw new ModelLoadError({
    source,
    message: `${value.name} has element type ${value.type}; expected float32 or float16`,
  })
}

function describe(values: readonly ValueMetadata[]): string {
  return values.map((value) => value.name).join(', ')
}

/**
 * The causal-LM contract of a session, or a {@link ModelLoadError} naming the input or output
 * that does not fit: hybrid/recurrent caches (`past_conv`, `past_ssm`, ...), a combined
 * `key_value` cache, inputs the backend cannot feed (e.g. `inputs_embeds` only, or an
 * onnxruntime-genai `seqlens_k`), a KV shape that disagrees with config.json.
 */
export function readCausalLmContract(
  inputs: readonly ValueMetadata[],
  outputs: readonly ValueMetadata[],
  config: ModelConfig,
  source: string,
): CausalLmContract {
  const byName = new Map(inputs.map((value) => [value.name, value]))
  const outputByName = new Map(outputs.map((value) => [value.name, value]))
  const shape = `the model has inputs ${describe(inputs)} and outputs ${describe(outputs)}`
  for (const input of inputs) {
    const hybrid = HYBRID_CACHES.find((prefix) => input.name.startsWith(prefix))
    if (hybrid) {
      throw new ModelLoadError({
        source,
        message: `unsupported cache input ${input.name}: hybrid or recurrent caches (${hybrid}) are not supported; only attention KV caches past_key_values.{layer}.key/value`,
      })
    }
    if (/^past_key_values\.\d+\.key_value$/.test(input.name)) {
      throw new ModelLoadError({
        source,
        message: `unsupported cache input ${input.name}: a combined multi-query key_value cache (gpt_bigcode); expected past_key_values.{layer}.key and .value`,
      })
    }
  }
  const pastKeys: ValueMetadata[] = []
  for (let layer = 0; ; layer++) {
    const key = byName.get(`past_key_values.${layer}.key`)
    if (!key) break
    pastKeys.push(key)
  }
  const missing = [
    ...['input_ids', 'attention_mask'].filter((name) => !byName.has(name)),
    ...(pastKeys.length === 0 ? ['past_key_values.0.key'] : []),
    ...(outputByName.has('logits') ? [] : ['logits (output)']),
  ]
  if (missing.length > 0) {
    const hint =
      pastKeys.length === 0
        ? ' (export with past key values, e.g. optimum-cli export onnx --task text-generation-with-past)'
        : ''
    throw new ModelLoadError({
      source,
      message: `not a causal LM with a KV cache: missing ${missing.join(', ')}${hint}; ${shape}`,
    })
  }
  const layers = pastKeys.length
  const known = new Set([
    'input_ids',
    'attention_mask',
    'position_ids',
    'num_logits_to_keep',
    'use_cache_branch',
  ])
  for (let layer = 0; layer < layers; layer++) {
    for (const part of ['key', 'value']) {
      const past = `past_key_values.${layer}.${part}`
      const present = `present.${layer}.${part}`
      if (!byName.has(past))
        throw new ModelLoadError({ source, message: `missing input ${past}; ${shape}` })
      if (!outputByName.has(present))
        throw new ModelLoadError({ source, message: `missing output ${present}; ${shape}` })
      known.add(past)
    }
  }
  const unknown = inputs.filter((input) => !known.has(input.name))
  if (unknown.length > 0) {
    throw new ModelLoadError({
      source,
      message: `unsupported input ${describe(unknown)}: expected only input_ids, attention_mask, position_ids, num_logits_to_keep, use_cache_branch and past_key_values.{0..${layers - 1}}.key/value (an onnxruntime-genai or custom export?)`,
    })
  }
  if (layers !== config.layers) {
    throw new ModelLoadError({
      source,
      message: `the graph has a KV cache for ${layers} layers but config.json says ${config.layers} layers`,
    })
  }
  const firstKey = pastKeys[0] as ValueMetadata
  const kvType = floatType(firstKey, source)
  const cacheShape = firstKey.shape
  if (cacheShape.length !== 4) {
    throw new ModelLoadError({
      source,
      message: `${firstKey.name} has shape [${cacheShape.join(', ')}]; expected [batch, kv_heads, past_length, head_dim]`,
    })
  }
  const check = (dim: number | string | undefined, expected: number, what: string): number => {
    if (typeof dim === 'number' && dim !== expected) {
      throw new ModelLoadError({
        source,
        message: `${firstKey.name} has shape [${cacheShape.join(', ')}] (${what} ${dim}) but config.json gives ${what} ${expected}`,
      })
    }
    return expected
  }
  const kvHeads = check(cacheShape[1], config.kvHeads, 'num_key_value_heads')
  const headDim = check(cacheShape[3], config.headDim, 'head_dim')
  for (let layer = 0; layer < layers; layer++) {
    for (const part of ['key', 'value']) {
      const past = byName.get(`past_key_values.${layer}.${part}`) as ValueMetadata
      const present = outputByName.get(`present.${layer}.${part}`) as ValueMetadata
      for (const value of [past, present]) {
        if (floatType(value, source) !== kvType) {
          throw new ModelLoadError({
            source,
            message: `${value.name} has element type ${value.type} but ${firstKey.name} has ${kvType}; mixed cache types are not supported`,
          })
        }
      }
    }
  }
  const logits = outputByName.get('logits') as ValueMetadata
  const logitsType = floatType(logits, source)
  const logitsWidth = logits.shape[logits.shape.length - 1]
  if (typeof logitsWidth === 'number' && logitsWidth !== config.vocabSize) {
    throw new ModelLoadError({
      source,
      message: `the logits output has width ${logitsWidth} but config.json says vocab_size ${config.vocabSize}`,
    })
  }
  const useCacheBranch = byName.get('use_cache_branch')
  if (useCacheBranch && useCacheBranch.type !== 'bool') {
    throw new ModelLoadError({
      source,
      message: `use_cache_branch has element type ${useCacheBranch.type}; expected bool`,
    })
  }
  return {
    idsType: integerType(byName.get('input_ids'), source) ?? 'int64',
    maskType: integerType(byName.get('attention_mask'), source) ?? 'int64',
    positionIdsType: integerType(byName.get('position_ids'), source),
    positionOffset: config.positionOffset,
    numLogitsToKeep: byName.has('num_logits_to_keep'),
    useCacheBranch: useCacheBranch !== undefined,
    layers,
    kvHeads,
    headDim,
    kvType,
    logitsType,
    vocabSize: config.vocabSize,
  }
}

/** The reward-model contract (per-token `token_scores` output), or a {@link ModelLoadError}. */
export function readRewardContract(
  inputs: readonly ValueMetadata[],
  outputs: readonly ValueMetadata[],
  config: ModelConfig,
  source: string,
): RewardContract {
  const byName = new Map(inputs.map((value) => [value.name, value]))
  const scores = outputs.find((value) => value.name === 'token_scores')
  const missing = [
    ...['input_ids', 'attention_mask'].filter((name) => !byName.has(name)),
    ...(scores ? [] : ['token_scores (output)']),
  ]
  if (missing.length > 0) {
    throw new ModelLoadError({
      source,
      message: `not a reward model (per-token token_scores output): missing ${missing.join(', ')}; the model has inputs ${describe(inputs)} and outputs ${describe(outputs)}`,
    })
  }
  const unknown = inputs.filter(
    (input) => !['input_ids', 'attention_mask', 'position_ids'].includes(input.name),
  )
  if (unknown.length > 0) {
    throw new ModelLoadError({
      source,
      message: `unsupported reward-model input ${describe(unknown)}: expected input_ids, attention_mask and optionally position_ids`,
    })
  }
  return {
    idsType: integerType(byName.get('input_ids'), source) ?? 'int64',
    maskType: integerType(byName.get('attention_mask'), source) ?? 'int64',
    positionIdsType: integerType(byName.get('position_ids'), source),
    positionOffset: config.positionOffset,
    scoresType: floatType(scores as ValueMetadata, source),
  }
}
