// Beam search and diverse beam search (Vijayakumar et al. 2018) over a token model. Beams share
// the prompt's KV cache by forking, and every step extends all live beams in one batched pass.
import {
  InvalidArgumentError,
  logSoftmax,
  parseOption,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
} from '@metagen/core'
import { beamSearchOptionSchemas } from './option-schemas.js'
import { assertPromptFits, emptyDecodeStats, prefillModels, recordForward } from './prefill.js'
import {
  type DecodedSequence,
  type DecodeResult,
  type SequenceFinishReason,
  textBeforeStop,
  topEntries,
} from './sample-sequences.js'
import {
  applyLogitsProcessor,
  applyPenalties,
  type LogitsProcessor,
  type SamplingOptions,
  validateLogitsProcessor,
  validateSamplingOptions,
} from './sampling-options.js'

/** Options of {@link beamSearch}. */
export interface BeamSearchOptions {
  /** The model. */
  model: TokenModel
  /** Prompt token ids (at least one; must leave room in the context). */
  prompt: readonly number[]
  /** Number of beams B, an integer >= 1. */
  beamWidth: number
  /** Maximum generated tokens per hypothesis, integer >= 1 (default min(256, room in context)). */
  maxTokens?: number
  /**
   * Length penalty alpha: finished hypotheses are ranked by sum(logprobs) / length^alpha, with
   * length = generated tokens (eos included). 0 ranks by total log-probability, 1 (default) by
   * mean log-probability; any finite number is allowed.
   */
  lengthPenalty?: number
  /**
   * `true`: stop as soon as B finished hypotheses exist (per group). `false` (default): stop
   * only when no live beam can still beat the worst of the B best finished hypotheses (an exact
   * bound: a live beam's log-probability can only decrease).
   */
  earlyStopping?: boolean
  /**
   * Penalty steps of the processor chain applied to each beam's logits before the log-softmax
   * (bias, bans, allow-list, min-new-tokens, no-repeat-n-gram, repetition/frequency/presence).
   * Sampling fields (temperature, truncation, mirostat) are errors here.
   */
  processors?: SamplingOptions
  /**
   * Per-beam hook on the raw next-token logits, applied before `processors` at every step, with
   * the beam's prompt + generated tokens so far (see {@link LogitsProcessor}), e.g.
   * createConstraintProcessor. A beam for which it throws, or returns every token -Infinity (an
   * InvalidArgumentError naming `logitsProcessor`), proposes no candidate and is dropped, like a
   * beam whose tokens are all masked; when no hypothesis finishes at all, the last such error is
   * thrown (else the `processors` error below).
   */
  logitsProcessor?: LogitsProcessor
  /** Text-level stop sequences: a hypothesis whose text contains one is finished (text cut). */
  stop?: readonly string[]
  /** Diverse beam search: number of groups G dividing B (default 1 = plain beam search). */
  groups?: number
  /**
   * Diverse beam search: Hamming diversity strength lambda >= 0 (default 0.5 with groups > 1). When
   * group g chooses its beams at step t, a token's score is lowered by lambda x (how many beams of
   * groups 0..g-1 chose that token at step t). Reported log-probabilities never include it.
   */
  diversityPenalty?: number
  /** Checked between steps; aborting throws AbortedError and frees every state. */
  signal?: AbortSignal
}

/** A finished hypothesis of a beam search. */
export interface BeamHypothesis extends DecodedSequence {
  /** Ranking score: sequenceLogprob / length^lengthPenalty. */
  score: number
  /** Index of the diverse-beam group that produced it (0 for plain beam search). */
  group: number
}

/** Result of {@link beamSearch}: finished hypotheses, best first. */
export interface BeamSearchResult extends DecodeResult {
  sequences: BeamHypothesis[]
}

interface Beam {
  state: SequenceState
  tokenIds: number[]
  logprobs: number[]
  cumulative: number
}

interface Candidate {
  parent: Beam
  token: number
  logprob: number
  selectionScore: number
}

const samplingOnlyFields = [
  'temperature',
  'topK',
  'topP',
  'minP',
  'typicalP',
  'epsilon',
  'eta',
  'mirostat',
] as const

/**
 * Beam search. At each step every live beam proposes its 2B most likely next tokens (per group:
 * 2 x B/G); candidates are ranked by cumulative log-probability (minus the diversity penalty in
 * diverse beam search); a candidate ending in eos or a stop sequence, or reaching maxTokens, joins
 * the finished hypotheses (eos only when ranked among the top B/G, as in Hugging Face), the next
 * B/G others become the live beams. Children fork their parent's state (the last child reuses
 * it); all live beams are extended in one batched pass. Returns every finished hypothesis, best
 * first (ties: lower group, then earlier finish). With B = 1 and lengthPenalty 0 (or
 * earlyStopping) this is greedy decoding; with a length penalty, a width-1 beam may go on past
 * an end-of-sequence token when a longer hypothesis could still have a better normalised score.
 * Throws InvalidArgumentError (argument `processors`) when no hypothesis finishes because every
 * token was masked, or the error of `logitsProcessor` when that is what dropped the beams.
 */
