// The "done when" for budgets: on held-out tinymath problems, the usage charged to each
// problem never exceeds its budget, for strategies whose scorers and children call models too:
// best-of-n with an LLM judge, majority vote over self-refinement (nested children in flight at
// once), step-beam search with the judge as its process scorer. Real tinymath-draft through the
// ONNX backend, tight budgets on every limit that is held in flight.
import { type Budget, compact, type StrategySpec } from '@metagen/core'
import { loadDevSet } from '@metagen/tinymath'
import { afterAll, describe, expect, it } from 'vitest'
import { createDefaultStrategyRegistry, createStrategyEnvironment, evaluate } from '../src/index.js'

const registry = createDefaultStrategyRegistry()
const environment = createStrategyEnvironment({
  modelId: 'tinymath-draft',
  registry,
  maxTokens: 96,
})
afterAll(() => environment.close())

const configurations: Array<[string, StrategySpec, Budget]> = [
  [
    'best-of-n with the LLM judge',
    { strategy: 'best-of-n', n: 4, scorer: 'judge' },
    { outputTokens: 40 },
  ],
  [
    'majority vote over self-refine',
    { strategy: 'majority-vote', n: 4, base: { strategy: 'self-refine', maxRounds: 2 } },
    { outputTokens: 100, calls: 6 },
  ],
  [
    'step-beam with the judge as process scorer',
    { strategy: 'step-beam', beams: 2, beamWidth: 2, scorer: 'judge' },
    { outputTokens: 60, inputTokens: 900 },
  ],
  [
    'best-of-n with the judge under a prompt-token and total-token budget',
    { strategy: 'best-of-n', n: 4, scorer: 'judge' },
    { inputTokens: 150, totalTokens: 260 },
  ],
]

describe('per-problem charged usage never exceeds the budget (tinymath-draft, dev problems)', () => {
  for (const [label, spec, budget] of configurations) {
    it(label, async () => {
      const problems = (await loadDevSet()).slice(40, 46)
      const generator = await environment.build(spec)
      const result = await evaluate({ generator, problems, budget, seed: 11, concurrency: 2 })
      let stopped = 0
      for (const problem of result.problems) {
        const usage = problem.usage
        const where = `${label}, problem ${problem.id}: ${JSON.stringify(usage)} ${JSON.stringify(compact({ error: problem.error }))}`
        expect(usage.calls, where).toBeGreaterThan(0)
        if (budget.outputTokens !== undefined)
          expect(usage.outputTokens, where).toBeLessThanOrEqual(budget.outputTokens)
        if (budget.inputTokens !== undefined)
          expect(usage.inputTokens, where).toBeLessThanOrEqual(budget.inputTokens)
        if (budget.totalTokens !== undefined)
          expect(usage.inputTokens + usage.outputTokens, where).toBeLessThanOrEqual(
            budget.totalTokens,
          )
        if (budget.calls !== undefined) expect(usage.calls, where).toBeLessThanOrEqual(budget.calls)
        if (problem.stoppedBy !== undefined) {
          stopped++
          expect(Object.keys(budget), where).toContain(problem.stoppedBy)
        }
      }
      // The budgets are tight: they stop at least one problem of each configuration.
      expect(stopped, label).toBeGreaterThan(0)
    })
  }
})
