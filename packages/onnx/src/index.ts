// @metagen/onnx: the local backend on onnxruntime-node.

export type {
  CausalLmContract,
  FloatType,
  RewardContract,
  ValueMetadata,
} from './model-contract.js'
export { readCausalLmContract, readRewardContract } from './model-contract.js'
export type { ModelConfig, ModelFolder, OnnxDtype, ReadModelFolderOptions } from './model-folder.js'
export { estimateParameterCount, ONNX_DTYPES, readModelFolder } from './model-folder.js'
export { countOnnxParameters } from './onnx-parameters.js'
export type {
  LoadOnnxRewardModelOptions,
  OnnxRewardModel,
  RewardModelStats,
  RewardPassPlanOptions,
} from './onnx-reward-model.js'
export { loadOnnxRewardModel, planRewardPasses } from './onnx-reward-model.js'
export type { LoadOnnxTokenModelOptions, OnnxTokenModel } from './onnx-token-model.js'
export { loadOnnxTokenModel } from './onnx-token-model.js'
export type { LoadTokenizerOptions, TokenizerFamily } from './onnx-tokenizer.js'
export { detectTokenizerFamily, loadTokenizer } from './onnx-tokenizer.js'
export type { UnembeddingMatrix } from './onnx-unembedding.js'
export { readUnembeddingMatrix } from './onnx-unembedding.js'
export type { SpinningMode } from './worker-protocol.js'
