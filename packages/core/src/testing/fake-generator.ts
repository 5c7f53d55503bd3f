// A Generator for tests of the run machinery (run, evaluate, scale): it calls a model a fixed
// number of times in sequence through callModel, so budget, trace, seeds and concurrency apply.
import { InvalidArgumentError } from '../errors.js'
import type { Generator, TextInput, TextOutput } from '../generator.js'
import type { GenerateRequest, LanguageModel } from '../language-model.js'
import { callModel } from '../run-context.js'
import { addUsage, emptyUsage } from '../usage.js'

/** Options of {@link createFakeGenerator}. */
export interface FakeGeneratorOptions {
  /** The model to call. */
  model: LanguageModel
  /** Sequential calls per run, an integer >= 1 (default 1). */
  calls?: number
  /** Request fields of every call (default `{ maxTokens: 16 }`); n is always 1. */
  request?: Omit<GenerateRequest, 'prompt' | 'messages' | 'n' | 'signal'>
  /** Name in traces (default `fake-generator`). */
  name?: string
}

/**
 * A generator that makes `calls` sequential `callModel` calls with the input's prompt or
 * messages and answers with the text of the last call's first output (an empty text when the
 * model returned none). Its usage is the sum of the calls' usage.
 */
export function createFakeGenerator(
  options: FakeGeneratorOptions,
): Generator<TextInput, TextOutput> {
  const calls = options?.calls ?? 1
  if (!Number.isInteger(calls) || calls < 1) {
    throw new InvalidArgumentError({
      argument: 'options.calls',
      expected: 'an integer >= 1',
      received: calls,
    })
  }
  const request = options.request ?? { maxTokens: 16 }
  return {
    name: options.name ?? 'fake-generator',
    async run(input, context) {
      let text = ''
      let usage = emptyUsage()
      for (let index = 0; index < calls; index++) {
        const result = await callModel(context, options.model, {
          ...request,
          ...(input.messages !== undefined
            ? { messages: input.messages }
            : { prompt: input.prompt ?? '' }),
          n: 1,
        })
        text = result.outputs[0]?.text ?? ''
        usage = addUsage(usage, result.usage)
      }
      return { output: { text }, usage }
    },
  }
}
