// Greedy decoding and ancestral sampling of n sequences that share one prefilled prompt: every
// step extends all unfinished samples in one batched forward pass per model.
import {
  createRng,
  InvalidArgumentError,
  logSoftmax,
  type SampledTokens,
  type SequenceState,
  type Tokenizer,
  type TokenModel,
  throwIfAborted,
  type Usage,
} from '@metagen/core'
import {
  assertPromptFits,
  type DecodeStats,
  emptyDecodeStats,
  prefillModels,
  recordForward,
} from './prefill.js'
import {
  applyLogitsProcessor,
  type LogitsProcessor,
  type SamplingOptions,
  validateLogitsProcessor,
  validateSamplingOptions,
} from './sampling-options.js'
import { healedText } from './token-healing.js'
import { createTokenSampler, type TokenSampler } from './token-sampler.js'

/** Why one decoded sequence ended. */
export type SequenceFinishReason = 'stop' | 'length' | 'error'

/** One decoded sequence. */
export interface DecodedSequence {
  /** Generated token ids (end-of-sequence and stop-sequence tokens included when generated). */
  tokenIds: number[]
  /** The generated text: special tokens dropped, cut before the first stop sequence. */
  text: string
  /** `stop`: end-of-sequence or a stop sequence; `length`: maxTokens or the context ran out; `error`. */
  finishReason: SequenceFinishReason
  /** Natural-log probability of each generated token (see {@link SampleSequencesOptions.logprobsFrom}). */
  logprobs: number[]
  /** Per position, the `topLogprobs` most likely tokens of the same distribution (when asked). */
  topLogprobs?: Array<Array<{ tokenId: number; logprob: number }>>
  /** Sum of `logprobs`. */
  sequenceLogprob: number
  /** Set when this sequence failed; the others are unaffected. */
  error?: Error
}

/** Result of a decoder run: the sequences and the work done. */
export interface DecodeResult {
  sequences: DecodedSequence[]
  stats: DecodeStats
  /** True when some sequence stopped because the context was full before `maxTokens`. */
  contextExhausted: boolean
  /**
   * How the decoder turned generated ids into `text` before cutting at a stop string, when that
   * is not `tokenizer.decode` (token healing); the language-model shell uses it to find the
   * tokens a stop cut kept.
   */
  textOf?: (tokenIds: readonly number[]) => string
  /**
   * Compute spent besides this decoder's forward passes (e.g. a discriminator's scorer calls in
   * reward-guided decoding); the language-model shell adds it to the reported usage.
   */
  additionalUsage?: Usage
}

/** Combines the next-token logits of several models into the row the sampler sees. */
export type LogitsCombiner = (rows: readonly Float32Array[]) => Float32Array

/** Options of {@link sampleSequences}. */
export interface SampleSequencesOptions {
  /**
   * The models; all must share the tokenizer and vocabulary of the first (its tokenizer decodes,
   * its eos ids end sequences). One model is plain decoding; several need `combine`.
   */
  models: readonly TokenModel[]
  /** Prompt token ids (at least one; must leave room in the context). */
  prompt: readonly number[]
  /** Number of samples, an integer >= 1 (default 1). */
  n?: number
  /** Maximum generated tokens per sample, integer >= 1 (default min(256, room in context)). */
  maxTokens?: number
  /** Processor chain; temperature 0 is greedy (default temperature 1). */
  sampling?: SamplingOptions
  /** Seed (uint32). Sample i draws from `createRng(seed).fork(i)`, so it does not depend on n. */
  seed?: number
  /** Text-level stop sequences. */
  stop?: readonly string[]
  /** How many alternatives per position to report (default 0). */
  topLogprobs?: number
  /** Merges the models' rows (default: the first model's row). */
  combine?: LogitsCombiner
  /**
   * Per-sample hook on the raw next-token row (after `combine`, before `sampling`'s chain), each
   * step, with the sample's prompt + generated tokens so far (see {@link LogitsProcessor}), e.g.
   * createConstraintProcessor. When it throws, or returns a row with every token -Infinity (an
   * InvalidArgumentError naming `logitsProcessor`), that sample ends with `finishReason: 'error'`,
   * empty text and the error; the other samples go on.
   */
  logitsProcessor?: LogitsProcessor
  /**
   * Which distribution the reported logprobs come from: `'chosen'` (default) the distribution
   * the token was chosen from ({@link TokenChoice.logprobs}), or a model index: the log-softmax
   * of that model's raw logits.
   */
  logprobsFrom?: 'chosen' | number
  /**
   * Token healing (see {@link healPrompt}): the bytes removed from the end of the prompt, which
   * the generated tokens re-spell first (enforce it with {@link createTokenHealingProcessor}).
   * When set, a sequence's `text` is {@link healedText} (the UTF-8 decoding of the generated
   * tokens' bytes after these bytes) and stop strings are matched in that text only, so the
   * re-spelt prompt text neither shows in the output nor ends it.
   */
  healedPrefix?: Uint8Array
  /** Checked between steps; aborting throws AbortedError and frees every state. */
  signal?: AbortSignal
}

