// A pairwise judge for models that cannot follow a judging instruction (small completion models
// such as tinymath, which answer any prompt in their own format): each match goes to the output
// the judge model finds more likely as a continuation of the prompt (mean token log-probability).
import {
  addUsage,
  callScoreContinuations,
  emptyUsage,
  InvalidArgumentError,
  type LanguageModel,
  throwIfAborted,
  UnsupportedCapabilityError,
  type Usage,
} from '@metagen/core'
import {
  assertPairwiseComparisons,
  type PairwiseJudge,
  type PairwiseJudgment,
} from './pairwise-judge.js'

/** Options of {@link createLikelihoodPairwiseJudge}. */
export interface LikelihoodPairwiseJudgeOptions {
  /** The judge model; it must score continuations (`capabilities.scoring`). */
  model: LanguageModel
  /** Name (default `likelihood-judge:{modelId}`). */
  name?: string
}

/**
 * A {@link PairwiseJudge} by likelihood: one `scoreContinuations` call per match scores both
 * outputs as continuations of the prompt; the one with the higher mean token log-probability
 * wins, equal means are a tie. An output without tokens, or a failed call, gives no verdict
 * (with `error`). With a run context the calls go through `callScoreContinuations` (budget,
 * concurrency, trace). Throws UnsupportedCapabilityError when the model cannot score.
 */
export function createLikelihoodPairwiseJudge(
  options: LikelihoodPairwiseJudgeOptions,
): PairwiseJudge {
  const model = options?.model
  if (typeof model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: model,
    })
  }
  if (!model.capabilities.scoring || typeof model.scoreContinuations !== 'function') {
    throw new UnsupportedCapabilityError({
      capability: 'scoring',
      message: `The likelihood judge needs a model that scores continuations; ${model.provider}:${model.modelId} cannot (capabilities.scoring).`,
    })
  }
  const scoreContinuations = model.scoreContinuations.bind(model)
  return {
    name: options.name ?? `likelihood-judge:${model.modelId}`,
    async compare(comparisons, compareOptions = {}) {
      assertPairwiseComparisons(comparisons)
      const signal = compareOptions.signal ?? compareOptions.context?.signal
      throwIfAborted(signal)
      const usages: Usage[] = []
      const judgments = await Promise.all(
        comparisons.map(async (comparison): Promise<PairwiseJudgment> => {
          if (comparison.first.trim() === '' || comparison.second.trim() === '') {
            return { preference: undefined, error: 'empty output: nothing to compare' }
          }
          const request = {
            prompt: comparison.prompt,
            continuations: [comparison.first, comparison.second],
          }
          let means: number[]
          try {
            const result = compareOptions.context
              ? await callScoreContinuations(compareOptions.context, model, request)
              : await scoreContinuations({ ...request, ...(signal ? { signal } : {}) })
            usages.push(result.usage)
            means = result.continuations.map(({ logprobs }) =>
              logprobs.length === 0
                ? Number.NaN
                : logprobs.reduce((sum, entry) => sum + entry.logprob, 0) / logprobs.length,
            )
          } catch (error) {
            if (signal?.aborted) throw error
            return {
              preference: undefined,
              error: `the scoring call failed: ${error instanceof Error ? error.message : String(error)}`,
            }
          }
          const [first, second] = means as [number, number]
          if (!Number.isFinite(first) || !Number.isFinite(second)) {
            return { preference: undefined, error: 'an output has no scored tokens' }
          }
          return { preference: first > second ? 'first' : second > first ? 'second' : 'tie' }
        }),
      )
      return { judgments, usage: usages.length > 0 ? addUsage(...usages) : emptyUsage() }
    },
  }
}
