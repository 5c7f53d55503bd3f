// Greedy speculative decoding of one sequence inside the inference worker
// (TokenModel.speculativeTokens): the draft session lives in the same worker as the target, so a
// whole generation is one round trip from the main thread, with no hand-off per round. The
// rounds are exactly those of the decoders' speculativeDecode for a plain greedy request.
import {
  argmax,
  createRng,
  drawWeighted,
  logSoftmax,
  logSumExp,
  MetagenError,
  type Rng,
} from '@metagen/core'
import type { SpeculativeJobRequest, WorkerResponse } from './worker-protocol.js'

/** One model's side of the job: extend and roll back one of its sequences. */
export interface SpeculativeJobModel {
  /** Appends `tokens`; returns one logits row (`'last'`) or one per token (`all`). */
  extend(
    sequenceId: number,
    tokens: number[],
    all: boolean,
  ): Promise<{ logits: Float32Array; runMs: number; computedPositions: number }>
  /** Rolls the sequence back to its first `length` tokens (bookkeeping only). */
  truncate(sequenceId: number, length: number): void
  /** Logits width. */
  vocabSize: number
}

export type SpeculativeJobResult = Omit<
  Extract<WorkerResponse, { type: 'speculative-result' }>,
  'requestId' | 'type'
>

/**
 * Runs the job on `target` (whose sequence already holds `request.length` tokens) and `draft`
 * (whose sequence `draftSequenceId` is empty: it is prefilled here with `request.context`).
 */