interface SampleState {
  states: SequenceState[]
  sampler: TokenSampler
  sequence: DecodedSequence
  tokens: number[]
  done: boolean
}

/**
 * Decodes `n` sequences after ONE prefill per model: the prompt state is forked n times and
 * every step extends all unfinished samples in one batched `extend` per model (finished samples
 * leave the batch). A sample ends at an end-of-sequence token (`stop`), at a stop string
 * (`stop`, text cut before it), after `maxTokens` tokens or when the context is full (`length`).
 * A sample whose step fails gets `finishReason: 'error'`; the others go on.
 */
export async function sampleSequences(options: SampleSequencesOptions): Promise<DecodeResult> {
  const { models } = options
  const primary = models[0]
  if (primary === undefined) {
    throw new InvalidArgumentError({
      argument: 'models',
      expected: 'at least one model',
      received: [],
    })
  }
  for (const model of models) {
    if (model.vocabSize !== primary.vocabSize) {
      throw new InvalidArgumentError({
        argument: 'models',
        expected: `models with the same vocabulary (${primary.vocabSize} tokens)`,
        received: `${model.modelId} with ${model.vocabSize}`,
      })
    }
  }
  if (models.length > 1 && options.combine === undefined) {
    throw new InvalidArgumentError({
      argument: 'combine',
      expected: 'a logits combiner when several models are given',
      received: undefined,
    })
  }
  const n = options.n ?? 1
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError({ argument: 'n', expected: 'an integer >= 1', received: n })
  }
  const room = assertPromptFits(models, options.prompt)
  const maxTokens = options.maxTokens ?? Math.min(256, room)
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new InvalidArgumentError({
      argument: 'maxTokens',
      expected: 'an integer >= 1',
      received: maxTokens,
    })
  }
  const sampling = options.sampling ?? {}
  validateSamplingOptions(sampling)
  validateLogitsProcessor(options.logitsProcessor)
  const topLogprobs = options.topLogprobs ?? 0
  const stops = options.stop ?? []
  const tokenizer = primary.tokenizer
  const eos = new Set(tokenizer.eosTokenIds)
  const healedPrefix = options.healedPrefix
  const generatedText = (tokenIds: readonly number[]): string =>
    healedPrefix ? healedText(tokenizer, tokenIds, healedPrefix) : tokenizer.decode(tokenIds)
  const greedy = sampling.temperature === 0
  const seed = greedy ? 0 : (options.seed ?? randomSeed())
  const baseRng = greedy ? undefined : createRng(seed)
  const maxSequenceLength = Math.min(...models.map((model) => model.maxSequenceLength))
  const stats = emptyDecodeStats()
  let contextExhausted = false

  const { states: promptStates } = await prefillModels(models, options.prompt, stats, {
    signal: options.signal,
  })
  const samples: SampleState[] = []
  try {
    for (let index = 0; index < n; index++) {
      samples.push({
        states: promptStates.map((state) => state.fork()),
        sampler: createTokenSampler(sampling, baseRng?.fork(index)),
        sequence: {
          tokenIds: [],
          text: '',
          finishReason: 'length',
          logprobs: [],
          sequenceLogprob: 0,
          ...(topLogprobs > 0 ? { topLogprobs: [] } : {}),
        },
        tokens: [...options.prompt],
        done: false,
      })
    }
    for (const state of promptStates) state.dispose()

    // A plain request (one model, no per-step hook) runs its whole loop inside the backend when
    // it can: the same tokens, logprobs and stats as the loop below, one round trip.
    if (
      primary.sampleTokens !== undefined &&
      models.length === 1 &&
      options.logitsProcessor === undefined &&
      healedPrefix === undefined &&
      topLogprobs === 0 &&
      stops.length === 0 &&
      (options.logprobsFrom === undefined || options.logprobsFrom === 'chosen') &&
      isPlainSampling(sampling)
    ) {
      await sampleInBackend(primary.sampleTokens.bind(primary))
      return { sequences: samples.map((sample) => sample.sequence), stats, contextExhausted }
    }

    for (;;) {
      throwIfAborted(options.signal)
      for (const sample of samples) {
        if (sample.done) continue
        try {
          chooseNext(sample)
        } catch (error) {
          finish(sample, 'error', error)
        }
      }
      const active = samples.filter((sample) => !sample.done)
      if (active.length === 0) break
      await extendActive(active)
    }
  } finally {
    for (const state of promptStates) state.dispose()
    for (const sample of samples) for (const state of sample.states) state.dispose()
  }
  return {
    sequences: samples.map((sample) => sample.sequence),
    stats,
    contextExhausted,
    ...(healedPrefix ? { textOf: generatedText } : {}),
  }

  async function sampleInBackend(
    sampleTokens: NonNullable<TokenModel['sampleTokens']>,
  ): Promise<void> {
    let results: SampledTokens[]
    try {
      results = await sampleTokens({
        sequences: samples.map((sample) => sample.states[0] as SequenceState),
        temperature: sampling.temperature ?? 1,
        seed,
        rngLabels: samples.map((_, index) => index),
        maxTokens,
        stopTokenIds: tokenizer.eosTokenIds,
        ...(options.signal ? { signal: options.signal } : {}),
      })
    } catch (error) {
      throwIfAborted(options.signal)
      for (const sample of samples) finish(sample, 'error', error)
      return
    }
    // Stats as the step loop counts them: one extend per step while any sample was still active.
    let steps = 0
    results.forEach((result, index) => {
      const sample = samples[index] as SampleState
      const sequence = sample.sequence
      sequence.tokenIds = result.tokenIds
      sequence.logprobs = result.logprobs
      for (const logprob of result.logprobs) sequence.sequenceLogprob += logprob
      sequence.text = tokenizer.decode(result.tokenIds)
      stats.outputTokens += result.tokenIds.length
      const fed = result.tokenIds.length - 1
      steps = Math.max(steps, fed)
      stats.tokensProcessed += fed
      stats.flops +=
        2 * (models[0] as TokenModel).parameterCount * (result.computedPositions ?? fed)
      if (result.contextExhausted) contextExhausted = true
      finish(sample, result.finishReason)
    })
    stats.forwardPasses += steps
  }

  function chooseNext(sample: SampleState): void {
    const rows = sample.states.map((state) => state.lastLogits as Float32Array)
    const combined = options.combine ? options.combine(rows) : (rows[0] as Float32Array)
    const context = {
      tokens: sample.tokens,
      generatedCount: sample.sequence.tokenIds.length,
      eosTokenIds: tokenizer.eosTokenIds,
    }
    const row = options.logitsProcessor
      ? applyLogitsProcessor(options.logitsProcessor, combined, context)
      : combined
    const choice = sample.sampler.choose(row, context)
    const source =
      options.logprobsFrom === undefined || options.logprobsFrom === 'chosen'
        ? choice.logprobs
        : logSoftmax(rows[options.logprobsFrom] as Float32Array)
    const logprob = source[choice.token] as number
    const sequence = sample.sequence
    sequence.tokenIds.push(choice.token)
    sequence.logprobs.push(logprob)
    sequence.sequenceLogprob += logprob
    if (sequence.topLogprobs) sequence.topLogprobs.push(topEntries(source, topLogprobs))
    sample.tokens.push(choice.token)
    stats.outputTokens += 1
    if (eos.has(choice.token)) {
      sequence.text = generatedText(sequence.tokenIds)
      finish(sample, 'stop')
      return
    }
    const beforeStop = healedPrefix
      ? healedTextBeforeStop(generatedText(sequence.tokenIds), stops)
      : textBeforeStop(tokenizer, sequence.tokenIds, stops)
    if (beforeStop !== undefined) {
      sequence.text = beforeStop
      finish(sample, 'stop')
      return
    }
    if (sequence.tokenIds.length >= maxTokens) {
      sequence.text = generatedText(sequence.tokenIds)
      finish(sample, 'length')
      return
    }
    if ((sample.states[0] as SequenceState).length + 1 > maxSequenceLength) {
      contextExhausted = true
      sequence.text = generatedText(sequence.tokenIds)
      finish(sample, 'length')
    }
  }

  function finish(sample: SampleState, reason: SequenceFinishReason, error?: unknown): void {
    sample.done = true
    sample.sequence.finishReason = reason
    if (reason === 'error') {
      sample.sequence.error = error instanceof Error ? error : new Error(String(error))
      sample.sequence.text = ''
    }
    for (const state of sample.states) state.dispose()
  }

  async function extendActive(active: SampleState[]): Promise<void> {
    const signalOption = options.signal ? { signal: options.signal } : {}
    await Promise.all(
      models.map(async (model, modelIndex) => {
        const requests = active.map((sample) => ({
          sequence: sample.states[modelIndex] as SequenceState,
          tokens: [sample.tokens[sample.tokens.length - 1] as number],
        }))
        try {
          const extended = await model.extend(requests, signalOption)
          recordForward(stats, model, requests.length, extended)
        } catch (error) {
          throwIfAborted(options.signal)
          if (active.length === 1) {
            finish(active[0] as SampleState, 'error', error)
            return
          }
          // One bad sequence must not lose the others: retry one by one, failing only the culprits.
          for (const [index, request] of requests.entries()) {
            const sample = active[index] as SampleState
            if (sample.done) continue
            try {
              const extended = await model.extend([request], signalOption)
              recordForward(stats, model, 1, extended)
            } catch (singleError) {
              throwIfAborted(options.signal)
              finish(sample, 'error', singleError)
            }
          }
        }
      }),
    )
  }
}

