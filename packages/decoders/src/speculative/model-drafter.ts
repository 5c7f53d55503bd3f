// A drafter backed by a small token-level model that shares the target's tokenizer: it drafts k
// tokens autoregressively (one batched forward pass per position) on forks of its cache.
import {
  InvalidArgumentError,
  type SequenceState,
  type TokenModel,
  throwIfAborted,
} from '@metagen/core'
import { recordForward } from '../prefill.js'
import type { Drafter, DraftProposal, DraftRequest, DraftSession } from './drafter.js'

class ModelDraftSession implements DraftSession {
  /** Cache of a prefix of the committed tokens. */
  state: SequenceState
  /** Committed tokens after that prefix, not yet in the cache. */
  pending: number[] = []
  /**
   * Forks taken during the last proposal: `snapshots[i]` holds the committed tokens plus the
   * first i proposed tokens, so a rejection rolls back by keeping a snapshot.
   */
  snapshots: Array<SequenceState | undefined> = []

  constructor(state: SequenceState) {
    this.state = state
  }

  dispose(): void {
    this.state.dispose()
    for (const snapshot of this.snapshots) snapshot?.dispose()
    this.snapshots = []
  }
}

/**
 * Creates a drafter from a small model with the same vocabulary as the target. Rollback after a
 * rejection needs no model call: before each draft position the session forks its cache (forks
 * share the KV cache), so after `accepted` tokens it keeps the fork that already holds them and
 * only the correction token is left to feed, together with the next round's first draft step.
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
    async start(prompt, count, stats, options) {
      throwIfAborted(options.signal)
      const root = model.createSequence()
      try {
        await model.extend(
          [{ sequence: root, tokens: prompt }],
          options.signal ? { signal: options.signal } : {},
        )
        recordForward(stats, model, prompt.length)
        return Array.from({ length: count }, () => new ModelDraftSession(root.fork()))
      } finally {
        root.dispose()
      }
    },
    async propose(requests, stats, options) {
      const sessions = requests.map((request) => request.session as ModelDraftSession)
      const proposals: DraftProposal[] = requests.map(() => ({ tokens: [], probabilities: [] }))
      const eos = new Set(model.tokenizer.eosTokenIds)
      // Each session drafts on a fork of its cache; a proposal ends early after an eos token.
      const working = sessions.map((session) => session.state.fork())
      const active = requests.map((request) => request.maxDraftTokens > 0)
      const signalOption = options.signal ? { signal: options.signal } : {}
      try {
        for (const session of sessions) {
          for (const snapshot of session.snapshots) snapshot?.dispose()
          session.snapshots = []
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
            await model.extend(
              feeds.map((feed) => ({
                sequence: working[feed.index] as SequenceState,
                tokens: feed.tokens,
              })),
              signalOption,
            )
            recordForward(
              stats,
              model,
              feeds.reduce((total, feed) => total + feed.tokens.length, 0),
            )
          }
          requests.forEach((request: DraftRequest, index) => {
            if (!active[index]) return
            const state = working[index] as SequenceState
            const proposal = proposals[index] as DraftProposal
            ;(sessions[index] as ModelDraftSession).snapshots[position] = state.fork()
            const choice = request.choose(state.lastLogits as Float32Array, proposal.tokens)
            proposal.tokens.push(choice.token)
            proposal.probabilities.push(choice.probabilities)
            if (proposal.tokens.length >= request.maxDraftTokens || eos.has(choice.token)) {
              active[index] = false
            }
          })
        }
        return proposals
      } finally {
        for (const state of working) state.dispose()
      }
    },
    update(session, proposal, accepted, next) {
      const modelSession = session as ModelDraftSession
      const keep = Math.min(accepted, proposal.tokens.length)
      // snapshots[i] holds the committed tokens plus the first i proposed ones (i < length).
      const exact = modelSession.snapshots[keep]
      const previous = keep >= 1 ? modelSession.snapshots[keep - 1] : undefined
      if (exact) {
        modelSession.state.dispose()
        modelSession.state = exact
        modelSession.snapshots[keep] = undefined
        modelSession.pending = [next]
      } else if (previous) {
        // Everything was accepted: the last proposed token was never fed.
        modelSession.state.dispose()
        modelSession.state = previous
        modelSession.snapshots[keep - 1] = undefined
        modelSession.pending = [proposal.tokens[keep - 1] as number, next]
      } else {
        modelSession.pending = [...modelSession.pending, ...proposal.tokens.slice(0, keep), next]
      }
      for (const leftover of modelSession.snapshots) leftover?.dispose()
      modelSession.snapshots = []
    },
  }
}