export async function runSpeculativeJob(
  request: SpeculativeJobRequest,
  target: SpeculativeJobModel,
  draft: SpeculativeJobModel,
): Promise<SpeculativeJobResult> {
  const { sequenceId, draftSequenceId, maxTokens, contextLimit, maxK, adaptive } = request
  const stop = new Set(request.stopTokenIds)
  const vocab = target.vocabSize
  const result: SpeculativeJobResult = {
    tokenIds: [],
    logprobs: [],
    finishReason: 'length',
    contextExhausted: false,
    lastLogits: request.lastLogits,
    fedTokens: 0,
    rounds: 0,
    draftedTokens: 0,
    acceptedTokens: 0,
    targetForwardPasses: 0,
    targetTokensFed: 0,
    draftForwardPasses: 0,
    draftTokensFed: 0,
    targetComputedPositions: 0,
    draftComputedPositions: 0,
    runMs: 0,
    aborted: false,
  }
  let finished = false
  const commit = (token: number, logprob: number): boolean => {
    result.tokenIds.push(token)
    result.logprobs.push(logprob)
    if (stop.has(token)) result.finishReason = 'stop'
    else if (result.tokenIds.length >= maxTokens) result.finishReason = 'length'
    else if (request.length + result.tokenIds.length + 1 > contextLimit) {
      result.finishReason = 'length'
      result.contextExhausted = true
    } else return true
    finished = true
    return false
  }

  // The draft's cache: prefilled with the context, then it holds the committed tokens (but
  // `draftPending`) plus the drafts fed this round.
  const prefill = await draft.extend(draftSequenceId, [...request.context], false)
  let draftRow = prefill.logits
  result.draftComputedPositions += prefill.computedPositions
  let draftLength = request.context.length
  result.draftForwardPasses++
  result.draftTokensFed += request.context.length
  let draftPending: number[] = []
  // The target's cache holds every committed token but `targetPending`; `lastRow` follows it.
  let targetLength = request.length
  let targetPending: number[] = []
  let lastRow = request.lastLogits
  let k = request.k
  // Speculative sampling: drafts from the draft's tempered distribution, verdicts and
  // replacements from the target's, each from its own stream of the seed.
  const temperature = request.temperature
  const sampling =
    temperature > 0
      ? {
          draftRng: createRng(request.seed).fork('draft'),
          verifyRng: createRng(request.seed).fork('verify'),
        }
      : undefined
  // Per draft: the draft's probabilities it was drawn from (sampling only).
  let draftProbabilities: Float64Array[] = []

  while (!finished) {
    if (request.abortFlag !== undefined && Atomics.load(request.abortFlag, 0) !== 0) {
      result.aborted = true
      break
    }
    const generated = result.tokenIds.length
    const budget = Math.max(
      0,
      Math.min(k, maxTokens - generated - 1, contextLimit - (request.length + generated) - 1),
    )
    // 1. Drafts: argmax of the draft's raw logits, one draft pass per position after the first.
    const drafts: number[] = []
    draftProbabilities = []
    const draftBase = draftLength + draftPending.length
    if (budget > 0) {
      if (draftPending.length > 0) {
        const fed = await draft.extend(draftSequenceId, draftPending, false)
        draftRow = fed.logits
        result.draftComputedPositions += fed.computedPositions
        draftLength += draftPending.length
        result.draftForwardPasses++
        result.draftTokensFed += draftPending.length
        draftPending = []
      }
      for (;;) {
        let token: number
        if (sampling) {
          const q = probabilitiesOf(tempered(draftRow, temperature))
          token = drawFrom(q, sampling.draftRng)
          draftProbabilities.push(q)
        } else token = argmax(draftRow)
        drafts.push(token)
        if (drafts.length >= budget || stop.has(token)) break
        const step = await draft.extend(draftSequenceId, [token], false)
        draftRow = step.logits
        result.draftComputedPositions += step.computedPositions
        draftLength++
        result.draftForwardPasses++
        result.draftTokensFed++
      }
    }

    // 2. Verification: [pending, drafts] in one target pass, every row returned.
    const feed = [...targetPending, ...drafts]
    const before = targetLength
    let rows: Float32Array | undefined
    if (feed.length > 0) {
      const verified = await target.extend(sequenceId, feed, true)
      rows = verified.logits
      result.runMs += verified.runMs
      result.targetComputedPositions += verified.computedPositions
      targetLength += feed.length
      result.targetForwardPasses++
      result.targetTokensFed += feed.length
    }
    const offset = targetPending.length - 1
    const previousRow = lastRow
    // The target's row before drafts[position] (position drafts.length: the bonus row).
    const rowAt = (position: number): Float32Array => {
      const row = offset + position
      if (row < 0 || rows === undefined) return previousRow
      return rows.subarray(row * vocab, (row + 1) * vocab)
    }

    // 3. Acceptance: drafts equal to the target's argmax, then its correction or bonus.
    result.rounds++
    result.draftedTokens += drafts.length
    let accepted = 0
    let next = -1
    let nextLogprob = 0
    for (let position = 0; position <= drafts.length; position++) {
      const verdict = sampling
        ? verifySampled(
            tempered(rowAt(position), temperature),
            drafts[position],
            draftProbabilities[position],
            sampling.verifyRng,
          )
        : verifyGreedy(rowAt(position), drafts[position])
      if (!(verdict.logprob > Number.NEGATIVE_INFINITY)) {
        throw new MetagenError('every token has probability 0 (all logits are -Infinity)')
      }
      if (verdict.accepted) {
        accepted++
        if (!commit(verdict.token, verdict.logprob)) break
        continue
      }
      next = verdict.token
      nextLogprob = verdict.logprob
      break
    }
    result.acceptedTokens += accepted
    if (!finished && next >= 0) commit(next, nextLogprob)

    // 4. Rollback: the target keeps [pending, accepted drafts]; the draft its accepted drafts.
    // Like sampleTokens, a finished generation has fed every chosen token but the last: one
    // that ended on an accepted draft rolls that draft back too.
    if (rows !== undefined) {
      const keep = next < 0 && finished ? accepted - 1 : accepted
      if (keep < drafts.length) {
        targetLength = before + targetPending.length + keep
        target.truncate(sequenceId, targetLength)
      }
      targetPending = next >= 0 ? [next] : []
      lastRow = rowAt(keep)
    } else {
      targetPending = [...targetPending, ...drafts.slice(0, accepted), ...(next >= 0 ? [next] : [])]
    }
    if (!finished && next >= 0) {
      const drafted = draftLength - draftBase
      if (drafts.length === 0 || draftPending.length > 0 || drafted < 0) {
        draftPending = [...draftPending, ...drafts.slice(0, accepted), next]
      } else {
        const kept = Math.min(accepted, drafted)
        if (kept < drafted) {
          draftLength = draftBase + kept
          draft.truncate(draftSequenceId, draftLength)
        }
        draftPending = [...drafts.slice(kept, accepted), next]
      }
    }
    if (adaptive && drafts.length > 0) {
      k = accepted === drafts.length ? Math.min(maxK, k + 2) : Math.max(1, k - 1)
    }
  }

  result.lastLogits = lastRow
  result.fedTokens = targetLength - request.length
  return result
}

