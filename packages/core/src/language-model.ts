// The language model: what meta-generators need from any backend, local or remote.
import type { Usage } from './usage.js'

/** A chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** One generation request: `n` samples of a continuation of `prompt` (or of `messages`). */
export interface GenerateRequest {
  /** Plain-text prompt. Exactly one of `prompt` and `messages` must be given. */
  prompt?: string
  /** Chat messages, for chat models. */
  messages?: readonly ChatMessage[]
  /** Number of samples, an integer >= 1 (default 1). */
  n?: number
  /** Maximum tokens to generate per sample, an integer >= 1 (default: the backend's). */
  maxTokens?: number
  /** Generation stops before the first occurrence of any of these strings (not included in the text). */
  stop?: readonly string[]
  /** Seed for reproducible sampling where the backend supports it (uint32). */
  seed?: number
  /** Sampling temperature >= 0; 0 means greedy. Default 1 for local models, the API's otherwise. */
  temperature?: number
  /** Nucleus sampling: keep the smallest set of tokens whose probability mass reaches topP, in (0, 1]. */
  topP?: number
  /** Keep the topK most likely tokens, an integer >= 1. */
  topK?: number
  /** Return the log-probability of each generated token. */
  logprobs?: boolean
  /** With `logprobs`, also return this many most likely alternatives per position. */
  topLogprobs?: number
  /**
   * Structured output. `json_schema`: every output is a JSON document valid against `schema`;
   * `grammar`: every output derives from the grammar's start rule. Local token-level models
   * enforce it by constrained decoding (see `@metagen/decoders`); other backends pass it to their
   * API where it has an equivalent, and warn otherwise. Default `{ type: 'text' }`.
   */
  responseFormat?: ResponseFormat
  /** Cancels the request. */
  signal?: AbortSignal
  /**
   * Backend-specific options, namespaced by provider (e.g. `{ openai: { ... }, onnx: { ... } }`).
   * A backend reads only its own namespace; options it cannot honour become warnings.
   */
  providerOptions?: Record<string, Record<string, unknown>>
}

/** The structured-output format of a {@link GenerateRequest}. */
export type ResponseFormat =
  | { type: 'text' }
  | {
      type: 'json_schema'
      /** The JSON Schema (drafts 04 to 2020-12) every output must validate against. */
      schema: boolean | Record<string, unknown>
      /**
       * A name for the schema, 1 to 64 of `A-Z a-z 0-9 _ -` (APIs that need one: OpenAI's
       * `json_schema.name`, the Anthropic tool name; default `response`).
       */
      name?: string
    }
  | {
      type: 'grammar'
      /** Grammar text. */
      grammar: string
      /** Its syntax (default `gbnf`; `ebnf` is the GBNF dialect). */
      syntax?: 'gbnf' | 'lark' | 'ebnf'
    }

/** Why a sample ended. */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'error' | 'other'

/** Log-probability of one generated token. */
export interface TokenLogprob {
  /** The token's text. */
  token: string
  /** The token id, where the backend exposes ids. */
  tokenId?: number
  /** Natural-log probability of the token under the distribution it was drawn from. */
  logprob: number
  /** The most likely alternatives at this position, when `topLogprobs` was requested. */
  topLogprobs?: ReadonlyArray<{ token: string; logprob: number }>
}

/** One sample of a {@link GenerateResult}. */
export interface GenerateOutput {
  /** The generated text, without the prompt and without the stop sequence. */
  text: string
  /** Why generation ended: `stop` (end-of-text or a stop sequence), `length` (maxTokens), ... */
  finishReason: FinishReason
  /** Generated token ids, where the backend exposes them. */
  tokenIds?: readonly number[]
  /** Per-token log-probabilities, when requested and supported. */
  logprobs?: readonly TokenLogprob[]
  /** Set when this sample failed while the others succeeded; `text` is then empty. */
  error?: Error
}

/** A warning about a request option that the backend could not honour. */
export interface GenerateWarning {
  type: 'unsupported-setting' | 'other'
  /** The request field concerned, e.g. `logprobs` or `providerOptions.openai.minP`. */
  setting?: string
  message: string
}

