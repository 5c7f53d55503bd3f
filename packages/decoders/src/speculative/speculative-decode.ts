// Speculative decoding (Leviathan et al. 2023; Chen et al. 2023): a drafter proposes k tokens,
// the target scores all of them in ONE forward pass, and a rejection rule keeps the output
// distributed exactly as the target's (greedy: exactly the target's greedy output).
import {
  argmax,
  assertInteger,
  createRng,
  drawWeighted,
  InvalidArgumentError,
  logSoftmax,
  parseOption,
  type Rng,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
} from '@metagen/core'
import { speculativeOptionSchemas } from '../option-schemas.js'
import { assertPromptFits, type DecodeStats, emptyDecodeStats, recordForward } from '../prefill.js'
import {
  type DecodedSequence,
  type DecodeResult,
  isPlainSampling,
  randomSeed,
  textBeforeStop,
} from '../sample-sequences.js'
import {
  applyPenalties,
  applyTruncation,
  type SamplingOptions,
  validateSamplingOptions,
} from '../sampling-options.js'
import type { DraftChoice, Drafter, DraftProposal, DraftSession } from './drafter.js'

/** Options of {@link speculativeDecode}. */
export interface SpeculativeDecodeOptions {
  /** The target model: its distribution is the one the output follows. */
  target: TokenModel
  /** Proposes draft tokens: {@link createModelDrafter} or {@link createPromptLookupDrafter}. */
  drafter: Drafter
  /** Prompt token ids (at least one; must leave room in the context). */
  prompt: readonly number[]
  /** Number of independent samples, decoded together, an integer >= 1 (default 1). */
  n?: number
  /** Maximum generated tokens per sample, an integer >= 1 (default min(256, room in context)). */
  maxTokens?: number
  /**
   * The processor chain (temperature 0 = greedy; default temperature 1). Mirostat is not
   * supported (its state depends on the path, which speculation explores and rolls back).
   */
  sampling?: SamplingOptions
  /** Seed (uint32). Sample i uses `createRng(seed).fork(i)`. */
  seed?: number
  /** Text-level stop sequences (the text is cut before the first one). */
  stop?: readonly string[]
  /** Draft tokens per round, an integer >= 1 (default 4). With `adaptive`, the starting value. */
  k?: number
  /**
   * Adapts k per sample: +2 after a round whose drafts were all accepted, -1 otherwise, within
   * [1, maxK] (the rule of Hugging Face's assisted generation). Default false.
   */
  adaptive?: boolean
  /** Upper bound of k with `adaptive`, an integer >= k (default max(k, 16)). */
  maxK?: number
  /** Checked between rounds; aborting throws AbortedError and frees every state. */
  signal?: AbortSignal
}

/** Counters of a speculative run (forward work plus acceptance). */
export interface SpeculativeStats extends DecodeStats {
  /** Verification rounds summed over samples (each is one row of one batched target pass). */
  rounds: number
  /** Batched forward passes of the target (prefill included). */
  targetForwardPasses: number
  /** Batched forward passes of the draft model (0 for model-free drafters). */
  draftForwardPasses: number
  /** Draft tokens proposed. */
  draftedTokens: number
  /** Draft tokens accepted. */
  acceptedTokens: number
  /** acceptedTokens / draftedTokens (0 when nothing was drafted). */
  acceptanceRate: number
  /** Generated tokens per verification round (1 = no gain over plain decoding). */
  tokensPerRound: number
}

/** The result of {@link speculativeDecode}. */
export interface SpeculativeDecodeResult extends DecodeResult {
  stats: SpeculativeStats
}

interface Sample {
  index: number
  target: SequenceState
  /** Committed tokens not yet in `target`'s cache (fed with the next verification). */
  pending: number[]
  session: DraftSession
  tokens: number[]
  sequence: DecodedSequence
  draftRng: Rng | undefined
  verifyRng: Rng | undefined
  k: number
  done: boolean
}

