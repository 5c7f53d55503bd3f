import {
  createCollectingTraceSink,
  createRunContext,
  type Generator,
  runChild,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { describe, expect, it } from 'vitest'
import {
  createDigitStepsLanguageModel,
  createDigitStepsTokenModel,
  createParityScorer,
} from './digit-steps.test-support.js'
import { diverseVerifierTreeSearch } from './diverse-verifier-tree-search.js'
import { createLanguageModelStepProposer } from './language-model-step-proposer.js'
import { monteCarloTreeSearch } from './monte-carlo-tree-search.js'
import { rewardBalancedSearch } from './reward-balanced-search.js'
import type { SearchOptions } from './search-options.js'
import { stepBeamSearch } from './step-beam-search.js'
import { createTokenModelStepProposer } from './token-model-step-proposer.js'
import { treeOfThoughtsBfs } from './tree-of-thoughts-bfs.js'
import { treeOfThoughtsDfs } from './tree-of-thoughts-dfs.js'

const prompt = 'Q: pick three even digits\nA:'
const isComplete = (text: string) => (text.match(/\./g) ?? []).length >= 3

type Factory = (common: SearchOptions) => Generator<TextInput, TextOutput>

const searches: Array<[string, Factory]> = [
  ['step-beam', (common) => stepBeamSearch({ ...common, beams: 6, beamWidth: 3 })],
  ['dvts', (common) => diverseVerifierTreeSearch({ ...common, beams: 9, beamWidth: 3 })],
  [
    'tot-bfs',
    (common) => treeOfThoughtsBfs({ ...common, breadth: 2, expansions: 3, threshold: 0.5 }),
  ],
  ['tot-dfs', (common) => treeOfThoughtsDfs({ ...common, expansions: 3, threshold: 0.5 })],
  ['mcts', (common) => monteCarloTreeSearch({ ...common, simulations: 12, expansions: 3 })],
  [
    'mcts-rollout',
    (common) =>
      monteCarloTreeSearch({ ...common, simulations: 12, expansions: 3, evaluation: 'rollout' }),
  ],
  ['rebase', (common) => rewardBalancedSearch({ ...common, width: 6 })],
]

function setUp(seed: number) {
  const model = createDigitStepsTokenModel()
  const proposer = createTokenModelStepProposer({ model, isComplete })
  const scorer = createParityScorer()
  const trace = createCollectingTraceSink()
  const context = createRunContext({ seed, trace })
  return { model, proposer, scorer, trace, context }
}

describe.each(searches)('%s', (_name, factory) => {
  it('finds an all-even solution, traces a tree, accounts usage and frees every cache', async () => {
    for (const seed of [1, 2, 3]) {
      const { model, proposer, scorer, trace, context } = setUp(seed)
      const search = factory({
        proposer,
        scorer,
        extractAnswer: (text) => text.trim() || undefined,
      })
      const result = await runChild(context, search, { prompt })
      expect(result.output.finishReason).toBe('stop')
      expect(result.output.score).toBe(1)
      expect(result.output.text).toMatch(/^( [02468]\.){3}$/)
      expect(result.output.answer).toBe(result.output.text.trim())
      expect(result.stoppedBy).toBeUndefined()

      const nodes = trace.events.filter((event) => event.kind === 'node')
      const ids = new Set(nodes.map((event) => event.id))
      const span = trace.events.find((event) => event.kind === 'span-start')
      expect(nodes[0]?.name).toBe('root')
      expect(nodes[0]?.parentId).toBe(span?.id)
      for (const node of nodes.slice(1)) {
        expect(ids.has(node.parentId as string)).toBe(true)
        expect(node.data).toMatchObject({ depth: expect.any(Number), visits: expect.any(Number) })
        expect(typeof node.data?.text).toBe('string')
      }
      const nodeOutput = nodes.reduce((sum, node) => sum + (node.usage?.outputTokens ?? 0), 0)
      expect(nodeOutput).toBe(result.usage.outputTokens)
      expect(result.usage.outputTokens).toBe(context.budget.spent.outputTokens)
      // No prefix is recomputed: the prompt is prefilled once and every sampled token is fed
      // once, except the last token of every sampled step, which is fed only when its node is
      // expanded (a merged node stands for `multiplicity` samples and is expanded as one state).
      const steps = nodes.slice(1)
      const samples = steps.reduce(
        (sum, node) => sum + ((node.data?.multiplicity as number | undefined) ?? 1),
        0,
      )
      const parents = new Set(steps.map((node) => node.parentId))
      const expanded = steps.filter((node) => parents.has(node.id)).length
      expect(expanded).toBeGreaterThan(0)
      expect(model.stats().tokensProcessed).toBe(
        prompt.length + result.usage.outputTokens - samples + expanded,
      )
      expect(model.stats().liveSequences).toBe(0)
    }
  })

  it('replays exactly for a fixed seed', async () => {
    const run = async () => {
      const { proposer, scorer, context } = setUp(9)
      return (await factory({ proposer, scorer }).run({ prompt }, context)).output
    }
    expect(await run()).toEqual(await run())
  })

  it('stops within a token budget with the best complete solution found so far', async () => {
    for (const limit of [8, 20, 40]) {
      const { model, proposer, scorer, context } = setUp(4)
      const search = factory({ proposer, scorer, budget: { outputTokens: limit } })
      const result = await search.run({ prompt }, context)
      expect(result.usage.outputTokens).toBeLessThanOrEqual(limit)
      expect(context.budget.spent.outputTokens).toBeLessThanOrEqual(limit)
      const candidates = result.output.candidates ?? []
      if (candidates.length > 0) {
        expect(result.output.finishReason).toBe('stop')
        const best = Math.max(...candidates.map((candidate) => candidate.score ?? -1))
        expect(result.output.score).toBe(best)
      } else {
        expect(result.output.finishReason).toBe('length')
      }
      expect(model.stats().liveSequences).toBe(0)
    }
    // The tightest budget cannot complete a 9-token solution with several samples per round.
    const { proposer, scorer, context } = setUp(4)
    const tight = await factory({ proposer, scorer, budget: { outputTokens: 8 } }).run(
      { prompt },
      context,
    )
    expect(tight.stoppedBy).toBe('budget')
  })

  it('runs over a language model too', async () => {
    const model = createDigitStepsLanguageModel()
    const proposer = createLanguageModelStepProposer({ model, isComplete })
    const scorer = createParityScorer()
    // Seeded draws: with seed 1 every search finds a complete solution (seed 2 leaves the
    // tree-of-thoughts searches, which prune odd steps, without one).
    const context = createRunContext({ seed: 1 })
    const result = await factory({ proposer, scorer }).run({ prompt }, context)
    expect(result.output.text).toMatch(/^( \d\.){3}$/)
    expect(result.usage.calls).toBe(model.requests.length)
  })
})

describe('search options', () => {
  it('rejects bad options with named errors', () => {
    const { proposer, scorer } = setUp(1)
    expect(() => stepBeamSearch({ proposer, scorer, beamWidth: 0 })).toThrow(/beamWidth/)
    expect(() => stepBeamSearch({ proposer, scorer, maxSteps: 1.5 })).toThrow(/maxSteps/)
    expect(() =>
      stepBeamSearch({ proposer, scorer, aggregate: 'max' as unknown as 'min' }),
    ).toThrow(/aggregate/)
    expect(() => diverseVerifierTreeSearch({ proposer, scorer, beams: -1 })).toThrow(/beams/)
    expect(() => stepBeamSearch({ proposer, scorer, mergeIdenticalSteps: 1 as never })).toThrow(
      /mergeIdenticalSteps/,
    )
    expect(() => treeOfThoughtsBfs({ proposer, scorer, threshold: Number.NaN })).toThrow(
      /threshold/,
    )
    expect(() => treeOfThoughtsDfs({ proposer, scorer, maxExpansions: 0 })).toThrow(/maxExpansions/)
    expect(() => monteCarloTreeSearch({ proposer, scorer, exploration: -1 })).toThrow(/exploration/)
    expect(() =>
      monteCarloTreeSearch({ proposer, scorer, evaluation: 'random' as unknown as 'value' }),
    ).toThrow(/evaluation/)
    expect(() => rewardBalancedSearch({ proposer, scorer, balanceTemperature: 0 })).toThrow(
      /balanceTemperature/,
    )
    expect(() => stepBeamSearch({ proposer, scorer: undefined as never })).toThrow(/scorer/)
    expect(() =>
      stepBeamSearch({ proposer, scorer, budget: { outputTokens: 0 } }).run(
        { prompt },
        createRunContext(),
      ),
    ).rejects.toThrow(/budget\.outputTokens/)
  })

  it('requires a prompt', async () => {
    const { proposer, scorer, context } = setUp(1)
    await expect(
      stepBeamSearch({ proposer, scorer }).run(
        { messages: [{ role: 'user', content: 'x' }] },
        context,
      ),
    ).rejects.toThrow(/input\.prompt/)
  })
})
