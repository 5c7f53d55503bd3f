// Hand-written fakes of metagen's own interfaces for the orchestrator's unit tests (not exported).
import {
  callModel,
  type GenerateRequest,
  type Generator,
  type LanguageModel,
  type TextInput,
  type TextOutput,
} from '@metagen/core'

/**
 * A fake language model: each sample's text is `The answer is <seed mod 10>.` (so outputs
 * depend on the seed only), usage 5 input + 7 output tokens per sample, one call per request.
 */
export function createFakeLanguageModel(
  options: { delayMs?: number; fail?: (prompt: string) => boolean } = {},
): LanguageModel & { requests: GenerateRequest[] } {
  const requests: GenerateRequest[] = []
  return {
    specificationVersion: 'v1',
    provider: 'fake',
    modelId: 'fake-model',
    capabilities: { logprobs: false, nativeN: true, seed: true, scoring: false, chat: false },
    requests,
    async generate(request) {
      requests.push(request)
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs))
      if (options.fail?.(request.prompt ?? ''))
        throw new Error(`fake failure for ${request.prompt}`)
      const n = request.n ?? 1
      return {
        outputs: Array.from({ length: n }, (_, index) => ({
          text: `The answer is ${((request.seed ?? 0) + index) % 10}.`,
          finishReason: 'stop' as const,
        })),
        usage: { inputTokens: 5, outputTokens: 7 * n, calls: 1 },
        warnings: [],
      }
    },
  }
}

/** A generator that makes `calls` sequential model calls and answers with the last output. */
export function createFakeGenerator(
  model: LanguageModel,
  calls = 1,
): Generator<TextInput, TextOutput> {
  return {
    name: 'fake-generator',
    async run(input, context) {
      let text = ''
      let usage = { inputTokens: 0, outputTokens: 0, calls: 0 }
      for (let index = 0; index < calls; index++) {
        const result = await callModel(context, model, {
          prompt: input.prompt ?? '',
          maxTokens: 16,
        })
        text = result.outputs[0]?.text ?? ''
        usage = {
          inputTokens: usage.inputTokens + result.usage.inputTokens,
          outputTokens: usage.outputTokens + result.usage.outputTokens,
          calls: usage.calls + result.usage.calls,
        }
      }
      return { output: { text }, usage }
    },
  }
}