/**
 * Decodes `n` samples with speculative decoding. Each round, for every unfinished sample: the
 * drafter proposes up to k tokens d1..dk (draft model: k batched forward passes on its
 * cache); the target is extended by [pending tokens, d1..dk] on the sample's state, with
 * `logits: 'all'`, in ONE batched forward pass for all samples, giving p1..p(k+1).
 * Greedy (temperature 0): d_i is accepted while it equals argmax p_i; the first mismatch is
 * replaced by argmax p_i; when all match, argmax p(k+1) is the bonus token, so the output is
 * the target's greedy output token for token. Sampling: d_i is accepted with probability
 * min(1, p_i(d_i)/q_i(d_i)); on rejection the token is drawn from normalise(max(0, p_i - q_i));
 * when all are accepted a bonus token is drawn from p(k+1), so every output token follows the
 * target's processed distribution exactly. Rollback: the sample's own state is extended and,
 * after a rejection, truncated ({@link SequenceState.truncate}, no model call, no copy) to the
 * accepted tokens; the correction or bonus token is fed before the next round's drafts, so every
 * committed token reaches the target once (target tokens <= prompt + rounds x (k + 1)). Stopping (eos, stop strings, maxTokens)
 * is checked token by token, as in plain decoding.
 */
export async function speculativeDecode(
  options: SpeculativeDecodeOptions,
): Promise<SpeculativeDecodeResult> {
  const { target, drafter } = options
  if (!target || typeof target.extend !== 'function') {
    throw new InvalidArgumentError({
      argument: 'target',
      expected: 'a TokenModel',
      received: target,
    })
  }
  const n = options.n ?? 1
  assertInteger('n', n, 1)
  const k = options.k ?? 4
  parseOption('k', speculativeOptionSchemas.k, k)
  const adaptive = options.adaptive ?? false
  const maxK = options.maxK ?? Math.max(k, 16)
  assertInteger('maxK', maxK, k)
  const sampling = options.sampling ?? {}
  validateSamplingOptions(sampling)
  if (sampling.mirostat !== undefined) {
    throw new InvalidArgumentError({
      argument: 'sampling.mirostat',
      expected: 'no mirostat (its per-token state cannot follow speculative rollback)',
      received: sampling.mirostat,
    })
  }
  const room = assertPromptFits([target], options.prompt)
  const contextLimit = Math.min(target.maxSequenceLength, drafter.maxSequenceLength)
  const maxTokens = options.maxTokens ?? Math.min(256, room)
  assertInteger('maxTokens', maxTokens, 1)
  const greedy = sampling.temperature === 0
  // Drafts are the draft model's plain argmax: a model drafter may draft inside its backend.
  const plain = isPlainSampling(sampling)
  const plainGreedy = greedy && plain
  const seed = greedy ? undefined : (options.seed ?? randomSeed())
  const baseRng = seed === undefined ? undefined : createRng(seed)
  const tokenizer = target.tokenizer
  const eos = new Set(tokenizer.eosTokenIds)
  const stops = options.stop ?? []
  const signalOption = options.signal ? { signal: options.signal } : {}
  const stats: SpeculativeStats = {
    ...emptyDecodeStats(),
    rounds: 0,
    targetForwardPasses: 0,
    draftForwardPasses: 0,
    draftedTokens: 0,
    acceptedTokens: 0,
    acceptanceRate: 0,
    tokensPerRound: 0,
  }
  const draftStats = emptyDecodeStats()
  let contextExhausted = false

  throwIfAborted(options.signal)
  const root = target.createSequence()
  const samples: Sample[] = []
  try {
    const prefilled = await target.extend(
      [{ sequence: root, tokens: options.prompt }],
      signalOption,
    )
    recordForward(stats, target, options.prompt.length, prefilled)
    stats.targetForwardPasses += 1
    stats.inputTokens += options.prompt.length
    if (await decodeInBackend()) return finishStats()
    const sessions = await drafter.start(options.prompt, n, draftStats, signalOption)
    for (let index = 0; index < n; index++) {
      const rng = baseRng?.fork(index)
      samples.push({
        index,
        target: root.fork(),
        pending: [],
        session: sessions[index] as DraftSession,
        tokens: [...options.prompt],
        sequence: {
          tokenIds: [],
          text: '',
          finishReason: 'length',
          logprobs: [],
          sequenceLogprob: 0,
        },
        draftRng: rng?.fork('draft'),
        verifyRng: rng?.fork('verify'),
        k,
        done: false,
      })
    }
    root.dispose()

    for (;;) {
      throwIfAborted(options.signal)
      const active = samples.filter((sample) => !sample.done)
      if (active.length === 0) break
      await runRound(active)
    }
  } finally {
    root.dispose()
    for (const sample of samples) {
      sample.target.dispose()
      sample.session.dispose()
    }
  }
  return finishStats()

  function finishStats(): SpeculativeDecodeResult {
    stats.forwardPasses += draftStats.forwardPasses
    stats.tokensProcessed += draftStats.tokensProcessed
    stats.flops += draftStats.flops
    stats.draftForwardPasses = draftStats.forwardPasses
    stats.acceptanceRate = stats.draftedTokens > 0 ? stats.acceptedTokens / stats.draftedTokens : 0
    stats.tokensPerRound = stats.rounds > 0 ? stats.outputTokens / stats.rounds : 0
    return { sequences: samples.map((sample) => sample.sequence), stats, contextExhausted }
  }

  /**
   * One sample, greedy or at a temperature, with no other processors, no stop strings and a
   * plain model drafter: the target's backend may run the whole loop
   * (TokenModel.speculativeTokens, the same rounds as below; sampled draws come from the
   * backend's streams of the seed) in one call. Returns false, having changed nothing, when it
   * cannot.
   */
  async function decodeInBackend(): Promise<boolean> {
    const draftModel = drafter.model
    if (
      !plain ||
      n !== 1 ||
      stops.length > 0 ||
      draftModel === undefined ||
      target.speculativeTokens === undefined
    ) {
      return false
    }
    const outcome = await target.speculativeTokens({
      sequence: root,
      draft: draftModel,
      k,
      adaptive,
      maxK,
      maxTokens,
      stopTokenIds: tokenizer.eosTokenIds,
      ...(seed === undefined ? {} : { temperature: sampling.temperature ?? 1, seed }),
      ...signalOption,
    })
    if (outcome === undefined) return false
    const sequence: DecodedSequence = {
      tokenIds: outcome.tokenIds,
      text: '',
      finishReason: outcome.finishReason,
      logprobs: outcome.logprobs,
      sequenceLogprob: outcome.logprobs.reduce((total, logprob) => total + logprob, 0),
    }
    sequence.text = tokenizer.decode(outcome.tokenIds)
    samples.push({
      index: 0,
      target: root,
      pending: [],
      session: { dispose() {} },
      tokens: [...options.prompt, ...outcome.tokenIds],
      sequence,
      draftRng: undefined,
      verifyRng: undefined,
      k,
      done: true,
    })
    contextExhausted = outcome.contextExhausted
    stats.outputTokens += outcome.tokenIds.length
    stats.rounds += outcome.rounds
    stats.draftedTokens += outcome.draftedTokens
    stats.acceptedTokens += outcome.acceptedTokens
    stats.targetForwardPasses += outcome.targetForwardPasses
    stats.forwardPasses += outcome.targetForwardPasses
    stats.tokensProcessed += outcome.targetTokensFed
    stats.flops +=
      2 * target.parameterCount * (outcome.computedPositions ?? outcome.targetTokensFed)
    draftStats.forwardPasses += outcome.draftForwardPasses
    draftStats.tokensProcessed += outcome.draftTokensFed
    draftStats.flops +=
      2 * draftModel.parameterCount * (outcome.draftComputedPositions ?? outcome.draftTokensFed)
    return true
  }

  async function runRound(active: Sample[]): Promise<void> {
    // 1. Drafts. Leave room for the correction/bonus token, maxTokens and the contexts.
    const budgets = active.map((sample) => {
      const generated = sample.sequence.tokenIds.length
      const byLength = maxTokens - generated - 1
      const byContext = contextLimit - sample.tokens.length - 1
      return Math.max(0, Math.min(sample.k, byLength, byContext))
    })
    const drafting = active.filter((_, index) => (budgets[index] as number) > 0)
    const proposals = new Map<Sample, DraftProposal>()
    if (drafting.length > 0) {
      let results: DraftProposal[]
      try {
        results = await drafter.propose(
          drafting.map((sample) => ({
            session: sample.session,
            tokens: sample.tokens,
            maxDraftTokens: budgets[active.indexOf(sample)] as number,
            choose: (logits: Float32Array, drafted: readonly number[]) =>
              chooseDraft(sample, logits, drafted),
            plainGreedy,
          })),
          draftStats,
          signalOption,
        )
      } catch (error) {
        throwIfAborted(options.signal)
        for (const sample of drafting) fail(sample, error)
        return
      }
      drafting.forEach((sample, index) => {
        const proposal = results[index] as DraftProposal
        proposal.tokens.length = Math.min(
          proposal.tokens.length,
          budgets[active.indexOf(sample)] as number,
        )
        proposals.set(sample, proposal)
      })
    }

    // 2. Verification: one batched target pass over [pending, drafts] of every sample, on the
    // sample's own state (rejected drafts are truncated away afterwards, without a copy).
    const verifying = active.filter((sample) => !sample.done)
    const before = new Map<Sample, { length: number; lastLogits: Float32Array | undefined }>()
    const requests = verifying.flatMap((sample) => {
      const drafts = proposals.get(sample)?.tokens ?? []
      const tokens = [...sample.pending, ...drafts]
      if (tokens.length === 0) return []
      before.set(sample, { length: sample.target.length, lastLogits: sample.target.lastLogits })
      return [{ sequence: sample.target, tokens, logits: 'all' as const, sample }]
    })
    const rowsOf = new Map<Sample, { logits: Float32Array; rows: number }>()
    if (requests.length > 0) {
      const strip = ({ sequence, tokens, logits }: (typeof requests)[number]) => ({
        sequence,
        tokens,
        logits,
      })
      try {
        const results = await target.extend(requests.map(strip), signalOption)
        recordForward(
          stats,
          target,
          requests.reduce((total, request) => total + request.tokens.length, 0),
          results,
        )
        stats.targetForwardPasses += 1
        requests.forEach((request, index) => {
          rowsOf.set(request.sample, results[index] as { logits: Float32Array; rows: number })
        })
      } catch (error) {
        throwIfAborted(options.signal)
        // One bad sequence must not lose the others: retry one by one (a failed extend changes
        // no sequence), failing only the samples whose own request fails.
        for (const request of requests) {
          try {
            const single = await target.extend([strip(request)], signalOption)
            const [result] = single
            recordForward(stats, target, request.tokens.length, single)
            stats.targetForwardPasses += 1
            rowsOf.set(request.sample, result as { logits: Float32Array; rows: number })
          } catch (singleError) {
            throwIfAborted(options.signal)
            fail(request.sample, requests.length === 1 ? error : singleError)
          }
        }
      }
    }

    // 3. Acceptance, token by token.
    const vocabSize = target.vocabSize
    for (const sample of verifying) {
      if (sample.done) continue
      const proposal = proposals.get(sample) ?? { tokens: [], probabilities: [] }
      const drafts = proposal.tokens
      const fed = before.get(sample)
      const result = rowsOf.get(sample)
      const offset = sample.pending.length - 1
      // p_i: the target's next-token logits before drafts[i] (i = drafts.length: the bonus).
      const rowAt = (position: number): Float32Array => {
        const row = offset + position
        if (row < 0) return (fed ? fed.lastLogits : sample.target.lastLogits) as Float32Array
        return (result as { logits: Float32Array }).logits.subarray(
          row * vocabSize,
          (row + 1) * vocabSize,
        )
      }
      stats.rounds += 1
      stats.draftedTokens += drafts.length
      let accepted = 0
      let next = -1
      let nextLogprob = 0
      try {
        for (let position = 0; position <= drafts.length; position++) {
          const draft = drafts[position]
          const verdict = verify(sample, rowAt(position), draft, proposal.probabilities[position])
          if (verdict.accepted) {
            accepted += 1
            if (!commit(sample, draft as number, verdict.logprob)) break
            continue
          }
          next = verdict.token
          nextLogprob = verdict.logprob
          break
        }
      } catch (error) {
        fail(sample, error)
        continue
      }
      stats.acceptedTokens += accepted
      if (!sample.done && next >= 0) commit(sample, next, nextLogprob)
      // Update the cache: it holds [pending, drafts]; roll the rejected drafts back. Each
      // committed token is thus fed to the target exactly once.
      if (fed) {
        if (accepted < drafts.length) {
          sample.target.truncate(fed.length + sample.pending.length + accepted)
        }
        sample.pending = next >= 0 ? [next] : []
      } else {
        sample.pending = [
          ...sample.pending,
          ...drafts.slice(0, accepted),
          ...(next >= 0 ? [next] : []),
        ]
      }
      if (!sample.done && next >= 0) drafter.update(sample.session, proposal, accepted, next)
      if (adaptive && drafts.length > 0) {
        sample.k =
          accepted === drafts.length ? Math.min(maxK, sample.k + 2) : Math.max(1, sample.k - 1)
      }
    }
  }

  /** The processed logits of a row in a sample's context (penalties see the drafts before it). */
  function process(sample: Sample, logits: Float32Array, drafted: readonly number[]): Float32Array {
    const tokens = drafted.length > 0 ? [...sample.tokens, ...drafted] : sample.tokens
    const penalised = applyPenalties(logits, sampling, {
      tokens,
      generatedCount: sample.sequence.tokenIds.length + drafted.length,
      eosTokenIds: tokenizer.eosTokenIds,
    })
    return greedy ? penalised : applyTruncation(penalised, sampling)
  }

  function chooseDraft(
    sample: Sample,
    logits: Float32Array,
    drafted: readonly number[],
  ): DraftChoice {
    const processed = process(sample, logits, drafted)
    if (greedy)
      return { token: assertToken(argmax(processed), processed), probabilities: undefined }
    const probabilities = toProbabilities(processed)
    return { token: drawFrom(probabilities, sample.draftRng as Rng), probabilities }
  }

  /**
   * Decides one position. With a draft token: accepted (with its logprob under p) or rejected
   * with the replacement token. Without one (the bonus position): the token drawn from p.
   */
  function verify(
    sample: Sample,
    row: Float32Array,
    draft: number | undefined,
    q: Float64Array | undefined,
  ): { accepted: boolean; token: number; logprob: number } {
    // Accepted drafts are committed as they are decided, so `sample.tokens` is the context.
    const processed = process(sample, row, [])
    const logprobs = logSoftmax(processed)
    if (greedy) {
      const best = assertToken(argmax(processed), processed)
      if (draft !== undefined && draft === best) {
        return { accepted: true, token: draft, logprob: logprobs[draft] as number }
      }
      return { accepted: false, token: best, logprob: logprobs[best] as number }
    }
    const p = toProbabilities(processed)
    const rng = sample.verifyRng as Rng
    if (draft === undefined) {
      const token = drawFrom(p, rng)
      return { accepted: false, token, logprob: logprobs[token] as number }
    }
    const pDraft = p[draft] as number
    const qDraft = q ? (q[draft] as number) : 1
    if (rng.next() * qDraft < pDraft) {
      return { accepted: true, token: draft, logprob: logprobs[draft] as number }
    }
    // Residual distribution normalise(max(0, p - q)); q = point mass for deterministic drafts.
    const residual = new Float64Array(p.length)
    let total = 0
    for (let token = 0; token < p.length; token++) {
      const value = (p[token] as number) - (q ? (q[token] as number) : token === draft ? 1 : 0)
      if (value > 0) {
        residual[token] = value
        total += value
      }
    }
    const token = total > 1e-12 ? drawFrom(residual, rng, total) : drawFrom(p, rng)
    return { accepted: false, token, logprob: logprobs[token] as number }
  }

  /** Appends a token; returns false when the sample is finished. */
  function commit(sample: Sample, token: number, logprob: number): boolean {
    const sequence = sample.sequence
    sequence.tokenIds.push(token)
    sequence.logprobs.push(logprob)
    sequence.sequenceLogprob += logprob
    sample.tokens.push(token)
    stats.outputTokens += 1
    if (eos.has(token)) return finish(sample, 'stop', tokenizer.decode(sequence.tokenIds))
    const beforeStop = textBeforeStop(tokenizer, sequence.tokenIds, stops)
    if (beforeStop !== undefined) return finish(sample, 'stop', beforeStop)
    if (sequence.tokenIds.length >= maxTokens) {
      return finish(sample, 'length', tokenizer.decode(sequence.tokenIds))
    }
    if (sample.tokens.length + 1 > contextLimit) {
      contextExhausted = true
      return finish(sample, 'length', tokenizer.decode(sequence.tokenIds))
    }
    return true
  }

  function finish(sample: Sample, reason: 'stop' | 'length', text: string): false {
    sample.done = true
    sample.sequence.finishReason = reason
    sample.sequence.text = text
    return false
  }

  function fail(sample: Sample, error: unknown): void {
    sample.done = true
    sample.sequence.finishReason = 'error'
    sample.sequence.text = ''
    sample.sequence.error = error instanceof Error ? error : new Error(String(error))
  }
}

function toProbabilities(logits: Float32Array): Float64Array {
  const logprobs = logSoftmax(logits)
  const probabilities = new Float64Array(logprobs.length)
  let any = false
  for (let index = 0; index < logprobs.length; index++) {
    const value = Math.exp(logprobs[index] as number)
    probabilities[index] = value
    if (value > 0) any = true
  }
  if (!any) throw everyTokenMasked()
  return probabilities
}

/** {@link drawWeighted}, throwing when no weight is positive. */
function drawFrom(weights: Float64Array, rng: Rng, total = 1): number {
  const token = drawWeighted(weights, rng, total)
  if (token === -1) throw everyTokenMasked()
  return token
}

function assertToken(token: number, processed: Float32Array): number {
  if (token < 0 || !((processed[token] as number) > Number.NEGATIVE_INFINITY))
    throw everyTokenMasked()
  return token
}

function everyTokenMasked(): InvalidArgumentError {
  return new InvalidArgumentError({
    argument: 'sampling',
    expected: 'processors that leave at least one token possible',
    received: 'every token masked',
  })
}
