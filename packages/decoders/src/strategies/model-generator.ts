// A strategy generator that is one model call: the shared plumbing of the decoding strategies
// (greedy, sampling, beam, speculative, constrained, ...), which differ only in the model.
import {
  callModel,
  type GenerateRequest,
  type Generator,
  type LanguageModel,
  MetagenError,
  type StrategyEnvironment,
  type TextInput,
  type TextOutput,
  type TokenModel,
  UnsupportedCapabilityError,
} from '@metagen/core'

/** Options of {@link createModelGenerator}. */
export interface ModelGeneratorOptions {
  /** Request fields that override the input's request (e.g. `temperature`, `logprobs`). */
  request?: Partial<GenerateRequest>
  /**
   * When true, the output's `score` is the sum of its token logprobs (natural log, <= 0) if the
   * model returned logprobs; when false (default) the output has no score.
   */
  scoreByLogprob?: boolean
}

/** Token-level decoders return logprobs; the output's score is their sum. */
export const logprobRequest: ModelGeneratorOptions = {
  request: { logprobs: true },
  scoreByLogprob: true,
}

/**
 * A generator that makes one `callModel` call (so budget, concurrency and trace apply) with the
 * input's prompt or messages, `maxTokens` from the input or else the environment, then
 * `options.request`, and `n` 1. Returns the first output with its extracted answer; a missing or
 * failed output is thrown.
 */
export function createModelGenerator(
  name: string,
  model: LanguageModel,
  environment: StrategyEnvironment,
  options: ModelGeneratorOptions = {},
): Generator<TextInput, TextOutput> {
  const extra = options.request ?? {}
  return {
    name,
    async run(input, context) {
      const request: GenerateRequest = {
        maxTokens: environment.maxTokens,
        ...input.request,
        ...extra,
        ...(input.messages !== undefined
          ? { messages: input.messages }
          : { prompt: input.prompt ?? '' }),
        n: 1,
      }
      const result = await callModel(context, model, request)
      const output = result.outputs[0]
      if (output === undefined) throw new MetagenError(`${name}: the model returned no output`)
      if (output.error) throw output.error
      const answer = environment.extractAnswer(output.text)
      const logprob = options.scoreByLogprob
        ? output.logprobs?.reduce((total, entry) => total + entry.logprob, 0)
        : undefined
      return {
        output: {
          text: output.text,
          ...(answer !== undefined ? { answer } : {}),
          finishReason: output.finishReason,
          ...(logprob !== undefined ? { score: logprob } : {}),
        },
        usage: result.usage,
      }
    },
  }
}

/** The run model as a token model, or undefined when it is remote. */
export async function tryTokenModel(
  environment: StrategyEnvironment,
  id?: string,
): Promise<TokenModel | undefined> {
  try {
    return await environment.tokenModel(id)
  } catch (error) {
    if (error instanceof UnsupportedCapabilityError) return undefined
    throw error
  }
}