/** The result of {@link LanguageModel.generate}. */
export interface GenerateResult {
  /** One entry per requested sample, in order. */
  outputs: GenerateOutput[]
  /** What the request cost, summed over the samples and over every API call made. */
  usage: Usage
  /** Options that were dropped or changed, with reasons. */
  warnings: GenerateWarning[]
}

/** What a language model can do; meta-generators and scorers check it before relying on a feature. */
export interface LanguageModelCapabilities {
  /** Returns token log-probabilities of generated text. */
  logprobs: boolean
  /** Produces n samples in one call (batched locally or the API's `n`); otherwise n calls. */
  nativeN: boolean
  /** Honours `seed`. */
  seed: boolean
  /** Implements {@link LanguageModel.scoreContinuations}. */
  scoring: boolean
  /** Accepts chat messages. */
  chat: boolean
  /**
   * How the model continues a partial assistant turn (a solution cut after some steps, text
   * spliced after a tool call), see {@link ContinuationSupport}. Step search, tool use and
   * chain-of-thought's answer prompt need `native` or `assistant-prefill`.
   */
  continuation: ContinuationSupport
}

/**
 * How a model continues given text as its own output rather than answering it:
 * - `native`: a completion model; `prompt + partial` as the prompt continues the partial text
 *   (local token-level models, OpenAI's completions API, vLLM completions). Chat messages that end
 *   with an assistant message are continued as the model's chat template renders them.
 * - `assistant-prefill`: a chat model that continues a trailing assistant message (Anthropic's
 *   prefill; vLLM's `continue_final_message`).
 * - `none`: a trailing assistant message is not continued (OpenAI's chat API answers it as a
 *   new turn), so partial solutions cannot be extended.
 */
export type ContinuationSupport = 'native' | 'assistant-prefill' | 'none'

/** Request to score given continuations of a prompt by teacher forcing. */
export interface ScoreContinuationsRequest {
  prompt: string
  continuations: readonly string[]
  signal?: AbortSignal
}

/** Token log-probabilities of each continuation, in order. */
export interface ScoreContinuationsResult {
  continuations: Array<{ logprobs: TokenLogprob[] }>
  usage: Usage
}

/**
 * A model's list price in US dollars per million tokens. Budgets with a `costUsd` limit reserve a
 * call's worst-case cost from it before the call starts.
 */
export interface ModelPrice {
  /** Prompt tokens (uncached). */
  inputPerMillion: number
  /** Generated tokens. */
  outputPerMillion: number
  /**
   * The highest rate any prompt token can be charged, e.g. a cache write (default
   * `inputPerMillion`).
   */
  maxInputPerMillion?: number
}

/** A model that generates text: every backend implements it. */
export interface LanguageModel {
  /** Interface version. */
  readonly specificationVersion: 'v1'
  /** Backend name, e.g. `onnx`, `openai`, `anthropic`. */
  readonly provider: string
  /** Model id. */
  readonly modelId: string
  /** What this model supports. */
  readonly capabilities: LanguageModelCapabilities
  /**
   * Generates `n` samples. Invalid arguments throw {@link InvalidArgumentError}; when one of
   * several samples fails, it is returned with `error` set and the others are kept.
   */
  generate(request: GenerateRequest): Promise<GenerateResult>
  /**
   * Optional: the price that this model's usage `costUsd` is computed from. Absent when the model
   * reports no cost (local models, a remote model missing from its price table).
   */
  readonly price?: ModelPrice | undefined
  /**
   * Optional: an upper bound on the prompt tokens (`usage.inputTokens`) that `request` will be
   * charged, computed without running it (local models count with their tokenizer). Budgets
   * reserve it before the call starts; without it they assume the bound of
   * {@link maxInputTokensOf}.
   */
  maxInputTokens?(request: GenerateRequest): number
  /** Log-probabilities of given continuations (only when `capabilities.scoring`). */
  scoreContinuations?(request: ScoreContinuationsRequest): Promise<ScoreContinuationsResult>
}