/** The `count` largest entries of `logprobs` (ties by lower id), most likely first. */
export function topEntries(
  logprobs: ArrayLike<number>,
  count: number,
): Array<{ tokenId: number; logprob: number }> {
  if (count <= 0) return []
  const best: Array<{ tokenId: number; logprob: number }> = []
  for (let index = 0; index < logprobs.length; index++) {
    const logprob = logprobs[index] as number
    if (best.length === count && logprob <= (best[best.length - 1] as { logprob: number }).logprob)
      continue
    let position = best.length
    while (position > 0 && (best[position - 1] as { logprob: number }).logprob < logprob) position--
    best.splice(position, 0, { tokenId: index, logprob })
    if (best.length > count) best.pop()
  }
  return best
}

/**
 * The decoded text of `tokenIds` cut before the first stop string, when one is present; undefined
 * otherwise. Meant to be called after every new token, when every shorter prefix was already
 * checked: only a stop string completed by the newest tokens can be new, so it decodes a short
 * tail (4 tokens per character of the longest stop string, since byte-level tokens may split a
 * UTF-8 character) and the whole text only once a stop string shows up.
 */
export function textBeforeStop(
  tokenizer: Tokenizer,
  tokenIds: readonly number[],
  stops: readonly string[],
): string | undefined {
  if (stops.length === 0) return undefined
  const window = 4 * Math.max(...stops.map((stop) => stop.length)) + 4
  if (firstStop(tokenizer.decode(tokenIds.slice(-window)), stops) === undefined) return undefined
  const text = tokenizer.decode(tokenIds)
  const cut = firstStop(text, stops)
  return cut === undefined ? undefined : text.slice(0, cut)
}

function healedTextBeforeStop(text: string, stops: readonly string[]): string | undefined {
  const cut = firstStop(text, stops)
  return cut === undefined ? undefined : text.slice(0, cut)
}

/** Index of the earliest occurrence of any stop string in `text`, or undefined. */
export function firstStop(text: string, stops: readonly string[]): number | undefined {
  let earliest: number | undefined
  for (const stop of stops) {
    const index = text.indexOf(stop)
    if (index !== -1 && (earliest === undefined || index < earliest)) earliest = index
  }
  return earliest
}

/** A random uint32 seed for requests that give none (from the platform's crypto source). */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] as number
}

/**
 * True when `sampling` is plain greedy or temperature sampling: no penalty, bias, truncation or
 * mirostat step, so the backend's in-loop choice ({@link TokenModel.sampleTokens}) is exact.
 */
export function isPlainSampling(sampling: SamplingOptions): boolean {
  return Object.entries(sampling).every(
    ([key, value]) => value === undefined || key === 'temperature',
  )
}
