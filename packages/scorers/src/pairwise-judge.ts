// LLM-as-judge for pairs: asks a language model which of two outputs answers a prompt better,
// optionally in both orders to cancel position bias. Unparseable verdicts are reported.
import {
  addUsage,
  type ChatMessage,
  createConcurrencyLimiter,
  emptyUsage,
  InvalidArgumentError,
  type LanguageModel,
  type RunContext,
  throwIfAborted,
  type Usage,
} from '@metagen/core'
import { askJudge, judgeRequestSettings, toInput, validateJudgeModel } from './judge-call.js'
import { type PairwisePreference, parsePairwisePreference } from './parse-judge-reply.js'

/** Two outputs for the same prompt. */
export interface PairwiseComparison {
  prompt: string
  first: string
  second: string
}

/** The verdict on one {@link PairwiseComparison}. */
export interface PairwiseJudgment {
  /** Which output is better; undefined when the judge gave no parseable verdict. */
  preference: PairwisePreference | undefined
  /** Why there is no verdict. */
  error?: string
  /**
   * The judge's reply when it replied but gave no parseable verdict (a judge that never gives
   * one cannot follow the judging prompt); absent when the call failed or was not made.
   */
  reply?: string
}

/** The result of {@link PairwiseJudge.compare}. */
export interface PairwiseJudgeResult {
  /** One judgment per comparison, in order. */
  judgments: PairwiseJudgment[]
  /** Compute spent on judge calls. */
  usage: Usage
}

/** Compares pairs of outputs. */
export interface PairwiseJudge {
  /** Name for traces. */
  readonly name: string
  /**
   * Judges every comparison (calls run concurrently up to the judge's limit). With `context`
   * (a generator's run context) every judge call goes through its `callModel`: the run's
   * budget, concurrency limit, seed and trace.
   */
  compare(
    comparisons: readonly PairwiseComparison[],
    options?: { signal?: AbortSignal; context?: RunContext },
  ): Promise<PairwiseJudgeResult>
}

/** Builds the judge's input for a comparison, the first output labelled A and the second B. */
export type PairwiseTemplate = (comparison: PairwiseComparison) => string | ChatMessage[]

/** Options of {@link createPairwiseJudge}. */
export interface PairwiseJudgeOptions {
  /** The judge model. */
  model: LanguageModel
  /** Builds the judge input (default {@link defaultPairwiseTemplate}). */
  template?: PairwiseTemplate
  /** Parses a reply (default {@link parsePairwisePreference}; A = first, B = second). */
  parse?: (reply: string) => { value?: PairwisePreference; error?: string }
  /**
   * Also ask with the outputs swapped (default false). The verdict stands when both orders
   * agree; opposite verdicts (position bias) become `tie`; a tie in one order yields to the other.
   */
  swap?: boolean
  /** Sampling temperature (default 0). */
  temperature?: number
  /** Maximum reply length in tokens (default 256). */
  maxTokens?: number
  /** Judge calls in flight at once, an integer >= 1 (default 4). */
  concurrency?: number
  /** Name (default `pairwise-judge:{modelId}`). */
  name?: string
}

/** The default pairwise prompt, asking for `[[A]]`, `[[B]]` or `[[C]]` (tie) on the last line. */
export function defaultPairwiseTemplate(comparison: PairwiseComparison): string {
  return [
    'Compare two responses to the same question and decide which one answers it better.',
    '',
    `Question:\n${comparison.prompt}`,
    '',
    `Response A:\n${comparison.first}`,
    '',
    `Response B:\n${comparison.second}`,
    '',
    'End your reply with [[A]] if A is better, [[B]] if B is better, or [[C]] for a tie.',
  ].join('\n')
}

/**
 * Checks the argument of {@link PairwiseJudge.compare}: an array whose every entry has string
 * `prompt`, `first` and `second`; throws InvalidArgumentError naming `comparisons[i].field`.
 */
export function assertPairwiseComparisons(
  comparisons: unknown,
): asserts comparisons is PairwiseComparison[] {
  if (!Array.isArray(comparisons)) {
    throw new InvalidArgumentError({
      argument: 'comparisons',
      expected: 'an array of { prompt, first, second }',
      received: comparisons,
    })
  }
  comparisons.forEach((comparison, index) => {
    for (const field of ['prompt', 'first', 'second'] as const) {
      if (typeof comparison?.[field] !== 'string') {
        throw new InvalidArgumentError({
          argument: `comparisons[${index}].${field}`,
          expected: 'a string',
          received: comparison?.[field],
        })
      }
    }
  })
}

/** Creates a {@link PairwiseJudge} over a language model. */
export function createPairwiseJudge(options: PairwiseJudgeOptions): PairwiseJudge {
  const model = validateJudgeModel(options.model)
  const template = options.template ?? defaultPairwiseTemplate
  const parse = options.parse ?? parsePairwisePreference
  const swap = options.swap ?? false
  const limiter = createConcurrencyLimiter(options.concurrency ?? 4)
  const settings = judgeRequestSettings(options)
  return {
    name: options.name ?? `pairwise-judge:${model.modelId}`,
    async compare(comparisons, compareOptions = {}) {
      assertPairwiseComparisons(comparisons)
      throwIfAborted(compareOptions.signal ?? compareOptions.context?.signal)
      const usages: Usage[] = []
      const judgeOnce = async (comparison: PairwiseComparison): Promise<PairwiseJudgment> => {
        const reply = await askJudge(
          model,
          limiter,
          { ...settings, ...toInput(template(comparison)) },
          {
            signal: compareOptions.signal ?? compareOptions.context?.signal,
            context: compareOptions.context,
          },
          usages,
        )
        if ('error' in reply) return { preference: undefined, error: reply.error }
        const parsed = parse(reply.text)
        return parsed.value !== undefined
          ? { preference: parsed.value }
          : {
              preference: undefined,
              error: parsed.error ?? `unparseable reply "${reply.text}"`,
              reply: reply.text,
            }
      }
      const judgments = await Promise.all(
        comparisons.map(async (comparison): Promise<PairwiseJudgment> => {
          if (comparison.first.trim() === '' || comparison.second.trim() === '') {
            return { preference: undefined, error: 'empty output: nothing to compare' }
          }
          if (!swap) return judgeOnce(comparison)
          const [forward, backward] = await Promise.all([
            judgeOnce(comparison),
            judgeOnce({
              prompt: comparison.prompt,
              first: comparison.second,
              second: comparison.first,
            }),
          ])
          if (forward.preference === undefined) return forward
          if (backward.preference === undefined) return backward
          return { preference: combine(forward.preference, flip(backward.preference)) }
        }),
      )
      return { judgments, usage: usages.length > 0 ? addUsage(...usages) : emptyUsage() }
    },
  }
}

function flip(preference: PairwisePreference): PairwisePreference {
  return preference === 'first' ? 'second' : preference === 'second' ? 'first' : 'tie'
}

function combine(left: PairwisePreference, right: PairwisePreference): PairwisePreference {
  if (left === right) return left
  if (left === 'tie') return right
  if (right === 'tie') return left
  return 'tie'
}
