// Reward-guided decoding (FUDGE, Yang & Klein 2021; ARGS, Khanov et al. 2024): at each step the
// K most likely next tokens are scored by a "future discriminator" (any Scorer, e.g. an ONNX
// reward model or a programmatic checker, one batched call for every candidate of every sample)
// and the next token is drawn from the model's distribution reweighted by those scores.
import {
  addUsage,
  createRng,
  emptyUsage,
  InvalidArgumentError,
  MetagenError,
  parseOption,
  type Rng,
  type ScoreRequest,
  type ScoreResult,
  type Scorer,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
  type Usage,
} from '@metagen/core'
import { rewardGuidedOptionSchemas } from './option-schemas.js'
import { assertPromptFits, emptyDecodeStats, prefillModels, recordForward } from './prefill.js'
import {
  type DecodedSequence,
  type DecodeResult,
  firstStop,
  randomSeed,
  topEntries,
} from './sample-sequences.js'
import {
  applyPenalties,
  type SamplingOptions,
  validateSamplingOptions,
} from './sampling-options.js'
import { sampleFromLogprobs } from './token-sampler.js'

/** How a scorer's value enters the reweighting (see {@link rewardGuidedDecode}). */
export type RewardScale = 'probability' | 'reward'

/** Options of {@link rewardGuidedDecode}. */
export interface RewardGuidedDecodeOptions {
  /** The generator. */
  model: TokenModel
  /** The discriminator: scores `promptText` + each candidate continuation (`partial: true` until end-of-text). */
  scorer: Scorer
  /** Prompt token ids (at least one; must leave room in the context). */
  prompt: readonly number[]
  /** The prompt as text, passed to the scorer as `ScoreRequest.prompt`. */
  promptText: string
  /** K, the candidate tokens scored per step, an integer >= 1 (default 8). */
  topK?: number
  /** alpha >= 0, the weight of the discriminator (default 1: FUDGE's Bayes rule). */
  alpha?: number
  /** Guide every `interval`-th step (generated positions 0, m, 2m, ...), an integer >= 1 (default 1). */
  interval?: number
  /** `probability` (default): scores are p(c | y_<=t) in [0, 1]; `reward`: any finite reward r. */
  rewardScale?: RewardScale
  /** Number of samples, an integer >= 1 (default 1). */
  n?: number
  /** Maximum generated tokens per sample (default min(256, room in context)). */
  maxTokens?: number
  /**
   * Penalty steps 1-7 of the processor chain and `temperature` (default 1; 0 is greedy over q).
   * The truncation steps (topP, minP, ...) are not used: K is the truncation.
   */
  sampling?: SamplingOptions
  /** Seed (uint32). Sample i draws from `createRng(seed).fork(i)`. */
  seed?: number
  /** Text-level stop sequences. */
  stop?: readonly string[]
  /** How many alternatives of q per position to report (default 0). */
  topLogprobs?: number
  /** Checked between steps. */
  signal?: AbortSignal
  /**
   * How to call the scorer (default `scorer.score(requests, { signal })`); e.g. through a run
   * context's `callScorer` so the calls are budgeted and traced.
   */
  score?: (requests: readonly ScoreRequest[]) => Promise<ScoreResult>
}

/** What the discriminator cost and did in one {@link rewardGuidedDecode} run. */
export interface RewardGuidanceStats {
  /** Usage reported by the scorer, summed over its calls. */
  usage: Usage
  /** Scorer calls (one per guided step, batched over samples and candidates). */
  scorerCalls: number
  /** Candidate texts scored. */
  candidatesScored: number
  /** Sample steps reweighted by the scores. */
  guidedSteps: number
  /** Sample steps that fell back to p (off-interval, a candidate unscorable, or every score 0). */
  unguidedSteps: number
}

/** The result of {@link rewardGuidedDecode}: the decode result plus the discriminator's cost. */
export interface RewardGuidedDecodeResult extends DecodeResult {
  guidance: RewardGuidanceStats
}

interface GuidedSample {
  state: SequenceState
  rng: Rng | undefined
  sequence: DecodedSequence
  tokens: number[]
  done: boolean
}

/**
 * Reward-guided decoding. At generated position t of each sample, with y_<t its tokens so far:
 *
 * 1. log p(v) = log_softmax(z)(v), z the model's logits after the penalty steps of `sampling`;
 * 2. C = the `topK` tokens with the largest p (ties: lower id);
 * 3. on a guided step (t mod `interval` = 0), every v in C is scored in ONE scorer call for all
 *    samples: s(v) = value of { prompt: promptText, output: text(y_<t v), partial: v is not
 *    end-of-text } (the end-of-text candidate is the finished text y_<t);
 * 4. log q~(v) = log p(v) + alpha g(s(v)) for v in C and -Infinity outside C, where
 *    g(s) = log s for `rewardScale: 'probability'` (FUDGE: q ∝ p · s^alpha, s in [0, 1]; s = 0
 *    rules v out) and g(r) = r for `'reward'` (ARGS: q ∝ p · exp(alpha r)). On an unguided
 *    step, or when some candidate of C is unscorable (value undefined) or every s is 0, the
 *    alpha term is dropped (q~ = p on C: the discriminator gives no preference);
 * 5. q = softmax(q~ / T) with T = `sampling.temperature` (default 1); T = 0 takes the argmax
 *    of q~ (ties: lower id). The token is drawn from q with the sample's RNG.
 *
 * Reported logprobs are log q (at T = 1 for greedy). A probability-scale score outside [0, 1]
 * or a non-finite reward fails that sample (`finishReason: 'error'`, naming the scorer); a
 * scorer that throws fails the whole call. Every step extends all unfinished samples in one
 * batched pass; the prompt is prefilled once. `guidance` reports the scorer's usage and calls.
 */
