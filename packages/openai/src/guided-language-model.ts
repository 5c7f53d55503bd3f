// Guided decoding on a vLLM-compatible server (vLLM, SGLang, `metagen serve`): a LanguageModel
// whose every request carries `guided_json`, `guided_regex` or `guided_choice`, the remote
// counterpart of the constrained decoder of @metagen/decoders.
import type { GenerateRequest, GenerateResult, LanguageModel } from '@metagen/core'
import { compact, InvalidArgumentError } from '@metagen/core'
import { parseOpenAIProviderOptions } from './openai-provider-options.js'

/** What the server must constrain every output to: exactly one field. */
export interface GuidedDecodingSpec {
  /** A JSON schema (object or JSON text): `guided_json`. */
  jsonSchema?: Record<string, unknown> | string
  /** A regular expression the whole output matches: `guided_regex`. */
  regex?: string
  /** The output is one of these strings: `guided_choice`. */
  choices?: string[]
}

/**
 * Wraps an OpenAI language model of a vLLM-compatible server so that every `generate` sends the
 * guide as `providerOptions.openai.guidedJson` / `guidedRegex` / `guidedChoice` (a guide the
 * request already sets is replaced). Throws InvalidArgumentError unless exactly one field of
 * `guide` is given, and for a model whose provider is `strict` (api.openai.com has no guided
 * decoding).
 */
export function createGuidedLanguageModel(
  model: LanguageModel & { readonly compatibility?: string },
  guide: GuidedDecodingSpec,
): LanguageModel {
  const given = (['jsonSchema', 'regex', 'choices'] as const).filter(
    (key) => guide?.[key] !== undefined,
  )
  if (given.length !== 1) {
    throw new InvalidArgumentError({
      argument: 'guide',
      expected: 'exactly one of jsonSchema, regex and choices',
      received: guide,
    })
  }
  if (model.compatibility === 'strict') {
    throw new InvalidArgumentError({
      argument: 'model',
      expected: 'a model of a vLLM-compatible server (compatibility "vllm" or "compatible")',
      received: `${model.modelId} with compatibility "strict"`,
    })
  }
  const openai = {
    ...compact({
      guidedJson: guide.jsonSchema,
      guidedRegex: guide.regex,
      guidedChoice: guide.choices,
    }),
  }
  parseOpenAIProviderOptions(openai)
  return {
    specificationVersion: 'v1',
    provider: model.provider,
    modelId: model.modelId,
    capabilities: { ...model.capabilities, scoring: false },
    // Guided decoding adds no prompt tokens: the wrapped model's bound holds.
    ...(model.maxInputTokens
      ? { maxInputTokens: (request: GenerateRequest) => model.maxInputTokens!(request) }
      : {}),
    generate(request: GenerateRequest): Promise<GenerateResult> {
      const own = { ...request.providerOptions?.openai }
      delete own.guidedJson
      delete own.guidedRegex
      delete own.guidedChoice
      return model.generate({
        ...request,
        providerOptions: { ...request.providerOptions, openai: { ...own, ...openai } },
      })
    },
  }
}
