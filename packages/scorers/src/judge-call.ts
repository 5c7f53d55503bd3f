// Internal helpers shared by the judge scorer and the pairwise judge: validating the judge
// model, building its request, and one call that reports failures instead of throwing.
import {
  assertInteger,
  assertNumberInRange,
  type ChatMessage,
  type ConcurrencyLimiter,
  callModel,
  compact,
  type GenerateRequest,
  InvalidArgumentError,
  type LanguageModel,
  type RunContext,
  type Usage,
} from '@metagen/core'
import { errorMessage } from './score-requests.js'

/** Checks that `model` looks like a LanguageModel. */
export function validateJudgeModel(model: LanguageModel): LanguageModel {
  if (model === null || typeof model !== 'object' || typeof model.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'model',
      expected: 'a LanguageModel',
      received: model,
    })
  }
  return model
}

/**
 * The generate settings shared by every judge call: `temperature` (default 0, >= 0) and
 * `maxTokens` (default 256, an integer >= 1); a bad value throws InvalidArgumentError naming
 * `options.temperature` / `options.maxTokens` when the judge is created.
 */
export function judgeRequestSettings(options: {
  temperature?: number
  maxTokens?: number
}): Omit<GenerateRequest, 'prompt' | 'messages'> {
  const temperature = options.temperature ?? 0
  assertNumberInRange('options.temperature', temperature, { min: 0 })
  const maxTokens = options.maxTokens ?? 256
  assertInteger('options.maxTokens', maxTokens, 1)
  return { temperature, maxTokens, n: 1 }
}

/** A template result as request fields. */
export function toInput(
  input: string | ChatMessage[],
): Pick<GenerateRequest, 'prompt' | 'messages'> {
  return typeof input === 'string' ? { prompt: input } : { messages: input }
}

/**
 * One judge call through `limiter` and, when the scorer runs inside a run, through `context`
 * ({@link callModel}: the run's budget, concurrency limit, seed and trace); records its usage and
 * returns the reply text, or the reason there is none (thrown error, failed sample, the run's
 * budget exhausted). Rethrows when `signal` aborted.
 */
export async function askJudge(
  model: LanguageModel,
  limiter: ConcurrencyLimiter,
  request: GenerateRequest,
  options: { signal?: AbortSignal | undefined; context?: RunContext | undefined },
  usages: Usage[],
): Promise<{ text: string } | { error: string }> {
  const { signal, context } = options
  try {
    const result = await limiter.run(
      () =>
        context
          ? callModel(context, model, request)
          : model.generate({ ...request, ...compact({ signal }) }),
      signal,
    )
    usages.push(result.usage)
    const output = result.outputs[0]
    if (!output) return { error: 'the judge returned no output' }
    if (output.error) return { error: `the judge call failed: ${output.error.message}` }
    return { text: output.text }
  } catch (error) {
    if (signal?.aborted) throw error
    return { error: `the judge call failed: ${errorMessage(error)}` }
  }
}
