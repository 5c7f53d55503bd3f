// @metagen/onnx: the local backend on onnxruntime-node.

export type { ModelConfig, ModelFolder } from './model-folder.js'
export { estimateParameterCount, readModelFolder } from './model-folder.js'
export type {
  LoadOnnxRewardModelOptions,
  OnnxRewardModel,
  RewardModelStats,
} from './onnx-reward-model.js'
export { loadOnnxRewardModel } from './onnx-reward-model.js'
export type { LoadOnnxTokenModelOptions, OnnxTokenModel } from './onnx-token-model.js'
export { loadOnnxTokenModel } from './onnx-token-model.js'
export type { LoadTokenizerOptions } from './onnx-tokenizer.js'
export { loadTokenizer } from './onnx-tokenizer.js'
