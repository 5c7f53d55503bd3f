// Running one admitted completion request: plain sampling (one `generate` with n samples per
// prompt) or a `metagen.strategy` run per sample, either collected into one response or
// streamed as OpenAI chunks.
import {
  addUsage,
  compact,
  emptyUsage,
  type GenerateOutput,
  type LanguageModel,
  type TextOutput,
  type TokenModel,
  type TraceEvent,
  UnsupportedCapabilityError,
  type Usage,
} from '@metagen/core'
import {
  createConstrainedLanguageModel,
  createTokenLanguageModel,
  type LogitsProcessor,
} from '@metagen/decoders'
import type { StrategyEnvironment } from '@metagen/orchestrator'
import { run } from '@metagen/orchestrator'
import type { ParsedRequest } from './parse-request.js'
import { type PromptTokenLogprob, scorePromptTokens } from './vllm-extensions.js'
import { toWireFinishReason } from './wire-format.js'

/** One choice before rendering to the wire format. */
export interface Choice {
  /** The prompt this choice continues (for completion logprob offsets). */
  prompt: string
  text: string
  /** OpenAI finish reason (`stop`, `length`, `error`, ...). */
  finishReason: string
  logprobs?: GenerateOutput['logprobs']
  answer?: string
  score?: number
  /** Number of candidates the strategy considered, where it reports them. */
  candidates?: number
  /** Set when the strategy stopped early at its budget (this server's limits). */
  stoppedBy?: string
  error?: string
  /** The prompt's tokens with their log-probabilities (`echo` with logprobs, `prompt_logprobs`). */
  promptTokens?: PromptTokenLogprob[]
}

/** What a run produced. */
export interface CompletionResult {
  choices: Choice[]
  usage: Usage
}

/** Progress of a strategy run (the `metagen.progress` stream extension). */
export interface StrategyProgress {
  /** Choice index (prompt-major, then sample). */
  index: number
  /** The trace event that moved it: `model-call`, `score` or `node` (a search node). */
  event: string
  /** Model calls so far in this run. */
  calls: number
  /** Generated tokens so far in this run. */
  outputTokens: number
  /** Scoring calls so far in this run. */
  scored: number
  /** Deepest search node so far, for search strategies. */
  depth?: number
}

/** Everything a run needs. */
export interface RunCompletionOptions {
  request: ParsedRequest
  /** The request's strategy spec, validated with defaults (when `metagen.strategy` is given). */
  strategy?: unknown
  environment: StrategyEnvironment
  /** Maximum generated tokens per sample (the request's or the server default). */
  maxTokens: number
  /** Samples one strategy run may draw (its output-token budget is this x maxTokens). */
  strategySamples: number
  /** Wall-time budget of a strategy run, in ms (its deadline). */
  wallTimeMs: number
  signal: AbortSignal
  /** Receives text deltas while plain sampling of one prompt with n = 1 runs (streaming). */
  onDelta?: (text: string) => void
  /** Receives strategy progress (streaming). */
  onProgress?: (progress: StrategyProgress) => void
  /** The run model's token model (local models): streaming deltas, guided decoding, prompt scoring. */
  tokenModel?: TokenModel
}

/**
 * Runs a request. Plain sampling: one `generate` per prompt with `n` samples (with `onDelta`
 * and a token model, through a wrapper that reports each decoded token as it is sampled).
 * Strategies: `n` runs per prompt with seeds `seed + i` (seed default 0), each with an
 * output-token budget of `strategySamples x maxTokens` and the wall-time budget. Choices are
 * ordered by prompt, then sample; a failed sample becomes a choice with finish_reason `error`;
 * when every sample fails, the first error is thrown.
 */
