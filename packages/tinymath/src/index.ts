// @metagen/tinymath: the embedded default model family, its data and its text format.

export { loadDevSet, loadProblems } from './dev-set.js'
export type { TinymathProblem } from './format.js'
export {
  answerPattern,
  extractAnswer,
  formatPrompt,
  formatSolution,
  isCorrect,
  stepPattern,
} from './format.js'
export type { TinymathModelId } from './paths.js'
export {
  isTinymathModelId,
  tinymathDevSetPath,
  tinymathModelIds,
  tinymathModelPaths,
} from './paths.js'
export { applyOperation, generateProblem, generateProblems } from './problem-generator.js'
