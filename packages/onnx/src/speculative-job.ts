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

/** The draft model's work in one job, as the job's result reports it. */
export interface DraftCounters {
  /** Draft forward passes, the prefill and any run-ahead passes thrown away included. */
  draftForwardPasses: number
  /** Tokens fed to the draft model, the prefill and thrown-away run-ahead drafts included. */
  draftTokensFed: number
  /** Positions the draft's passes computed. */
  draftComputedPositions: number
}

/** Where a job's drafts come from: the draft model run in turn with the target, or ahead of it. */
export interface SpeculativeDrafter {
  /**
   * Up to `budget` (>= 1) draft tokens continuing the context followed by `committed` (every
   * token the job has chosen so far), fewer only when one of them is a stop token (the list
   * then ends with it); with sampling, also the draft distribution each was drawn from.
   */
  propose(
    committed: readonly number[],
    budget: number,
  ): Promise<{ tokens: number[]; probabilities: Float64Array[] | undefined }>
  /**
   * Ends the drafter's part of the job (the runner calls it exactly once, also after an error)
   * and resolves to the draft model's counters; rejects when the drafter failed.
   */
  finish(): Promise<DraftCounters>
}

export type SpeculativeJobResult = Omit<
  Extract<WorkerResponse, { type: 'speculative-result' }>,
  'requestId' | 'type'
>

/**
 * The drafter that runs the draft model in turn with the target, in the target's thread:
 * each round it rolls its cache back to the longest prefix the committed tokens share with
 * it, feeds the rest in one pass, then drafts one token per pass. With `temperature` > 0 the
 * drafts are draws from the draft's tempered distribution (stream 'draft' of `seed`), else its
 * argmax. The draft sequence `draftSequenceId` must be empty; it is prefilled with `context`
 * on the first proposal.
 */
export function createSerialDrafter(
  draft: SpeculativeJobModel,
  request: Pick<
    SpeculativeJobRequest,
    'draftSequenceId' | 'context' | 'stopTokenIds' | 'temperature' | 'seed'
  >,
): SpeculativeDrafter {
  const { draftSequenceId, context, temperature } = request
  const stop = new Set(request.stopTokenIds)
  const rng = temperature > 0 ? createRng(request.seed).fork('draft') : undefined
  const counters: DraftCounters = {
    draftForwardPasses: 0,
    draftTokensFed: 0,
    draftComputedPositions: 0,
  }
  // The draft's cache holds `context` then `fed`; `row` is its next-token row after `rowAt`
  // generated tokens (undefined before the prefill).
  const fed: number[] = []
  let row: Float32Array | undefined
  let rowAt = 0
  const feed = async (tokens: number[]): Promise<void> => {
    const step = await draft.extend(draftSequenceId, tokens, false)
    row = step.logits
    counters.draftForwardPasses++
    counters.draftTokensFed += tokens.length
    counters.draftComputedPositions += step.computedPositions
  }
  return {
    async propose(committed, budget) {
      if (row === undefined) await feed([...context])
      let common = 0
      while (common < fed.length && fed[common] === committed[common]) common++
      // A row is needed after the last committed token: keep one token to feed when the
      // cache already holds every committed token but its row is not that one's.
      if (common === committed.length && rowAt !== common && common > 0) common--
      if (common < fed.length) {
        fed.length = common
        draft.truncate(draftSequenceId, context.length + common)
      }
      if (committed.length > common) {
        const rest = committed.slice(common)
        await feed(rest)
        fed.push(...rest)
        rowAt = fed.length
      }
      const tokens: number[] = []
      const probabilities: Float64Array[] | undefined = rng ? [] : undefined
      for (;;) {
        let token: number
        if (rng) {
          const q = probabilitiesOf(tempered(row as Float32Array, temperature))
          token = drawFrom(q, rng)
          probabilities?.push(q)
        } else token = argmax(row as Float32Array)
        tokens.push(token)
        if (tokens.length >= budget || stop.has(token)) break
        await feed([token])
        fed.push(token)
        rowAt = fed.length
      }
      return { tokens, probabilities }
    },
    async finish() {
      return counters
    },
  }
}

/**
 * Runs the job on `target`, whose sequence already holds `request.length` tokens, with drafts
 * from `drafter` (which continues `request.context`). The rounds are exactly those of the
 * decoders' speculativeDecode for a plain request: whichever drafter proposes, the greedy
 * tokens are the target's greedy tokens.
 */
export async function runSpeculativeJob(
  request: SpeculativeJobRequest,
  target: SpeculativeJobModel,
  drafter: SpeculativeDrafter,
): Promise<SpeculativeJobResult> {
  let result: SpeculativeJobResult
  try {
    result = await runRounds(request, target, drafter)
  } catch (error) {
    // The drafter's own failure is the more telling one when both failed.
    await drafter.finish()
    throw error
  }
  Object.assign(result, await drafter.finish())
  return result
}

async function runRounds(
  request: SpeculativeJobRequest,
  target: SpeculativeJobModel,
  drafter: SpeculativeDrafter,
): Promise<SpeculativeJobResult> {
  const { sequenceId, maxTokens, contextLimit, maxK, adaptive } = request
  const vocab = target.vocabSize
  const stop = new Set(request.stopTokenIds)
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

  // The target's cache holds every committed token but `targetPending`; `lastRow` follows it.
  let targetLength = request.length
  let targetPending: number[] = []
  let lastRow = request.lastLogits
  let k = request.k
  // Speculative sampling: verdicts and replacements from the target's tempered distribution,
  // from the 'verify' stream of the seed (the drafter draws from the 'draft' stream).
  const temperature = request.temperature
  const verifyRng = temperature > 0 ? createRng(request.seed).fork('verify') : undefined

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
    // 1. Drafts.
    let drafts: number[] = []
    let draftProbabilities: Float64Array[] | undefined
    if (budget > 0) {
      const proposal = await drafter.propose(result.tokenIds, budget)
      drafts = proposal.tokens
      draftProbabilities = proposal.probabilities
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
      const verdict = verifyRng
        ? verifySampled(
            tempered(rowAt(position), temperature),
            drafts[position],
            draftProbabilities?.[position],
            verifyRng,
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

    // 4. Rollback: the target keeps [pending, accepted drafts] (the drafter rolls its own
    // cache back when it next proposes). Like sampleTokens, a finished generation has fed
    // every chosen token but the last: one that ended on an accepted draft rolls that back too.
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
