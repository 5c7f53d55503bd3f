// A step proposer over a core TokenModel that shares KV caches: every node holds a
// SequenceState, children fork their parent's state, and all children of one propose call are
// sampled together, one batched `extend` per token step. A node's prefix is never recomputed,
// and a step's closing token is fed only when its node is expanded.
import {
  createRng,
  type ExtendResult,
  emptyUsage,
  InvalidArgumentError,
  type RunContext,
  type SequenceState,
  type TokenModel,
  type Usage,
} from '@metagen/core'
import { outputTokenShare } from './output-token-share.js'
import { sampleToken } from './sample-token.js'
import { splitUsage } from './split-usage.js'
import type {
  ProposedStep,
  ProposeRequest,
  ProposeResponse,
  ProposeResult,
  StartResponse,
  StepProposer,
  StepState,
} from './step-proposer.js'
import {
  assertProposeRequests,
  resolveStepProposerOptions,
  type StepProposerOptions,
} from './step-proposer-options.js'

/** Options of {@link createTokenModelStepProposer}. */
export interface TokenModelStepProposerOptions extends StepProposerOptions {
  /** The token-level model that samples steps (e.g. from `loadOnnxTokenModel`). */
  model: TokenModel
}

interface TokenStateRecord {
  /**
   * Holds the cache of every token of the prompt and the solution but `pending`; undefined once
   * released.
   */
  sequence: SequenceState | undefined
  /**
   * The step's closing token, sampled but not fed yet: it is fed (for all parents of a propose
   * call in one batched pass) only when the state is expanded, so that the many steps a search
   * samples and then drops cost no pass of their own.
   */
  pending: number | undefined
  /** The pass feeding `pending`, while it runs (a concurrent propose call waits for it). */
  feeding?: Promise<unknown> | undefined
}

interface SampledChild {
  requestIndex: number
  sequence: SequenceState
  tokens: number[]
  cap: number
  /** True when `cap` is the budget's share, smaller than the proposer's own limits. */
  capByBudget: boolean
  text: string
  done: boolean
  finishReason: StepState['finishReason']
  fed: number
  /** Positions computed for this child (its fed tokens plus padding and ghost rows), for FLOPs. */
  computed: number
  /** The closing token of a step that may be expanded later (fed only then). */
  pending: number | undefined
  /** Positions computed feeding the parent's pending token, this child's share. */
  parentFeedComputed: number
}

/**
 * Creates a step proposer over a token-level model.
 *
 * `start` prefills the prompt once. `propose` first feeds the closing token of every parent's
 * last step (one batched `extend` for all parents that have one), then forks each parent's
 * sequence `count` times; the first token of every child is drawn from the parent's cached last
 * logits (no model call), and each further token step is ONE batched `extend` of all
 * still-running children of all requests, feeding only the one new token per child. A step ends
 * when its decoded text contains the delimiter (its last token is kept with the state and fed
 * only if the state is expanded, unless `isComplete` says the solution is done), at end-of-text,
 * or at the token cap (finished with `length`). Every sampled token is fed at most once, and
 * only the tokens of expanded states: never the last token of a finished solution, and a step's
 * closing token only when its node is expanded (a search that drops most sampled steps never
 * pays for them). Sampling is temperature sampling from a generator seeded by the context's
 * RNG, so runs replay exactly for a fixed seed.
 *
 * Usage: `start` charges the prompt as input tokens; `propose` charges every sampled token
 * (end-of-text included) as an output token and one call per propose; FLOPs are
 * 2 x parameters x the positions the model computed for the tokens the call fed (their
 * `computedPositions`: padding and ghost rows of batched passes included when the backend
 * reports them, else the tokens fed); a child's share includes an equal part of its parent's
 * closing-token feed.
 */
