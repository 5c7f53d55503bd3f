// Minimum Bayes risk decoding as a generator: choose the sample with the highest expected
// utility against the samples themselves or a separate pseudo-reference set.
import {
  assertInteger,
  compact,
  type Generator,
  InvalidArgumentError,
  parseOption,
  type RunContext,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'
import { createCandidateSampler, type SampledCandidate } from './candidate-sampler.js'
import {
  computeUtilityMatrix,
  selectMinimumBayesRisk,
  type UtilityFunction,
} from './minimum-bayes-risk-selection.js'
import { parallelOptionSchemas } from './option-schemas.js'
import { type SampleSourceOptions, validateSampleSourceOptions } from './sample-source.js'
import { buildSelectionResult } from './selection-output.js'

/** Options of {@link minimumBayesRisk}. */
export interface MinimumBayesRiskOptions extends SampleSourceOptions {
  /** Number of hypotheses (samples), an integer >= 1 (default 16). */
  n?: number
  /** utility(hypothesis, reference), higher is better (e.g. a similarity from @metagen/scorers). */
  utility: UtilityFunction
  /** Declare the utility symmetric to evaluate each unordered pair once (default false). */
  symmetric?: boolean
  /**
   * Compare `text` (default) or the extracted `answer` (vote key); with `answer`, hypotheses
   * without an answer are never chosen and references without one are left out; when no sample
   * has an answer, the texts are compared instead (a trace note says so).
   */
  compare?: 'text' | 'answer'
  /**
   * A separate pseudo-reference set, drawn for the same input from its own source; without it
   * the hypotheses are their own references (each leaving itself out).
   */
  references?: SampleSourceOptions & { n: number }
}

/** What {@link minimumBayesRisk} returns besides the text. */
export interface MinimumBayesRiskOutput extends TextOutput {
  /** Expected utility of each candidate, in candidate order (-Infinity for excluded ones). */
  expectedUtilities: number[]
  /** Distinct utility evaluations made. */
  utilityEvaluations: number
}

/**
 * MBR: draws `n` hypotheses (and `references.n` pseudo-references when given), computes the
 * utility matrix once (each distinct text pair evaluated once) and returns the hypothesis with
 * the highest expected utility; `output.score` is that expected utility. Ties: the earliest
 * hypothesis. Failed samples are neither hypotheses nor references.
 */
export function minimumBayesRisk(
  options: MinimumBayesRiskOptions,
): Generator<TextInput, MinimumBayesRiskOutput> {
  validateSampleSourceOptions(options)
  const n = options.n ?? 16
  parseOption('options.n', parallelOptionSchemas.n, n)
  if (typeof options.utility !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.utility',
      expected: 'a function (hypothesis, reference) => number',
      received: options.utility,
    })
  }
  const compare = options.compare ?? 'text'
  if (compare !== 'text' && compare !== 'answer') {
    throw new InvalidArgumentError({
      argument: 'options.compare',
      expected: '"text" or "answer"',
      received: compare,
    })
  }
  if (options.references !== undefined) {
    validateSampleSourceOptions(options.references, 'options.references')
    assertInteger('options.references.n', options.references.n, 1)
  }
  const viewAs =
    (mode: 'text' | 'answer') =>
    (candidate: SampledCandidate): string | undefined =>
      candidate.error !== undefined ? undefined : mode === 'text' ? candidate.text : candidate.key
  return {
    name: 'minimum-bayes-risk',
    async run(input: TextInput, context: RunContext) {
      const sampler = createCandidateSampler(context, input, options)
      await sampler.sample(n)
      let referenceCandidates: readonly SampledCandidate[] = sampler.candidates
      let referenceUsage: Usage | undefined
      let referencesStoppedByBudget = false
      if (options.references) {
        const references = createCandidateSampler(context, input, options.references, {
          labelPrefix: 'reference',
        })
        await references.sample(options.references.n)
        referenceCandidates = references.candidates
        referenceUsage = references.usage
        referencesStoppedByBudget = references.stoppedBy === 'budget'
      }
      // With compare 'answer' and no sample that has an answer, compare the texts instead of
      // failing: every hypothesis would be excluded.
      const fallback =
        compare === 'answer' &&
        sampler.candidates.some((candidate) => candidate.error === undefined) &&
        sampler.candidates.every(
          (candidate) => candidate.error !== undefined || candidate.key === undefined,
        )
      const view = viewAs(fallback ? 'text' : compare)
      const hypothesisTexts = sampler.candidates.map((candidate) => view(candidate) ?? '')
      const excluded = new Set(
        sampler.candidates.flatMap((candidate, index) =>
          view(candidate) === undefined ? [index] : [],
        ),
      )
      const referenceTexts = referenceCandidates.flatMap((candidate) => {
        const text = view(candidate)
        return text === undefined ? [] : [text]
      })
      const matrix = computeUtilityMatrix(
        hypothesisTexts,
        options.references ? referenceTexts : hypothesisTexts,
        options.utility,
        { symmetric: options.symmetric ?? false },
      )
      // Over the samples, excluded hypotheses are also no references: weight them 0.
      const referenceWeights = options.references
        ? undefined
        : hypothesisTexts.map((_, index) => (excluded.has(index) ? 0 : 1))
      const selection = selectMinimumBayesRisk(matrix.values, {
        excludeSelf: !options.references,
        excluded,
        ...compact({ referenceWeights }),
      })
      context.emit({
        kind: 'note',
        id: context.nextId('v'),
        name: 'minimum-bayes-risk',
        data: {
          expectedUtilities: selection.expectedUtilities,
          chosen: selection.index,
          evaluations: matrix.evaluations,
          ...(fallback ? { compared: 'text (no sample had an answer)' } : {}),
        },
      })
      const result = buildSelectionResult({
        name: 'minimum-bayes-risk',
        sampler,
        index: selection.index,
        ...(referenceUsage ? { extraUsage: referenceUsage } : {}),
        score: selection.expectedUtilities[selection.index],
        extra: {
          expectedUtilities: selection.expectedUtilities,
          utilityEvaluations: matrix.evaluations,
        },
      })
      if (referencesStoppedByBudget) result.stoppedBy = 'budget'
      return result
    },
  }
}
