// A drafter backed by a small token-level model that shares the target's tokenizer: it drafts k
// tokens autoregressively (one batched forward pass per position) on forks of its cache.
import {
  InvalidArgumentError,
  type SampledTokens,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
} from '@metagen/core'
import { computedPositionsOf, recordForward } from '../prefill.js'
import type { Drafter, DraftProposal, DraftRequest, DraftSession } from './drafter.js'

class ModelDraftSession implements DraftSession {
  /** Cache of the committed tokens (minus `pending`), plus the tokens drafted since. */
  state: SequenceState
  /** Committed tokens not yet in the cache (fed at the next proposal's first step). */
  pending: number[] = []
  /** Committed tokens in the cache once `pending` is fed: where the latest drafts start. */
  base = 0

  constructor(state: SequenceState) {
    this.state = state
  }

  dispose(): void {
    this.state.dispose()
  }
}

/**
 * Creates a drafter from a small model with the same vocabulary as the target. Each session
 * drafts on its own cache, one batched forward pass per position, and rollback after a
 * rejection needs no model call and no copy: the cache is truncated
 * ({@link SequenceState.truncate}) to the accepted drafts, and only the correction token is left
 * to feed, together with the next round's first draft step. Every committed token is fed to the
 * draft model once.
 */
export function createModelDrafter(model: TokenModel): Drafter {
  if (!model || typeof model.extend !== 'function') {
    throw new InvalidArgumentError({
      argument: 'draft',
      expected: 'a TokenModel',
      received: model,
    })
  }
  return {
    name: `model:${model.modelId}`,
    maxSequenceLength: model.maxSequenceLength,
    model,
    async start(prompt, count, stats, options) {
      throwIfAborted(options.signal)
      const root = model.createSequence()
      try {
        const prefilled = await model.extend(
          [{ sequence: root, tokens: prompt }],
          options.signal ? { signal: options.signal } : {},
        )
        recordForward(stats, model, prompt.length, prefilled)
        return Array.from({ length: count }, () => new ModelDraftSession(root.fork()))
      } finally {
        root.dispose()
      }
    },
    async propose(requests, stats, options) {
      const sessions = requests.map((request) => request.session as ModelDraftSession)
      const proposals: DraftProposal[] = requests.map(() => ({ tokens: [], probabilities: [] }))
      const eos = new Set(model.tokenizer.eosTokenIds)
      // A proposal ends early after an eos token.
      const active = requests.map((request) => request.maxDraftTokens > 0)
      const signalOption = options.signal ? { signal: options.signal } : {}
      sessions.forEach((session, index) => {
        if (active[index]) session.base = session.state.length + session.pending.length
      })
      if (model.sampleTokens !== undefined && requests.every((request) => request.plainGreedy)) {
        await proposeInBackend(model.sampleTokens.bind(model))
        return proposals
      }
      for (let position = 0; active.some(Boolean); position++) {
        throwIfAborted(options.signal)
        // Position 0 feeds the committed tokens not yet cached; position i the i-th draft.
        const feeds: Array<{ index: number; tokens: number[] }> = []
        requests.forEach((_, index) => {
          if (!active[index]) return
          const session = sessions[index] as ModelDraftSession
          const proposal = proposals[index] as DraftProposal
          const tokens =
            position === 0 ? session.pending : [proposal.tokens[position - 1] as number]
          if (tokens.length > 0) feeds.push({ index, tokens })
        })
        if (feeds.length > 0) {
          const extended = await model.extend(
            feeds.map((feed) => ({
              sequence: (sessions[feed.index] as ModelDraftSession).state,
              tokens: feed.tokens,
            })),
            signalOption,
          )
          recordForward(
            stats,
            model,
            feeds.reduce((total, feed) => total + feed.tokens.length, 0),
            extended,
          )
          if (position === 0) {
            for (const feed of feeds) (sessions[feed.index] as ModelDraftSession).pending = []
          }
        }
        requests.forEach((request: DraftRequest, index) => {
          if (!active[index]) return
          const state = (sessions[index] as ModelDraftSession).state
          const proposal = proposals[index] as DraftProposal
          const choice = request.choose(state.lastLogits as Float32Array, proposal.tokens)
          proposal.tokens.push(choice.token)
          proposal.probabilities.push(choice.probabilities)
          if (proposal.tokens.length >= request.maxDraftTokens || eos.has(choice.token)) {
            active[index] = false
          }
        })
      }
      return proposals

      /**
       * Greedy drafts chosen inside the draft model's backend: one extend feeds the pending
       * tokens, then one sampleTokens call per distinct budget drafts every position (the
       * same tokens, cache and stats as the loop above).
       */
      async function proposeInBackend(
        sampleTokens: NonNullable<TokenModel['sampleTokens']>,
      ): Promise<void> {
        throwIfAborted(options.signal)
        const feeds = requests
          .map((_, index) => index)
          .filter(
            (index) => active[index] && (sessions[index] as ModelDraftSession).pending.length > 0,
          )
        if (feeds.length > 0) {
          const extended = await model.extend(
            feeds.map((index) => ({
              sequence: (sessions[index] as ModelDraftSession).state,
              tokens: (sessions[index] as ModelDraftSession).pending,
            })),
            signalOption,
          )
          recordForward(
            stats,
            model,
            feeds.reduce(
              (total, index) => total + (sessions[index] as ModelDraftSession).pending.length,
              0,
            ),
            extended,
          )
          for (const index of feeds) (sessions[index] as ModelDraftSession).pending = []
        }
        const byBudget = new Map<number, number[]>()
        requests.forEach((request, index) => {
          if (!active[index]) return
          const group = byBudget.get(request.maxDraftTokens)
          if (group) group.push(index)
          else byBudget.set(request.maxDraftTokens, [index])
        })
        const fedPerIndex: number[] = []
        const sampled: SampledTokens[] = []
        await Promise.all(
          [...byBudget].map(async ([budget, indexes]) => {
            const results = await sampleTokens({
              sequences: indexes.map((index) => (sessions[index] as ModelDraftSession).state),
              temperature: 0,
              maxTokens: budget,
              stopTokenIds: model.tokenizer.eosTokenIds,
              ...(options.signal ? { signal: options.signal } : {}),
            })
            results.forEach((result, position) => {
              const index = indexes[position] as number
              const proposal = proposals[index] as DraftProposal
              proposal.tokens = result.tokenIds
              proposal.probabilities = result.tokenIds.map(() => undefined)
              fedPerIndex.push(result.tokenIds.length - 1)
              sampled.push(result)
            })
          }),
        )
        // As the loop counts it: one extend per position while any request was still drafting.
        const steps = Math.max(0, ...fedPerIndex)
        for (let step = 0; step < steps; step++) {
          recordForward(stats, model, fedPerIndex.filter((fed) => fed > step).length)
        }
        // Those steps charged the tokens fed; the backend's passes may have computed more
        // (padding, ghost rows).
        const fed = fedPerIndex.reduce((total, count) => total + count, 0)
        stats.flops += 2 * model.parameterCount * (computedPositionsOf(sampled, fed) - fed)
      }
    },
    update(session, proposal, accepted, next) {
      const modelSession = session as ModelDraftSession
      const keep = Math.min(accepted, proposal.tokens.length)
      // The cache holds the committed tokens plus the drafts fed so far (all but the last one).
      const drafted = modelSession.state.length - modelSession.base
      if (proposal.tokens.length === 0 || modelSession.pending.length > 0 || drafted < 0) {
        // Nothing drafted on the cache this round: the outcome joins the pending tokens.
        modelSession.pending = [...modelSession.pending, ...proposal.tokens.slice(0, keep), next]
        return
      }
      const kept = Math.min(keep, drafted)
      if (kept < drafted) modelSession.state.truncate(modelSession.base + kept)
      modelSession.pending = [...proposal.tokens.slice(kept, keep), next]
    },
  }
}
