// LLM-as-judge: asks a language model to grade each output on a numeric scale and parses the
// reply robustly; unparseable replies are reported per item, never guessed.
import {
  addUsage,
  type ChatMessage,
  createConcurrencyLimiter,
  emptyUsage,
  InvalidArgumentError,
  type LanguageModel,
  type Score,
  type ScoreOptions,
  type ScoreRequest,
  type Scorer,
  throwIfAborted,
  type Usage,
} from '@metagen/core'
import { askJudge, judgeRequestSettings, toInput, validateJudgeModel } from './judge-call.js'
import { parseJudgeScore } from './parse-judge-reply.js'
import { unscorable, validateScoreRequests } from './score-requests.js'

/** The judge's grading scale: replies must give a number in [min, max]. */
export interface JudgeScale {
  min: number
  max: number
}

/** Builds the judge's input for one request: a prompt string or chat messages. */
export type JudgeTemplate = (request: ScoreRequest, scale: JudgeScale) => string | ChatMessage[]

/** Options of {@link createJudgeScorer}. */
export interface JudgeScorerOptions {
  /** The judge model. */
  model: LanguageModel
  /** Grading scale (default 1..10). `min` < `max`, both finite. */
  scale?: JudgeScale
  /** Builds the judge input (default {@link defaultJudgeTemplate}). */
  template?: JudgeTemplate
  /** Parses a reply (default {@link parseJudgeScore}). */
  parse?: (reply: string, scale: JudgeScale) => { value?: number; error?: string }
  /** Sampling temperature of the judge (default 0, greedy). */
  temperature?: number
  /** Maximum reply length in tokens (default 256). */
  maxTokens?: number
  /** Judge calls in flight at once, an integer >= 1 (default 4). */
  concurrency?: number
  /** Scorer name (default `judge:{modelId}`). */
  name?: string
}

/** The default judge prompt: the question, the response, and the scale with the reply format. */
export function defaultJudgeTemplate(request: ScoreRequest, scale: JudgeScale): string {
  return [
    'You are a strict grader. Judge whether the response answers the question correctly and clearly.',
    '',
    `Question:\n${request.prompt}`,
    '',
    `Response:\n${request.output}`,
    '',
    `Give a score from ${scale.min} (worst) to ${scale.max} (best). End your reply with a line "Score: N".`,
  ].join('\n')
}

/**
 * A scorer that asks `model` for a grade. `value` is the parsed grade mapped linearly to [0, 1]
 * ((grade - min) / (max - min)). A reply without a parseable grade in range, an empty output or
 * a failed call is reported in that item's `error` (value undefined); the other items are kept.
 * Inside a run (`options.context`, set by `callScorer`) every judge call goes through the run's
 * `callModel`: its budget (a call the budget cannot pay for is reported as that item's error),
 * concurrency limit, seed and trace.
 */
export function createJudgeScorer(options: JudgeScorerOptions): Scorer {
  const model = validateJudgeModel(options.model)
  const scale = options.scale ?? { min: 1, max: 10 }
  if (
    !scale ||
    !Number.isFinite(scale.min) ||
    !Number.isFinite(scale.max) ||
    !(scale.min < scale.max)
  ) {
    throw new InvalidArgumentError({
      argument: 'scale',
      expected: 'finite { min, max } with min < max',
      received: scale,
    })
  }
  const template = options.template ?? defaultJudgeTemplate
  const parse = options.parse ?? parseJudgeScore
  const limiter = createConcurrencyLimiter(options.concurrency ?? 4)
  const baseRequest = judgeRequestSettings(options)
  return {
    specificationVersion: 'v1',
    name: options.name ?? `judge:${model.modelId}`,
    kind: { outcome: true, process: false },
    async score(requests: readonly ScoreRequest[], scoreOptions: ScoreOptions = {}) {
      validateScoreRequests(requests)
      throwIfAborted(scoreOptions.signal)
      const usages: Usage[] = []
      const scores = await Promise.all(
        requests.map(async (request): Promise<Score> => {
          if (request.output.trim().length === 0)
            return unscorable('empty output: nothing to judge')
          const reply = await askJudge(
            model,
            limiter,
            { ...baseRequest, ...toInput(template(request, scale)) },
            scoreOptions,
            usages,
          )
          if ('error' in reply) return unscorable(reply.error)
          const parsed = parse(reply.text, scale)
          if (parsed.value === undefined || !Number.isFinite(parsed.value)) {
            return unscorable(parsed.error ?? `unparseable judge reply "${reply.text}"`)
          }
          return { value: (parsed.value - scale.min) / (scale.max - scale.min) }
        }),
      )
      return { scores, usage: usages.length > 0 ? addUsage(...usages) : emptyUsage() }
    },
  }
}