export async function beamSearch(options: BeamSearchOptions): Promise<BeamSearchResult> {
  const { model } = options
  parseOption('beamWidth', beamSearchOptionSchemas.beamWidth, options.beamWidth)
  const groups = options.groups ?? 1
  parseOption('groups', beamSearchOptionSchemas.groups, groups)
  if (options.beamWidth % groups !== 0) {
    throw new InvalidArgumentError({
      argument: 'groups',
      expected: `an integer >= 1 that divides beamWidth ${options.beamWidth}`,
      received: groups,
    })
  }
  const diversityPenalty = options.diversityPenalty ?? (groups > 1 ? 0.5 : 0)
  parseOption('diversityPenalty', beamSearchOptionSchemas.diversityPenalty, diversityPenalty)
  const lengthPenalty = options.lengthPenalty ?? 1
  parseOption('lengthPenalty', beamSearchOptionSchemas.lengthPenalty, lengthPenalty)
  const processors = options.processors ?? {}
  validateSamplingOptions(processors, 'processors.')
  for (const field of samplingOnlyFields) {
    if (processors[field] !== undefined) {
      throw new InvalidArgumentError({
        argument: `processors.${field}`,
        expected: 'only penalty processors in beam search (it is deterministic)',
        received: processors[field],
      })
    }
  }
  validateLogitsProcessor(options.logitsProcessor)
  const room = assertPromptFits([model], options.prompt)
  const maxTokens = options.maxTokens ?? Math.min(256, room)
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > room) {
    throw new InvalidArgumentError({
      argument: 'maxTokens',
      expected: `an integer in [1, ${room}] (the room left in the context)`,
      received: maxTokens,
    })
  }
  const groupWidth = options.beamWidth / groups
  const tokenizer = model.tokenizer
  const eos = new Set(tokenizer.eosTokenIds)
  const stops = options.stop ?? []
  const stats = emptyDecodeStats()
  const finished: BeamHypothesis[][] = Array.from({ length: groups }, () => [])
  let finishOrder = 0
  const finishRank = new Map<BeamHypothesis, number>()
  let processorError: unknown

  const { states } = await prefillModels([model], options.prompt, stats, { signal: options.signal })
  const promptState = states[0] as SequenceState
  // One root beam shared by every group, so that its state is handed over exactly once.
  const root: Beam = { state: promptState, tokenIds: [], logprobs: [], cumulative: 0 }
  let live: Beam[][] = Array.from({ length: groups }, () => [root])
  const groupDone = new Array<boolean>(groups).fill(false)
  const owned = new Set<SequenceState>([promptState])
  try {
    for (;;) {
      throwIfAborted(options.signal)
      const stepCounts = new Map<number, number>()
      const nextLive: Beam[][] = Array.from({ length: groups }, () => [])
      const chosen: Candidate[][] = Array.from({ length: groups }, () => [])
      // Distinct parents: in the first step every group shares the prompt beam.
      const rowCache = new Map<Beam, Float64Array>()
      for (let group = 0; group < groups; group++) {
        if (groupDone[group]) continue
        const candidates: Candidate[] = []
        for (const beam of live[group] as Beam[]) {
          let logprobs = rowCache.get(beam)
          if (!logprobs) {
            const context = {
              tokens: [...options.prompt, ...beam.tokenIds],
              generatedCount: beam.tokenIds.length,
              eosTokenIds: tokenizer.eosTokenIds,
            }
            let row = beam.state.lastLogits as Float32Array
            if (options.logitsProcessor) {
              try {
                row = applyLogitsProcessor(options.logitsProcessor, row, context)
              } catch (error) {
                processorError = error
                continue
              }
            }
            logprobs = logSoftmax(applyPenalties(row, processors, context))
            rowCache.set(beam, logprobs)
          }
          const adjusted =
            stepCounts.size === 0
              ? logprobs
              : logprobs.map(
                  (value, token) => value - diversityPenalty * (stepCounts.get(token) ?? 0),
                )
          for (const entry of topEntries(adjusted, 2 * groupWidth)) {
            if (!(entry.logprob > Number.NEGATIVE_INFINITY)) continue
            candidates.push({
              parent: beam,
              token: entry.tokenId,
              logprob: logprobs[entry.tokenId] as number,
              selectionScore: beam.cumulative + entry.logprob,
            })
          }
        }
        // Stable sort: equal scores keep beam order, then token order.
        candidates.sort((left, right) => right.selectionScore - left.selectionScore)
        // Live beams and hypotheses cut by maxTokens fill the group's B/G slots; eos and stop
        // hypotheses do not (they leave the beam).
        let taken = 0
        for (const [rank, candidate] of candidates.entries()) {
          if (taken >= groupWidth) break
          const tokenIds = [...candidate.parent.tokenIds, candidate.token]
          const logprobs = [...candidate.parent.logprobs, candidate.logprob]
          const cumulative = candidate.parent.cumulative + candidate.logprob
          stats.outputTokens += 1
          let reason: SequenceFinishReason | undefined
          let text: string | undefined
          if (eos.has(candidate.token)) {
            if (rank >= groupWidth) {
              stats.outputTokens -= 1
              continue
            }
            reason = 'stop'
          } else {
            text = textBeforeStop(tokenizer, tokenIds, stops)
            if (text !== undefined) reason = 'stop'
          }
          if (reason === undefined && tokenIds.length >= maxTokens) reason = 'length'
          if (reason !== 'stop') taken += 1
          if (reason !== undefined) {
            addFinished(group, {
              tokenIds,
              logprobs,
              sequenceLogprob: cumulative,
              text: text ?? tokenizer.decode(tokenIds),
              finishReason: reason,
              score: cumulative / tokenIds.length ** lengthPenalty,
              group,
            })
            continue
          }
          ;(chosen[group] as Candidate[]).push(candidate)
          stepCounts.set(candidate.token, (stepCounts.get(candidate.token) ?? 0) + 1)
        }
      }
      // Give each chosen candidate a state: fork the parent, the last child takes it over.
      const children = new Map<Beam, Candidate[]>()
      for (const group of chosen)
        for (const candidate of group) {
          const list = children.get(candidate.parent) ?? []
          list.push(candidate)
          children.set(candidate.parent, list)
        }
      const stateOf = new Map<Candidate, SequenceState>()
      for (const [parent, list] of children) {
        list.forEach((candidate, index) => {
          const state = index === list.length - 1 ? parent.state : parent.state.fork()
          owned.add(state)
          stateOf.set(candidate, state)
        })
      }
      for (const group of live)
        for (const beam of group) {
          if (!children.has(beam)) {
            beam.state.dispose()
            owned.delete(beam.state)
          }
        }
      for (let group = 0; group < groups; group++) {
        for (const candidate of chosen[group] as Candidate[]) {
          ;(nextLive[group] as Beam[]).push({
            state: stateOf.get(candidate) as SequenceState,
            tokenIds: [...candidate.parent.tokenIds, candidate.token],
            logprobs: [...candidate.parent.logprobs, candidate.logprob],
            cumulative: candidate.parent.cumulative + candidate.logprob,
          })
        }
      }
      live = nextLive
      for (let group = 0; group < groups; group++) {
        if (groupDone[group]) continue
        if (isGroupDone(group)) {
          groupDone[group] = true
          for (const beam of live[group] as Beam[]) {
            beam.state.dispose()
            owned.delete(beam.state)
          }
          live[group] = []
        }
      }
      const toExtend = live.flat()
      if (toExtend.length === 0) break
      const extended = await model.extend(
        toExtend.map((beam) => ({
          sequence: beam.state,
          tokens: [beam.tokenIds[beam.tokenIds.length - 1] as number],
        })),
        options.signal ? { signal: options.signal } : {},
      )
      recordForward(stats, model, toExtend.length, extended)
    }
  } finally {
    for (const state of owned) state.dispose()
  }
  const all = finished.flat()
  if (all.length === 0) {
    throw (
      processorError ??
      new InvalidArgumentError({
        argument: 'processors',
        expected: `${options.logitsProcessor ? 'logitsProcessor and ' : ''}processors that leave at least one token possible`,
        received: 'every token masked',
      })
    )
  }
  all.sort(
    (left, right) =>
      right.score - left.score ||
      left.group - right.group ||
      (finishRank.get(left) as number) - (finishRank.get(right) as number),
  )
  return { sequences: all, stats, contextExhausted: false }

  function addFinished(group: number, hypothesis: BeamHypothesis): void {
    finishRank.set(hypothesis, finishOrder++)
    const list = finished[group] as BeamHypothesis[]
    list.push(hypothesis)
    list.sort(
      (left, right) =>
        right.score - left.score ||
        (finishRank.get(left) as number) - (finishRank.get(right) as number),
    )
  }

  function isGroupDone(group: number): boolean {
    const beams = live[group] as Beam[]
    if (beams.length === 0) return true
    const list = finished[group] as BeamHypothesis[]
    if (list.length < groupWidth) return false
    if (options.earlyStopping) return true
    const worstKept = (list[groupWidth - 1] as BeamHypothesis).score
    for (const beam of beams) {
      // The best normalised score a live beam could still reach: its log-probability can only
      // fall, over a final length between length + 1 and maxTokens.
      const shortest = beam.tokenIds.length + 1
      const bound = Math.max(
        beam.cumulative / shortest ** lengthPenalty,
        beam.cumulative / maxTokens ** lengthPenalty,
      )
      if (bound > worstKept) return false
    }
    return true
  }
}

/** Options of {@link diverseBeamSearch}: beam search with `groups` >= 2 by default. */
export type DiverseBeamSearchOptions = BeamSearchOptions

/**
 * Diverse beam search (Vijayakumar et al. 2018): B beams split into G groups of B/G; groups
 * choose in turn at each step, with each token's score lowered by lambda x the number of earlier
 * groups' beams that chose it at this step (Hamming diversity). Defaults: groups = B (one beam
 * per group, needs B >= 2), diversityPenalty = 0.5.
 */
export function diverseBeamSearch(options: DiverseBeamSearchOptions): Promise<BeamSearchResult> {
  return beamSearch({ ...options, groups: options.groups ?? options.beamWidth })
}
