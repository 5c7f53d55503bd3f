// @metagen/core/testing: test doubles of metagen's own interfaces, for unit tests of algorithms
// built on them (like `ai/test` in the Vercel AI SDK). Integration tests use real models.

export {
  type ArithmeticOperation,
  type ArithmeticSolverOptions,
  arithmeticContinuation,
  computeArithmetic,
  createArithmeticCheckerScorer,
  createArithmeticSolverModel,
  scoreArithmeticSolution,
} from './arithmetic-solver-model.js'
export {
  createFakeGenerator,
  type FakeGeneratorOptions,
} from './fake-generator.js'
export {
  applyFakeLimits,
  createFakeLanguageModel,
  createScriptedLanguageModel,
  type FakeLanguageModel,
  type FakeLanguageModelOptions,
  type FakeReply,
  type FakeSample,
  type FakeTokenUnit,
  fakePromptText,
  type ScriptedLanguageModelOptions,
  splitFakeTokens,
} from './fake-language-model.js'
export {
  createFakeScorer,
  type FakeScorer,
  type FakeScorerOptions,
} from './fake-scorer.js'
export {
  createFakeTokenModel,
  type FakeExtendCall,
  type FakeLogitsFunction,
  type FakeTokenModel,
  type FakeTokenModelOptions,
  hashedLogits,
  type TableLogitsOptions,
  tableLogits,
} from './fake-token-model.js'
export { createCharacterTokenizer, createLetterTokenizer } from './fake-tokenizers.js'
export { createTemporaryFolders, type TemporaryFolders } from './temporary-folders.js'