export async function rewardGuidedDecode(
  options: RewardGuidedDecodeOptions,
): Promise<RewardGuidedDecodeResult> {
  const { model, scorer } = options
  if (!scorer || typeof scorer.score !== 'function') {
    throw new InvalidArgumentError({
      argument: 'scorer',
      expected: 'a Scorer (an object with score(requests))',
      received: scorer,
    })
  }
  if (typeof options.promptText !== 'string') {
    throw new InvalidArgumentError({
      argument: 'promptText',
      expected: 'the prompt as a string (what the scorer sees)',
      received: options.promptText,
    })
  }
  const topK = parseOption('topK', rewardGuidedOptionSchemas.topK, options.topK ?? 8)
  const alpha = parseOption('alpha', rewardGuidedOptionSchemas.alpha, options.alpha ?? 1)
  const interval = parseOption(
    'interval',
    rewardGuidedOptionSchemas.interval,
    options.interval ?? 1,
  )
  const rewardScale = parseOption(
    'rewardScale',
    rewardGuidedOptionSchemas.rewardScale,
    options.rewardScale ?? 'probability',
  )
  const n = options.n ?? 1
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError({ argument: 'n', expected: 'an integer >= 1', received: n })
  }
  const room = assertPromptFits([model], options.prompt)
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
  const temperature = sampling.temperature ?? 1
  const topLogprobs = options.topLogprobs ?? 0
  const stops = options.stop ?? []
  const tokenizer = model.tokenizer
  const eos = new Set(tokenizer.eosTokenIds)
  const baseRng = temperature === 0 ? undefined : createRng(options.seed ?? randomSeed())
  const score =
    options.score ??
    ((requests: readonly ScoreRequest[]) =>
      scorer.score(requests, options.signal ? { signal: options.signal } : {}))
  const stats = emptyDecodeStats()
  const guidance: RewardGuidanceStats = {
    usage: emptyUsage(),
    scorerCalls: 0,
    candidatesScored: 0,
    guidedSteps: 0,
    unguidedSteps: 0,
  }
  let contextExhausted = false

  const { states } = await prefillModels([model], options.prompt, stats, {
    signal: options.signal,
  })
  const promptState = states[0] as SequenceState
  const samples: GuidedSample[] = []
  try {
    for (let index = 0; index < n; index++) {
      samples.push({
        state: promptState.fork(),
        rng: baseRng?.fork(index),
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
    promptState.dispose()
    for (;;) {
      throwIfAborted(options.signal)
      const active = samples.filter((sample) => !sample.done)
      if (active.length === 0) break
      // Steps 1-2 for every active sample, then one scorer call for all guided candidates.
      const steps = active.map((sample) => {
        const context = {
          tokens: sample.tokens,
          generatedCount: sample.sequence.tokenIds.length,
          eosTokenIds: tokenizer.eosTokenIds,
        }
        const logp = logSoftmax64(
          applyPenalties(sample.state.lastLogits as Float32Array, sampling, context),
        )
        const candidates = topEntries(logp, topK)
          .filter((entry) => entry.logprob > Number.NEGATIVE_INFINITY)
          .map((entry) => entry.tokenId)
        const guided = sample.sequence.tokenIds.length % interval === 0 && alpha > 0
        return { sample, logp, candidates, guided, offset: 0 }
      })
      const requests: ScoreRequest[] = []
      for (const step of steps) {
        if (!step.guided) continue
        step.offset = requests.length
        for (const token of step.candidates) {
          const finished = eos.has(token)
          const ids = finished
            ? step.sample.sequence.tokenIds
            : [...step.sample.sequence.tokenIds, token]
          requests.push({
            prompt: options.promptText,
            output: tokenizer.decode(ids),
            partial: !finished,
          })
        }
      }
      let scores: ScoreResult | undefined
      if (requests.length > 0) {
        scores = await score(requests)
        if (!scores || !Array.isArray(scores.scores) || scores.scores.length !== requests.length) {
          throw new MetagenError(
            `scorer ${scorer.name} returned ${scores?.scores?.length ?? 'no'} scores for ${requests.length} requests`,
          )
        }
        guidance.usage = addUsage(guidance.usage, scores.usage ?? emptyUsage())
        guidance.scorerCalls += 1
        guidance.candidatesScored += requests.length
      }
      for (const step of steps) {
        try {
          choose(step, scores)
        } catch (error) {
          finish(step.sample, 'error', error)
        }
      }
      const extending = active.filter((sample) => !sample.done)
      if (extending.length === 0) continue
      const requestsToExtend = extending.map((sample) => ({
        sequence: sample.state,
        tokens: [sample.tokens[sample.tokens.length - 1] as number],
      }))
      const extended = await model.extend(
        requestsToExtend,
        options.signal ? { signal: options.signal } : {},
      )
      recordForward(stats, model, requestsToExtend.length, extended)
    }
  } finally {
    promptState.dispose()
    for (const sample of samples) sample.state.dispose()
  }
  return {
    sequences: samples.map((sample) => sample.sequence),
    stats,
    contextExhausted,
    guidance,
    additionalUsage: guidance.usage,
  }

  function choose(
    step: {
      sample: GuidedSample
      logp: Float64Array
      candidates: number[]
      guided: boolean
      offset: number
    },
    scores: ScoreResult | undefined,
  ): void {
    const { sample, logp, candidates } = step
    const weighted = new Float64Array(logp.length).fill(Number.NEGATIVE_INFINITY)
    for (const token of candidates) weighted[token] = logp[token] as number
    let guidedHere = false
    if (step.guided && scores) {
      const terms = candidates.map((_, index) => {
        const value = scores.scores[step.offset + index]?.value
        if (value === undefined) return undefined
        if (rewardScale === 'probability') {
          if (!(value >= 0 && value <= 1)) {
            throw new InvalidArgumentError({
              argument: 'scorer',
              expected: `a scorer with values in [0, 1] for rewardScale 'probability' (${scorer.name})`,
              received: value,
            })
          }
          return Math.log(value)
        }
        if (!Number.isFinite(value)) {
          throw new InvalidArgumentError({
            argument: 'scorer',
            expected: `a scorer with finite values for rewardScale 'reward' (${scorer.name})`,
            received: value,
          })
        }
        return value
      })
      const usable =
        terms.every((term) => term !== undefined) &&
        terms.some((term) => (term as number) > Number.NEGATIVE_INFINITY)
      if (usable) {
        guidedHere = true
        candidates.forEach((token, index) => {
          weighted[token] = (logp[token] as number) + alpha * (terms[index] as number)
        })
      }
    }
    if (guidedHere) guidance.guidedSteps += 1
    else guidance.unguidedSteps += 1
    // The distribution chosen from: softmax(q~ / T), reported at T = 1 for greedy.
    const reported = logSoftmax64(
      temperature === 0 || temperature === 1
        ? weighted
        : weighted.map((value) => value / temperature),
    )
    const token =
      temperature === 0 ? argmax(weighted) : sampleFromLogprobs(reported, sample.rng as Rng)
    const logprob = reported[token] as number
    const sequence = sample.sequence
    sequence.tokenIds.push(token)
    sequence.logprobs.push(logprob)
    sequence.sequenceLogprob += logprob
    if (sequence.topLogprobs) sequence.topLogprobs.push(topEntries(reported, topLogprobs))
    sample.tokens.push(token)
    stats.outputTokens += 1
    if (eos.has(token)) {
      sequence.text = tokenizer.decode(sequence.tokenIds)
      finish(sample, 'stop')
      return
    }
    if (stops.length > 0) {
      const text = tokenizer.decode(sequence.tokenIds)
      const cut = firstStop(text, stops)
      if (cut !== undefined) {
        sequence.text = text.slice(0, cut)
        finish(sample, 'stop')
        return
      }
    }
    if (sequence.tokenIds.length >= maxTokens) {
      sequence.text = tokenizer.decode(sequence.tokenIds)
      finish(sample, 'length')
      return
    }
    if (sample.state.length + 1 > model.maxSequenceLength) {
      contextExhausted = true
      sequence.text = tokenizer.decode(sequence.tokenIds)
      finish(sample, 'length')
    }
  }

  function finish(sample: GuidedSample, reason: DecodedSequence['finishReason'], error?: unknown) {
    sample.done = true
    sample.sequence.finishReason = reason
    if (reason === 'error') {
      sample.sequence.error = error instanceof Error ? error : new Error(String(error))
      sample.sequence.text = ''
    }
    sample.state.dispose()
  }
}

/** log_softmax in float64 (-Infinity entries stay -Infinity). */
function logSoftmax64(values: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY
  for (let index = 0; index < values.length; index++) max = Math.max(max, values[index] as number)
  let sum = 0
  for (let index = 0; index < values.length; index++)
    sum += Math.exp((values[index] as number) - max)
  const logNormaliser = max + Math.log(sum)
  const result = new Float64Array(values.length)
  for (let index = 0; index < values.length; index++) {
    result[index] = (values[index] as number) - logNormaliser
  }
  return result
}

/** Index of the largest entry (ties: lower index). */
function argmax(values: Float64Array): number {
  let best = 0
  for (let index = 1; index < values.length; index++) {
    if ((values[index] as number) > (values[best] as number)) best = index
  }
  return best
}
