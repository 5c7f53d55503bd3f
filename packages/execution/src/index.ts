// @metagen/execution: execution feedback for code. A sandboxed JavaScript test runner (worker
// thread + fresh V8 context, time and memory limits), a scorer built on it whose score is the
// fraction of tests passed and whose feedback is the failing tests' errors, and a small
// programming problem set.

export type { CodeProblem, FormatCodePromptOptions } from './code-problems.js'
export { codeProblems, formatCodePrompt, testsByPrompt } from './code-problems.js'
export { extractCode } from './extract-code.js'
export type { FormatTestFeedbackOptions } from './format-test-feedback.js'
export { formatTestFeedback } from './format-test-feedback.js'
export type {
  RunJavaScriptTestsOptions,
  SandboxLimits,
  TestOutcome,
  TestRunResult,
  TestRunStatus,
} from './run-javascript-tests.js'
export { runJavaScriptTests, validateSandboxLimits } from './run-javascript-tests.js'
export type { PromptTests, TestRunnerScorerOptions } from './test-runner-scorer.js'
export { createTestRunnerScorer } from './test-runner-scorer.js'
