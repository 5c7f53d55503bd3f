// Integration: the searches on the REAL tinymath-draft (token-level proposer through
// @metagen/onnx) with the real step checker and the real tinymath-verifier as process scorers.
import { createCollectingTraceSink, createRunContext, type Scorer } from '@metagen/core'
import { loadOnnxRewardModel, loadOnnxTokenModel, type OnnxTokenModel } from '@metagen/onnx'
import {
  createRewardModelScorer,
  createTinymathStepChecker,
  tinymathStepSplitter,
} from '@metagen/scorers'
import {
  extractAnswer,
  formatPrompt,
  loadDevSet,
  type TinymathProblem,
  tinymathModelPaths,
} from '@metagen/tinymath'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diverseVerifierTreeSearch } from '../src/diverse-verifier-tree-search.js'
import { monteCarloTreeSearch } from '../src/monte-carlo-tree-search.js'
import { rewardBalancedSearch } from '../src/reward-balanced-search.js'
import { stepBeamSearch } from '../src/step-beam-search.js'
import { createTokenModelStepProposer } from '../src/token-model-step-proposer.js'
import { treeOfThoughtsBfs } from '../src/tree-of-thoughts-bfs.js'
import { treeOfThoughtsDfs } from '../src/tree-of-thoughts-dfs.js'

let model: OnnxTokenModel
let problems: TinymathProblem[]
const stepChecker: Scorer = createTinymathStepChecker()
const isComplete = (text: string) => extractAnswer(text) !== undefined

beforeAll(async () => {
  model = await loadOnnxTokenModel(tinymathModelPaths['tinymath-draft'], {
    modelId: 'tinymath-draft',
  })
  // Two problems of each size 1..5 operations (the dev set has 60 of each, in blocks).
  const all = await loadDevSet()
  problems = [1, 2, 3, 4, 5].flatMap((ops) => all.filter((p) => p.n_ops === ops).slice(0, 2))
})

afterAll(async () => {
  await model?.close()
})

describe('step-level search on tinymath-draft', () => {
  it('step beam search with the step checker returns checked, complete solutions', async () => {
    const proposer = createTokenModelStepProposer({ model, isComplete })
    const search = stepBeamSearch({ proposer, scorer: stepChecker, extractAnswer })
    let accepted = 0
    for (const [index, problem] of problems.entries()) {
      const live = model.stats().liveSequences
      const trace = createCollectingTraceSink()
      const context = createRunContext({ seed: index, trace })
      const result = await search.run({ prompt: formatPrompt(problem.question) }, context)
      const candidates = result.output.candidates ?? []
      if (candidates.length > 0) {
        expect(result.output.finishReason).toBe('stop')
        expect(result.output.score).toBe(Math.max(...candidates.map((c) => c.score ?? -1)))
        expect(result.output.answer).toBe(extractAnswer(result.output.text))
      }
      if (result.output.score === 1) accepted++
      expect(result.usage.outputTokens).toBe(context.budget.spent.outputTokens)
      const nodes = trace.events.filter((event) => event.kind === 'node' && event.name === 'step')
      // the first round alone samples N = 16 steps; identical ones are merged into one node
      const sampled = nodes.reduce(
        (sum, event) => sum + ((event.data?.multiplicity as number | undefined) ?? 1),
        0,
      )
      expect(sampled).toBeGreaterThanOrEqual(16)
      expect(sampled - nodes.length).toBe(result.output.mergedSteps)
      expect(model.stats().liveSequences).toBe(live)
    }
    // The checker prunes wrong arithmetic, so most outputs pass it (the draft alone: ~0.3 per sample).
    expect(accepted).toBeGreaterThanOrEqual(problems.length / 2)
  })

  it('every search runs on the real model and stops within a token budget', async () => {
    const proposer = createTokenModelStepProposer({ model, isComplete })
    const common = { proposer, scorer: stepChecker, extractAnswer }
    const searches = [
      stepBeamSearch(common),
      diverseVerifierTreeSearch(common),
      treeOfThoughtsBfs(common),
      treeOfThoughtsDfs(common),
      monteCarloTreeSearch(common),
      rewardBalancedSearch(common),
    ]
    const problem = problems[8] as TinymathProblem
    for (const search of searches) {
      const budget = 120
      const context = createRunContext({ seed: 3, budget: { outputTokens: budget } })
      const result = await search.run({ prompt: formatPrompt(problem.question) }, context)
      expect(context.budget.spent.outputTokens).toBeLessThanOrEqual(budget)
      expect(result.usage.outputTokens).toBeLessThanOrEqual(budget)
      const candidates = result.output.candidates ?? []
      if (candidates.length > 0) {
        expect(result.output.finishReason).toBe('stop')
        expect(result.output.score).toBe(Math.max(...candidates.map((c) => c.score ?? -1)))
      } else {
        expect(result.output.finishReason).toBe('length')
      }
      // A 4-5 operation problem needs far more than 120 tokens of B x K search.
      if (search.name !== 'tot-dfs') expect(result.stoppedBy).toBe('budget')
    }
  })

  it('runs with tinymath-verifier as the process scorer', async () => {
    const verifier = await loadOnnxRewardModel(tinymathModelPaths['tinymath-verifier'], {
      modelId: 'tinymath-verifier',
    })
    try {
      const scorer = createRewardModelScorer({
        model: verifier,
        name: 'verifier',
        stepSplitter: tinymathStepSplitter,
      })
      const proposer = createTokenModelStepProposer({ model, isComplete })
      const search = stepBeamSearch({
        proposer,
        scorer,
        beams: 6,
        beamWidth: 3,
        extractAnswer,
      })
      const trace = createCollectingTraceSink()
      const context = createRunContext({ seed: 5, trace })
      const problem = problems[2] as TinymathProblem
      const result = await search.run({ prompt: formatPrompt(problem.question) }, context)
      const scores = trace.events
        .filter((event) => event.kind === 'node' && event.name === 'step')
        .map((event) => event.data?.score)
      expect(scores.length).toBeGreaterThan(2)
      for (const score of scores) {
        if (score !== null) expect(score).toBeGreaterThanOrEqual(0)
        if (score !== null) expect(score).toBeLessThanOrEqual(1)
      }
      expect(result.output.text.length).toBeGreaterThan(0)
      expect(verifier.stats().forwardPasses).toBeGreaterThan(0)
    } finally {
      await verifier.close()
    }
  })
})
