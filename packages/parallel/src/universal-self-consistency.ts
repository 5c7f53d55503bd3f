// Universal self-consistency (Chen et al. 2023): the model itself reads N candidates and names
// the most consistent one, which works where answers cannot be extracted and compared exactly.
import {
  AbortedError,
  addUsage,
  assertInteger,
  BudgetExhaustedError,
  callModel,
  emptyUsage,
  type Generator,
  InvalidArgumentError,
  type LanguageModel,
  parseOption,
  questionText,
  type RunContext,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'
import { createCandidateSampler } from './candidate-sampler.js'
import { parallelOptionSchemas } from './option-schemas.js'
import { parseSelectedResponse } from './parse-selected-response.js'
import {
  isLanguageModel,
  type SampleSourceOptions,
  validateSampleSourceOptions,
} from './sample-source.js'
import { buildSelectionResult } from './selection-output.js'
import { selectMajority } from './tally-votes.js'

/** Options of {@link universalSelfConsistency}. */
export interface UniversalSelfConsistencyOptions extends SampleSourceOptions {
  /** Number of samples, an integer >= 1 (default 8). */
  n?: number
  /** The model that picks the most consistent response (default: `model`; required with `base`). */
  judge?: LanguageModel
  /** Maximum tokens of the judge's reply, an integer >= 1 (default 64). */
  judgeMaxTokens?: number
  /**
   * Builds the judge's prompt from the question and the successful responses (numbered from 0 in
   * the order given). Default {@link formatConsistencyPrompt}.
   */
  formatPrompt?: (question: string, responses: readonly string[]) => string
}

/** What {@link universalSelfConsistency} returns besides the text. */
export interface UniversalSelfConsistencyOutput extends TextOutput {
  /**
   * `judge` when the judge's reply named a valid response; `fallback-majority` when it could not
   * be parsed or the judge call failed (the majority vote over extracted answers chose instead).
   */
  selectedBy: 'judge' | 'fallback-majority'
  /** The judge's raw reply (empty when the call failed). */
  judgeReply: string
}

/**
 * The prompt of the USC paper: the question, the responses as `Response 0:` ..., and the
 * instruction to start with `The most consistent response is Response X`.
 */
export function formatConsistencyPrompt(question: string, responses: readonly string[]): string {
  const listed = responses
    .map((response, index) => `Response ${index}:\n${response.trim()}`)
    .join('\n\n')
  return (
    `I have generated the following responses to the question: ${question.trim()}\n\n${listed}\n\n` +
    'Evaluate these responses.\nSelect the most consistent response based on majority consensus.\n' +
    'Start your answer with "The most consistent response is Response X" (without quotes).'
  )
}

/**
 * Universal self-consistency: draws `n` samples, shows the successful ones to the judge model
 * (temperature 0; chat messages when the judge supports chat, otherwise a completion prompt
 * ending in `The most consistent response is Response`) and returns the response it names
 * ({@link parseSelectedResponse}). When the reply names no valid response or the judge call
 * fails (not on abort), falls back to the majority vote over extracted answers.
 * With a single successful sample the judge is not called.
 */
export function universalSelfConsistency(
  options: UniversalSelfConsistencyOptions,
): Generator<TextInput, UniversalSelfConsistencyOutput> {
  validateSampleSourceOptions(options)
  const n = options.n ?? 8
  parseOption('options.n', parallelOptionSchemas.n, n)
  const judgeMaxTokens = options.judgeMaxTokens ?? 64
  assertInteger('options.judgeMaxTokens', judgeMaxTokens, 1)
  const judge = options.judge ?? options.model
  if (judge === undefined || !isLanguageModel(judge)) {
    throw new InvalidArgumentError({
      argument: 'options.judge',
      expected: 'a LanguageModel (required when sampling from a base generator)',
      received: options.judge,
    })
  }
  const format = options.formatPrompt ?? formatConsistencyPrompt
  return {
    name: 'universal-self-consistency',
    async run(input: TextInput, context: RunContext) {
      const sampler = createCandidateSampler(context, input, options)
      await sampler.sample(n)
      const valid = sampler.candidates.filter((candidate) => candidate.error === undefined)
      let judgeUsage: Usage = emptyUsage()
      let judgeReply = ''
      let chosen: number | undefined
      let stoppedByBudget = false
      if (valid.length === 1) chosen = valid[0]?.index
      else if (valid.length > 1) {
        const content = format(
          questionText(input),
          valid.map((candidate) => candidate.text),
        )
        try {
          const result = await callModel(context, judge, {
            ...(judge.capabilities.chat
              ? { messages: [{ role: 'user' as const, content }] }
              : { prompt: `${content}\n\nThe most consistent response is Response` }),
            temperature: 0,
            maxTokens: judgeMaxTokens,
          })
          judgeUsage = addUsage(judgeUsage, result.usage)
          judgeReply = result.outputs[0]?.text ?? ''
          const picked = parseSelectedResponse(judgeReply, valid.length)
          if (picked !== undefined) chosen = valid[picked]?.index
        } catch (error) {
          if (AbortedError.isInstance(error) || InvalidArgumentError.isInstance(error)) throw error
          if (BudgetExhaustedError.isInstance(error)) stoppedByBudget = true
        }
      }
      const selectedBy = chosen === undefined ? 'fallback-majority' : 'judge'
      const index = chosen ?? selectMajority(sampler.candidates).index
      context.emit({
        kind: 'note',
        id: context.nextId('v'),
        name: 'universal-self-consistency',
        data: { judgeReply, chosen: index, selectedBy },
      })
      const result = buildSelectionResult({
        name: 'universal-self-consistency',
        sampler,
        index,
        extraUsage: judgeUsage,
        extra: { selectedBy, judgeReply } as Pick<
          UniversalSelfConsistencyOutput,
          'selectedBy' | 'judgeReply'
        >,
      })
      if (stoppedByBudget) result.stoppedBy = 'budget'
      return result
    },
  }
}