export function createTokenModelStepProposer(options: TokenModelStepProposerOptions): StepProposer {
  const model = options.model
  if (!model || typeof model.extend !== 'function' || typeof model.createSequence !== 'function') {
    throw new InvalidArgumentError({
      argument: 'model',
      expected: 'a TokenModel',
      received: model,
    })
  }
  const resolved = resolveStepProposerOptions(options)
  const tokenizer = model.tokenizer
  const eos = new Set(tokenizer.eosTokenIds)
  const records = new WeakMap<StepState, TokenStateRecord>()
  // A one-byte ASCII delimiter is in a step's text exactly when one of its tokens' bytes holds
  // it (an ASCII byte is never part of a multi-byte character), so "the step ends at the first
  // token whose text holds the delimiter" is a set of stop tokens, and the backend can run the
  // sampling loop itself. Undefined for longer delimiters, which can span tokens.
  // (Also undefined when the tokenizer's byte table does not cover the vocabulary.)
  let stepStopTokensCache: number[] | undefined | null = null
  const stepStopTokens = (): number[] | undefined => {
    if (stepStopTokensCache !== null) return stepStopTokensCache
    stepStopTokensCache = undefined
    const code = resolved.delimiter.length === 1 ? resolved.delimiter.charCodeAt(0) : -1
    const table = code >= 0 && code <= 0x7f ? tokenizer.tokenBytes() : []
    if (table.length < model.vocabSize) return undefined
    const stops = new Set(tokenizer.eosTokenIds)
    table.forEach((bytes, id) => {
      if (bytes.includes(code)) stops.add(id)
    })
    stepStopTokensCache = [...stops]
    return stepStopTokensCache
  }

  function flopsOf(tokens: number): number {
    return 2 * model.parameterCount * tokens
  }

  function makeState(
    sequence: SequenceState | undefined,
    fields: Omit<StepState, 'finished'>,
    pending?: number,
  ): StepState {
    let finishReason = fields.finishReason
    if (finishReason === undefined) {
      // The pending closing token takes a position of the context when it is fed.
      const length = sequence ? sequence.length + (pending === undefined ? 0 : 1) : 0
      if (fields.generatedTokens >= resolved.maxTokens) finishReason = 'length'
      else if (sequence && length >= model.maxSequenceLength) finishReason = 'length'
    }
    const finished = finishReason !== undefined
    const state: StepState = Object.freeze({ ...fields, finished, finishReason })
    // A finished solution is never expanded: drop its cache right away.
    if (finished && sequence) {
      sequence.dispose()
      records.set(state, { sequence: undefined, pending: undefined })
    } else {
      records.set(state, { sequence, pending: finished ? undefined : pending })
    }
    return state
  }

  function emitCall(context: RunContext, usage: Usage, data: Record<string, unknown>): void {
    context.emit({
      kind: 'model-call',
      id: context.nextId('c'),
      name: model.modelId,
      usage,
      data: { provider: 'token-model', ...data },
    })
  }

  return {
    name: `token:${model.modelId}`,

    async start(input, context) {
      if (typeof input?.prompt !== 'string' || input.prompt.length === 0) {
        throw new InvalidArgumentError({
          argument: 'input.prompt',
          expected: 'a non-empty prompt string',
          received: input?.prompt,
        })
      }
      // With the special tokens the tokenizer puts at the start of a sequence (e.g. BOS).
      const tokens = tokenizer.encodePrompt
        ? tokenizer.encodePrompt(input.prompt)
        : tokenizer.encode(input.prompt)
      if (tokens.length === 0 || tokens.length >= model.maxSequenceLength) {
        throw new InvalidArgumentError({
          argument: 'input.prompt',
          expected: `a prompt of 1 to ${model.maxSequenceLength - 1} tokens`,
          received: `${tokens.length} tokens`,
        })
      }
      context.budget.assertAvailable()
      const sequence = model.createSequence()
      let prefilled: ExtendResult[]
      try {
        prefilled = await context.limiter.run(
          () =>
            model.extend(
              [{ sequence, tokens }],
              context.signal ? { signal: context.signal } : undefined,
            ),
          context.signal,
        )
      } catch (error) {
        sequence.dispose()
        throw error
      }
      const usage: Usage = {
        inputTokens: tokens.length,
        outputTokens: 0,
        calls: 1,
        flops: flopsOf(prefilled[0]?.computedPositions ?? tokens.length),
      }
      context.budget.charge(usage)
      emitCall(context, usage, { prefill: tokens.length })
      const root = makeState(sequence, {
        text: '',
        steps: [],
        finishReason: undefined,
        generatedTokens: 0,
      })
      return { root, usage } satisfies StartResponse
    },

    async propose(requests: readonly ProposeRequest[], context: RunContext) {
      assertProposeRequests(requests)
      const parentRecords = requests.map((request, index) => {
        const record = records.get(request.state)
        const sequence = record?.sequence
        if (
          !record ||
          !sequence ||
          sequence.disposed ||
          request.state.finished ||
          !sequence.lastLogits
        ) {
          throw new InvalidArgumentError({
            argument: `requests[${index}].state`,
            expected: 'an unfinished, unreleased state made by this proposer',
            received: request.state?.text,
          })
        }
        return record
      })
      const parentSequences = parentRecords.map((record) => record.sequence as SequenceState)
      const total = requests.reduce((sum, request) => sum + request.count, 0)
      const share = outputTokenShare(context, total, resolved.maxStepTokens)
      const seed = context.rng.nextSeed()
      const rng = createRng(seed)
      const forksBefore = model.stats().forks

      let passes = 0
      let fedTokens = 0
      let computedPositions = 0
      let sampledTokens = 0

      // The closing tokens of the parents' last steps, in one batched pass (a state asked for
      // twice is fed once; one that a concurrent call is feeding is waited for).
      const distinctParents = [...new Set(parentRecords)]
      const toFeedFirst = distinctParents.filter(
        (record) => record.pending !== undefined && record.feeding === undefined,
      )
      const feedingElsewhere = distinctParents
        .filter((record) => record.feeding !== undefined)
        .map((record) => record.feeding)
      // Each parent's feed (positions computed), shared equally by the children of this call
      // that fork it.
      const parentFeedShare = new Map<TokenStateRecord, number>()
      if (toFeedFirst.length > 0) {
        const feeding = context.limiter.run(
          () =>
            model.extend(
              toFeedFirst.map((record) => ({
                sequence: record.sequence as SequenceState,
                tokens: [record.pending as number],
              })),
              context.signal ? { signal: context.signal } : undefined,
            ),
          context.signal,
        )
        for (const record of toFeedFirst) record.feeding = feeding
        let extended: ExtendResult[]
        try {
          extended = await feeding
        } catch (error) {
          context.budget.charge({ inputTokens: 0, outputTokens: 0, calls: 1, flops: 0 })
          throw error
        } finally {
          for (const record of toFeedFirst) record.feeding = undefined
        }
        passes++
        fedTokens += toFeedFirst.length
        toFeedFirst.forEach((record, index) => {
          record.pending = undefined
          const computed = extended[index]?.computedPositions ?? 1
          computedPositions += computed
          const children = requests.reduce(
            (sum, request, requestIndex) =>
              sum + (parentRecords[requestIndex] === record ? request.count : 0),
            0,
          )
          parentFeedShare.set(record, computed / children)
        })
      }
      if (feedingElsewhere.length > 0) await Promise.all(feedingElsewhere)
      for (const [index, record] of parentRecords.entries()) {
        if (record.pending !== undefined || record.sequence?.disposed !== false) {
          throw new InvalidArgumentError({
            argument: `requests[${index}].state`,
            expected: 'an unreleased state whose closing token could be fed',
            received: requests[index]?.state.text,
          })
        }
      }

      const children: SampledChild[] = []
      requests.forEach((request, requestIndex) => {
        const parent = parentSequences[requestIndex] as SequenceState
        const ownCap = Math.min(
          resolved.maxStepTokens,
          resolved.maxTokens - request.state.generatedTokens,
          model.maxSequenceLength - parent.length,
        )
        const cap = Math.min(share, ownCap)
        for (let sample = 0; sample < request.count; sample++) {
          children.push({
            requestIndex,
            sequence: parent.fork(),
            tokens: [],
            cap,
            capByBudget: share < ownCap,
            text: '',
            done: false,
            finishReason: undefined,
            fed: 0,
            computed: 0,
            pending: undefined,
            parentFeedComputed:
              parentFeedShare.get(parentRecords[requestIndex] as TokenStateRecord) ?? 0,
          })
        }
      })

      /** Feeds each child's last sampled token in one batched pass and counts it. */
      async function feedLastTokens(toFeed: SampledChild[]): Promise<void> {
        const extended = await model.extend(
          toFeed.map((child) => ({
            sequence: child.sequence,
            tokens: [child.tokens[child.tokens.length - 1] as number],
          })),
          context.signal ? { signal: context.signal } : undefined,
        )
        passes++
        fedTokens += toFeed.length
        toFeed.forEach((child, index) => {
          const computed = extended[index]?.computedPositions ?? 1
          child.fed++
          child.computed += computed
          computedPositions += computed
        })
      }

      /**
       * The same sampling loop run inside the backend (TokenModel.sampleTokens): the children of
       * one cap step together in shared passes, one round trip per cap instead of one per
       * token, and a step ends at the first token whose text holds the delimiter (those tokens
       * are stop tokens). A step's closing token stays pending, as in the loop below.
       */
      async function sampleInBackend(
        sampleTokens: NonNullable<TokenModel['sampleTokens']>,
        stopTokens: number[],
      ): Promise<void> {
        const byCap = new Map<number, number[]>()
        children.forEach((child, index) => {
          const group = byCap.get(child.cap)
          if (group) group.push(index)
          else byCap.set(child.cap, [index])
        })
        await Promise.all(
          [...byCap].map(async ([cap, indexes]) => {
            const results = await sampleTokens({
              sequences: indexes.map((index) => (children[index] as SampledChild).sequence),
              temperature: resolved.temperature,
              seed,
              rngLabels: indexes,
              maxTokens: Math.max(1, cap),
              stopTokenIds: stopTokens,
              ...(context.signal ? { signal: context.signal } : {}),
            })
            results.forEach((result, position) => {
              const child = children[indexes[position] as number] as SampledChild
              child.tokens = result.tokenIds
              child.fed = result.tokenIds.length - 1
              child.computed = result.computedPositions ?? child.fed
            })
          }),
        )
        const parentPasses = passes
        for (const child of children) {
          sampledTokens += child.tokens.length
          fedTokens += child.fed
          computedPositions += child.computed
          passes = Math.max(passes, parentPasses + child.fed)
          child.done = true
          const last = child.tokens[child.tokens.length - 1] as number
          if (eos.has(last)) {
            child.finishReason = 'stop'
            continue
          }
          child.text = tokenizer.decode(child.tokens)
          if (child.text.includes(resolved.delimiter)) {
            const parent = requests[child.requestIndex]?.state as StepState
            if (resolved.isComplete?.(parent.text + child.text)) child.finishReason = 'stop'
            else child.pending = last
          } else {
            child.finishReason = 'length'
          }
        }
      }
      try {
        await context.limiter.run(async () => {
          const stopTokens = model.sampleTokens !== undefined ? stepStopTokens() : undefined
          if (stopTokens !== undefined && model.sampleTokens !== undefined) {
            await sampleInBackend(model.sampleTokens.bind(model), stopTokens)
            return
          }
          for (;;) {
            const toFeed: SampledChild[] = []
            for (const child of children) {
              if (child.done) continue
              const logits = child.sequence.lastLogits as Float32Array
              const token = sampleToken(logits, resolved.temperature, rng)
              sampledTokens++
              child.tokens.push(token)
              if (eos.has(token)) {
                child.done = true
                child.finishReason = 'stop'
                continue
              }
              child.text = tokenizer.decode(child.tokens)
              if (child.text.includes(resolved.delimiter)) {
                child.done = true
                const parent = requests[child.requestIndex]?.state as StepState
                // A complete solution is never expanded, so its last token need not be fed; an
                // incomplete one's is fed if and when the state is expanded.
                if (resolved.isComplete?.(parent.text + child.text)) child.finishReason = 'stop'
                else child.pending = token
              } else if (child.tokens.length >= child.cap) {
                child.done = true
                child.finishReason = 'length'
              } else {
                toFeed.push(child)
              }
            }
            if (toFeed.length === 0) break
            await feedLastTokens(toFeed)
          }
        }, context.signal)
      } catch (error) {
        for (const child of children) child.sequence.dispose()
        const usage: Usage = {
          inputTokens: 0,
          outputTokens: sampledTokens,
          calls: 1,
          flops: flopsOf(computedPositions),
        }
        context.budget.charge(usage)
        throw error
      }

      const usage: Usage = {
        inputTokens: 0,
        outputTokens: sampledTokens,
        calls: 1,
        flops: flopsOf(computedPositions),
      }
      context.budget.charge(usage)
      emitCall(context, usage, {
        samples: total,
        parents: requests.length,
        passes,
        tokensFed: fedTokens,
        forks: model.stats().forks - forksBefore,
      })

      const shares = splitUsage(
        usage,
        children.map((child) => child.tokens.length),
      )
      const results: ProposeResult[] = requests.map(() => ({ children: [] }))
      children.forEach((child, index) => {
        const parent = requests[child.requestIndex]?.state as StepState
        const step = child.text
        const state = makeState(
          child.sequence,
          {
            text: parent.text + step,
            steps: step === '' ? parent.steps : [...parent.steps, step],
            finishReason: child.finishReason,
            generatedTokens: parent.generatedTokens + child.tokens.length,
          },
          child.pending,
        )
        const share = shares[index] ?? emptyUsage()
        share.flops = flopsOf(child.computed + child.parentFeedComputed)
        const proposed: ProposedStep = { state, step, usage: share }
        results[child.requestIndex]?.children.push(proposed)
      })
      const budgetLimited = children.some(
        (child) => child.capByBudget && child.finishReason === 'length',
      )
      return { results, usage, budgetLimited } satisfies ProposeResponse
    },

    release(state) {
      const record = records.get(state)
      if (record?.sequence) {
        record.sequence.dispose()
        record.sequence = undefined
      }
    },
  }
}
