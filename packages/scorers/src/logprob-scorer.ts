// Scores an output by its log-probability under a language model (teacher forcing locally,
// API log-probabilities remotely): the sum or the per-token mean of its token log-probabilities.
import {
  addUsage,
  callScoreContinuations,
  compact,
  emptyUsage,
  InvalidArgumentError,
  type LanguageModel,
  type Score,
  type ScoreOptions,
  type ScoreRequest,
  type Scorer,
  throwIfAborted,
  UnsupportedCapabilityError,
  type Usage,
} from '@metagen/core'
import {
  errorMessage,
  isFiniteNumber,
  unscorable,
  validateScoreRequests,
} from './score-requests.js'

/** How token log-probabilities are combined. */
export type LogprobReduction = 'sum' | 'mean'

/** Options of {@link createLogprobScorer}. */
export interface LogprobScorerOptions {
  /** A language model with `capabilities.scoring` and `scoreContinuations`. */
  model: LanguageModel
  /**
   * `sum` (default): total natural-log probability of the output, in (-Infinity, 0]; favours
   * short outputs. `mean`: per-token average, in (-Infinity, 0], length-normalised.
   */
  reduction?: LogprobReduction
  /** Scorer name (default `logprob-{reduction}`). */
  name?: string
}

/**
 * A scorer whose `value` is the sum or mean natural-log probability of the output's tokens given
 * the prompt (higher is better; never above 0). Requests that share a prompt are scored in one
 * `scoreContinuations` call. Throws {@link UnsupportedCapabilityError} when the model cannot
 * score continuations. Empty outputs, continuations without tokens and zero-probability tokens
 * are reported per item; a failed call marks only its prompt's items unscorable. Inside a run
 * (`options.context`) the scoring calls go through `callScoreContinuations` (the run's budget,
 * concurrency limit and trace).
 */
export function createLogprobScorer(options: LogprobScorerOptions): Scorer {
  const model = options.model
  if (model === null || typeof model !== 'object' || typeof model.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'model',
      expected: 'a LanguageModel',
      received: model,
    })
  }
  if (!model.capabilities?.scoring || typeof model.scoreContinuations !== 'function') {
    throw new UnsupportedCapabilityError({
      capability: 'scoring',
      message: `The log-probability scorer needs a model that scores continuations (capabilities.scoring); ${model.provider}:${model.modelId} does not.`,
    })
  }
  const reduction = options.reduction ?? 'sum'
  if (reduction !== 'sum' && reduction !== 'mean') {
    throw new InvalidArgumentError({
      argument: 'reduction',
      expected: "'sum' or 'mean'",
      received: reduction,
    })
  }
  const scoreContinuations = model.scoreContinuations.bind(model)
  return {
    specificationVersion: 'v1',
    name: options.name ?? `logprob-${reduction}`,
    kind: { outcome: true, process: false },
    async score(requests: readonly ScoreRequest[], scoreOptions: ScoreOptions = {}) {
      validateScoreRequests(requests)
      throwIfAborted(scoreOptions.signal)
      const scores: Score[] = new Array(requests.length)
      const groups = new Map<string, number[]>()
      requests.forEach((request, index) => {
        if (request.output.length === 0) {
          scores[index] = unscorable('empty output: no tokens to score')
          return
        }
        const group = groups.get(request.prompt)
        if (group) group.push(index)
        else groups.set(request.prompt, [index])
      })
      const usages: Usage[] = []
      await Promise.all(
        [...groups].map(async ([prompt, indices]) => {
          try {
            const request = {
              prompt,
              continuations: indices.map((index) => (requests[index] as ScoreRequest).output),
              ...compact({ signal: scoreOptions.signal }),
            }
            const result = scoreOptions.context
              ? await callScoreContinuations(scoreOptions.context, model, request)
              : await scoreContinuations(request)
            usages.push(result.usage)
            if (result.continuations.length !== indices.length) {
              for (const index of indices) {
                scores[index] = unscorable(
                  `the model returned ${result.continuations.length} continuations for ${indices.length} requested`,
                )
              }
              return
            }
            indices.forEach((index, position) => {
              scores[index] = reduce(result.continuations[position]?.logprobs, reduction)
            })
          } catch (error) {
            if (scoreOptions.signal?.aborted) throw error
            for (const index of indices) {
              scores[index] = unscorable(`scoring call failed: ${errorMessage(error)}`)
            }
          }
        }),
      )
      return { scores, usage: usages.length > 0 ? addUsage(...usages) : emptyUsage() }
    },
  }
}

function reduce(
  logprobs: ReadonlyArray<{ logprob: number }> | undefined,
  reduction: LogprobReduction,
): Score {
  if (!logprobs || logprobs.length === 0)
    return unscorable('the model returned no token log-probabilities')
  let sum = 0
  for (const token of logprobs) {
    if (!isFiniteNumber(token.logprob)) {
      return unscorable(`a token has log-probability ${token.logprob}`)
    }
    sum += token.logprob
  }
  return { value: reduction === 'sum' ? sum : sum / logprobs.length }
}