export async function runCompletion(options: RunCompletionOptions): Promise<CompletionResult> {
  const { request, environment, maxTokens, signal } = options
  const sampling = {
    maxTokens,
    ...compact({ temperature: request.temperature, topP: request.topP, stop: request.stop }),
  }
  const errors: unknown[] = []
  let choices: Choice[]
  let usage: Usage
  if (options.strategy === undefined) {
    const tokenModel = options.tokenModel
    const scorePrompt =
      (request.echo === true && request.logprobs) || request.promptLogprobs !== undefined
    if ((scorePrompt || request.guided) && !tokenModel) {
      throw new UnsupportedCapabilityError({
        capability: request.guided ? 'guided decoding' : 'prompt log-probabilities',
        message: `${request.guided ? request.guided.field : request.echo ? 'echo with logprobs' : 'prompt_logprobs'} needs a local model; ${request.model} is a remote model.`,
      })
    }
    const model = request.guided
      ? createConstrainedLanguageModel(tokenModel as TokenModel, {
          constraint: request.guided.constraint,
        })
      : options.onDelta && tokenModel
        ? createStreamingModel(tokenModel, request.stop ?? [], options.onDelta)
        : await environment.languageModel()
    const drawn = request.bestOf ?? request.n
    const scored = scorePrompt
      ? await Promise.all(
          request.prompts.map((prompt) =>
            scorePromptTokens(tokenModel as TokenModel, prompt, signal),
          ),
        )
      : undefined
    const results = await Promise.all(
      request.prompts.map(async (prompt, promptIndex) => {
        if (maxTokens === 0) {
          return {
            outputs: Array.from({ length: request.n }, () => ({
              text: '',
              finishReason: 'length' as const,
              ...(request.logprobs ? { logprobs: [] } : {}),
            })),
            usage: {
              ...emptyUsage(),
              inputTokens: scored?.[promptIndex]?.inputTokens ?? 0,
              calls: 1,
            },
          }
        }
        const result = await model.generate({
          ...(request.messages ? { messages: request.messages } : { prompt }),
          n: drawn,
          ...sampling,
          ...compact({ seed: request.seed }),
          ...(request.logprobs || request.bestOf !== undefined
            ? { logprobs: true, topLogprobs: request.topLogprobs ?? 0 }
            : {}),
          ...compact({ providerOptions: request.providerOptions }),
          signal,
        })
        if (request.bestOf === undefined) return result
        // best_of: the n samples of highest total log-probability, most likely first (as vLLM).
        const total = (output: GenerateOutput) =>
          output.error
            ? Number.NEGATIVE_INFINITY
            : (output.logprobs ?? []).reduce((sum, entry) => sum + entry.logprob, 0)
        const best = [...result.outputs]
          .sort((a, b) => total(b) - total(a))
          .slice(0, request.n)
          .map((output) => {
            if (request.logprobs) return output
            const { logprobs: _dropped, ...rest } = output
            return rest
          })
        return { ...result, outputs: best }
      }),
    )
    usage = addUsage(...results.map((result) => result.usage))
    choices = results.flatMap((result, promptIndex) =>
      result.outputs.map((output): Choice => {
        const promptTokens = scored?.[promptIndex]?.tokens
        if (promptTokens) {
          const base = convertOutput(request.prompts[promptIndex] as string, output, errors)
          return { ...base, promptTokens }
        }
        return convertOutput(request.prompts[promptIndex] as string, output, errors)
      }),
    )
  } else {
    const generator = await environment.build(options.strategy as never)
    const baseSeed = request.seed ?? 0
    const runs = request.prompts.flatMap((prompt, promptIndex) =>
      Array.from({ length: request.n }, (_, sample) => {
        const index = promptIndex * request.n + sample
        let scored = 0
        let calls = 0
        let outputTokens = 0
        let maxDepth: number | undefined
        return run(
          generator,
          request.messages
            ? { messages: request.messages, request: sampling }
            : { prompt, request: sampling },
          {
            seed: (baseSeed + sample) % 2 ** 32,
            signal,
            budget: {
              outputTokens: options.strategySamples * maxTokens,
              wallTimeMs: Math.max(1, options.wallTimeMs),
            },
            ...(options.onProgress
              ? {
                  trace: {
                    emit: (event: TraceEvent) => {
                      if (event.kind === 'model-call') {
                        calls++
                        outputTokens += event.usage?.outputTokens ?? 0
                      } else if (event.kind === 'score') {
                        scored++
                      } else if (event.kind === 'node') {
                        const depth = event.data?.depth
                        if (typeof depth === 'number') maxDepth = Math.max(maxDepth ?? 0, depth)
                      } else {
                        return
                      }
                      options.onProgress?.({
                        index,
                        event: event.kind,
                        calls,
                        outputTokens,
                        scored,
                        ...compact({ depth: maxDepth }),
                      })
                    },
                  },
                }
              : {}),
          },
        )
      }),
    )
    const settled = await Promise.allSettled(runs)
    usage = emptyUsage()
    choices = settled.map((outcome, index) => {
      const prompt = request.prompts[Math.floor(index / request.n)] as string
      if (outcome.status === 'rejected') {
        errors.push(outcome.reason)
        const message =
          outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)
        return { prompt, text: '', finishReason: 'error', error: message }
      }
      usage = addUsage(usage, outcome.value.usage)
      const output: TextOutput = outcome.value.output
      return {
        prompt,
        text: output.text,
        finishReason: toWireFinishReason(output.finishReason),
        ...compact({ answer: output.answer, score: output.score }),
        ...(output.candidates !== undefined ? { candidates: output.candidates.length } : {}),
        ...compact({ stoppedBy: outcome.value.stoppedBy }),
      }
    })
  }
  if (errors.length === choices.length && errors.length > 0) throw errors[0]
  return { choices, usage }
}

/** A generated output as a choice; a failed sample is recorded in `errors`. */
function convertOutput(
  prompt: string,
  output: Pick<GenerateOutput, 'text' | 'finishReason' | 'logprobs' | 'error'>,
  errors: unknown[],
): Choice {
  if (output.error) {
    errors.push(output.error)
    return { prompt, text: '', finishReason: 'error', error: output.error.message }
  }
  return {
    prompt,
    text: output.text,
    finishReason: toWireFinishReason(output.finishReason),
    ...(output.logprobs ? { logprobs: output.logprobs } : {}),
  }
}

/**
 * A language model over `tokenModel` that reports the text of one sample as it is decoded:
 * a logits hook sees the tokens sampled so far at each step, decodes them and passes on the
 * new text. Text that could still become a stop sequence (its last `max(stop length) - 1`
 * characters) and a trailing incomplete UTF-8 character are held back until they are settled;
 * after a stop sequence appears nothing more is reported (the final text is cut there).
 */
function createStreamingModel(
  tokenModel: TokenModel,
  stop: readonly string[],
  onDelta: (text: string) => void,
): LanguageModel {
  const holdBack = stop.reduce((longest, entry) => Math.max(longest, entry.length - 1), 0)
  let emitted = 0
  let stopped = false
  const tap: LogitsProcessor = (logits, context) => {
    if (stopped || context.generatedCount === 0) return logits
    const text = tokenModel.tokenizer.decode(context.tokens.slice(-context.generatedCount), {
      skipSpecialTokens: true,
    })
    if (stop.some((entry) => text.includes(entry))) {
      stopped = true
      return logits
    }
    let safe = text.length - holdBack
    while (safe > emitted && text.charCodeAt(safe - 1) === 0xfffd) safe--
    if (safe > emitted) {
      onDelta(text.slice(emitted, safe))
      emitted = safe
    }
    return logits
  }
  return createTokenLanguageModel(tokenModel, { logitsProcessor: tap })
}
