// Constrained decoding: regular-expression, JSON-schema and choice constraints compiled to
// token-level masks, and the decoders (sampling, greedy, beam search) that enforce them.

export type { ByteAutomaton, CompileRegexOptions } from './byte-automaton.js'
export {
  byteAutomatonMatches,
  compileRegexToByteAutomaton,
  runByteAutomaton,
} from './byte-automaton.js'
export type {
  ConstrainedBeamHypothesis,
  ConstrainedBeamSearchOptions,
} from './constrained-beam-search.js'
export { constrainedBeamSearch } from './constrained-beam-search.js'
export type { ConstrainedDecodeOptions } from './constrained-decode.js'
export { constrainedDecode } from './constrained-decode.js'
export type { ConstrainedLanguageModelOptions } from './constrained-language-model.js'
export { createConstrainedLanguageModel } from './constrained-language-model.js'
export type { Constraint, TokenConstraint } from './constraint.js'
export {
  ConstraintError,
  compileConstraint,
  createChoiceConstraint,
  createGrammarConstraint,
  createGrammarConstraintFromGrammar,
  createRegexConstraint,
  type GrammarConstraintOptions,
} from './constraint.js'
export type { ConstraintProcessor, ConstraintProcessorOptions } from './constraint-processor.js'
export { createConstraintProcessor } from './constraint-processor.js'
export type { JsonSchema } from './escape-regex.js'
export { escapeRegex } from './escape-regex.js'
export type { CompiledGrammar, Grammar, GrammarExpression } from './grammar.js'
export { compileGrammar } from './grammar.js'
export type { GrammarSyntax } from './grammar-syntax.js'
export { parseGrammar } from './grammar-syntax.js'
export type { GrammarTokenMachine } from './grammar-token-constraint.js'
export { createGrammarTokenMachine } from './grammar-token-constraint.js'
export type { JsonSchemaGrammarOptions } from './json-schema-to-grammar.js'
export {
  createJsonSchemaConstraint,
  integerRangeRegex,
  jsonSchemaToGrammar,
} from './json-schema-to-grammar.js'
export { constraintFromResponseFormat } from './response-format.js'
export type { CreateTokenIndexOptions, TokenIndex } from './token-index.js'
export { createTokenIndex } from './token-index.js'