interface Verdict {
  /** True when the position's draft is kept. */
  accepted: boolean
  /** The draft when accepted, else the correction (or bonus) token. */
  token: number
  /** Its logprob under the target's row. */
  logprob: number
}

/** Greedy: the draft is kept when it is the row's argmax, which otherwise replaces it. */
function verifyGreedy(row: Float32Array, draft: number | undefined): Verdict {
  const best = argmax(row)
  // logSoftmax(row)[best], the same arithmetic without the vocabulary-sized array.
  const logprob = (row[best] as number) - logSumExp(row)
  return { accepted: draft === best, token: best, logprob }
}

/**
 * Speculative sampling at one position (`row` already tempered): keep the draft with
 * probability min(1, p(d) / q(d)), else draw from normalise(max(0, p - q)); without a draft
 * (the bonus position) draw from p.
 */
function verifySampled(
  row: Float32Array,
  draft: number | undefined,
  q: Float64Array | undefined,
  rng: Rng,
): Verdict {
  const logprobs = logSoftmax(row)
  const p = new Float64Array(logprobs.length)
  for (let index = 0; index < p.length; index++) p[index] = Math.exp(logprobs[index] as number)
  const verdict = (accepted: boolean, token: number): Verdict => ({
    accepted,
    token,
    logprob: logprobs[token] as number,
  })
  if (draft === undefined || q === undefined) return verdict(false, drawFrom(p, rng))
  if (rng.next() * (q[draft] as number) < (p[draft] as number)) return verdict(true, draft)
  const residual = new Float64Array(p.length)
  let total = 0
  for (let token = 0; token < p.length; token++) {
    const value = (p[token] as number) - (q[token] as number)
    if (value > 0) {
      residual[token] = value
      total += value
    }
  }
  return verdict(false, total > 1e-12 ? drawFrom(residual, rng, total) : drawFrom(p, rng))
}

/** float32(logits / temperature), as the decoders' temperature step computes it. */
function tempered(logits: Float32Array, temperature: number): Float32Array {
  if (temperature === 1) return logits
  const result = new Float32Array(logits.length)
  for (let index = 0; index < result.length; index++)
    result[index] = (logits[index] as number) / temperature
  return result
}

/** Softmax as float64 probabilities, exp(logSoftmax(logits)). */
function probabilitiesOf(logits: Float32Array): Float64Array {
  const logprobs = logSoftmax(logits)
  for (let index = 0; index < logprobs.length; index++)
    logprobs[index] = Math.exp(logprobs[index] as number)
  return logprobs
}

/** {@link drawWeighted}, throwing when no weight is positive. */
function drawFrom(weights: Float64Array, rng: Rng, total = 1): number {
  const token = drawWeighted(weights, rng, total)
  if (token === -1)
    throw new MetagenError('every token has probability 0 (all logits are -Infinity)')
  return token
}
