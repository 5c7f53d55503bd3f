// Chain-of-thought with answer extraction: generate the reasoning, extract the final answer
// from it, and when none is found ask the model for the final answer after the reasoning.
import {
  addUsage,
  assertCanContinue,
  assertInteger,
  assertTextInput,
  callModel,
  compact,
  continueInput,
  type Generator,
  type GeneratorResult,
  InvalidArgumentError,
  type LanguageModel,
  noOutputError,
  type RequestOptions,
  requestForInput,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'

/** Options of {@link chainOfThought}. */
export interface ChainOfThoughtOptions {
  /** The model that reasons and answers. */
  model: LanguageModel
  /** Finds the final answer in text (e.g. tinymath's `The answer is N.`); undefined when absent. */
  extractAnswer: (text: string) => string | undefined
  /**
   * Text prepended to the reasoning, after the input (e.g. ` Let's think step by step.`);
   * default none (models trained to reason, such as tinymath, need none).
   */
  reasoningPrefix?: string
  /**
   * When the reasoning holds no answer, the model is asked again with input + reasoning +
   * this text (e.g. ` The answer is`), and `extractAnswer` is applied to
   * `answerPrompt + continuation`. Default: no second call; the answer stays undefined.
   * The reasoning prefix and the answer prompt continue the model's own turn, so either needs a
   * model that continues (`capabilities.continuation` `native` or `assistant-prefill`);
   * otherwise the constructor throws InvalidArgumentError (argument `options.model`).
   */
  answerPrompt?: string
  /** Maximum tokens of the answer call, an integer >= 1 (default 16). */
  answerMaxTokens?: number
  /** Stop sequences of the answer call (default `['\n']`). */
  answerStop?: readonly string[]
  /** Request fields of the reasoning call (temperature, maxTokens, stop, ...). */
  request?: RequestOptions
  /** Name in traces (default `chain-of-thought`). */
  name?: string
}

/** Output of {@link chainOfThought}: the reasoning (and answer text) plus the answer's origin. */
export interface ChainOfThoughtOutput extends TextOutput {
  /** Where the answer came from: the reasoning, the follow-up answer call, or nowhere. */
  answerSource: 'reasoning' | 'answer-prompt' | 'none'
}

/**
 * Chain-of-thought generator. Its output `text` is the reasoning (followed by the answer
 * prompt and answer when the follow-up call was made) and `answer` the extracted answer, so it
 * plugs into majority vote as one sample (self-consistency = vote over chain-of-thought).
 */
export function chainOfThought(
  options: ChainOfThoughtOptions,
): Generator<TextInput, ChainOfThoughtOutput> {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  if (typeof options.extractAnswer !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.extractAnswer',
      expected: 'a function (text) => answer | undefined',
      received: options.extractAnswer,
    })
  }
  const answerMaxTokens = options.answerMaxTokens ?? 16
  assertInteger('options.answerMaxTokens', answerMaxTokens, 1)
  const { model, extractAnswer, reasoningPrefix = '', answerPrompt, request = {} } = options
  const answerStop = options.answerStop ?? ['\n']
  if (reasoningPrefix !== '') assertCanContinue('options.model', model, 'the reasoning prefix')
  if (answerPrompt !== undefined) assertCanContinue('options.model', model, 'the answer prompt')
  return {
    name: options.name ?? 'chain-of-thought',
    async run(input, context): Promise<GeneratorResult<ChainOfThoughtOutput>> {
      assertTextInput('input', input)
      const reasoningInput = continueInput(input, reasoningPrefix, model, 'the reasoning prefix')
      const reasoning = await callModel(context, model, {
        ...requestForInput(reasoningInput, request),
        n: 1,
      })
      let usage: Usage = addUsage(reasoning.usage)
      const first = reasoning.outputs[0]
      if (!first) throw noOutputError(model)
      if (first.error) throw first.error
      const reasoningText = reasoningPrefix + first.text
      const fromReasoning = extractAnswer(reasoningText)
      if (fromReasoning !== undefined || answerPrompt === undefined) {
        return {
          output: {
            text: reasoningText,
            finishReason: first.finishReason,
            ...compact({ answer: fromReasoning }),
            answerSource: fromReasoning !== undefined ? 'reasoning' : 'none',
          },
          usage,
        }
      }
      const answerInput = continueInput(
        input,
        reasoningText + answerPrompt,
        model,
        'the answer prompt',
      )
      const answerCall = await callModel(context, model, {
        ...requestForInput(answerInput, {
          ...request,
          maxTokens: answerMaxTokens,
          stop: answerStop,
        }),
        n: 1,
      })
      usage = addUsage(usage, answerCall.usage)
      const answerOutput = answerCall.outputs[0]
      if (!answerOutput) throw noOutputError(model)
      if (answerOutput.error) throw answerOutput.error
      const answerText = answerPrompt + answerOutput.text
      const answer = extractAnswer(answerText)
      return {
        output: {
          text: reasoningText + answerText,
          finishReason: answerOutput.finishReason,
          ...compact({ answer }),
          answerSource: answer !== undefined ? 'answer-prompt' : 'none',
        },
        usage,
      }
    },
  }
}
