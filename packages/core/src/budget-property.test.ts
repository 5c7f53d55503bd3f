// Property test of reservation-based budgets: random trees of nested, concurrent generators
// (seeded) under random budgets never charge more output tokens, prompt tokens, total tokens,
// calls or dollars than the budget allows. Leaves call priced models (one that counts its prompt
// tokens exactly, one held to core's byte bound) and score through a scorer that runs its own
// model (a reward model's way) or calls a judge through the run context.
import { compact } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import type { Budget } from './budget.js'
import { BudgetExhaustedError } from './errors.js'
import type { Generator, RunContext, TextInput, TextOutput } from './generator.js'
import type { LanguageModel } from './language-model.js'
import { createRng, type Rng } from './rng.js'
import { run } from './run.js'
import { callModel, callScorer, runChild } from './run-context.js'
import type { Scorer } from './scorer.js'
import { createFakeLanguageModel } from './testing/fake-language-model.js'
import { addUsage, emptyUsage, type Usage } from './usage.js'

type TreeGenerator = Generator<TextInput, TextOutput>

/** Calls refused for lack of budget so far, by limit. */
const refusals = new Map<string, number>()
const refused = () => [...refusals.values()].reduce((sum, count) => sum + count, 0)

const price = { inputPerMillion: 2, outputPerMillion: 8 }
const reply = ({ request, outputIndex }: { request: { seed?: number }; outputIndex: number }) =>
  'x'.repeat(((request.seed ?? 0) + outputIndex * 7) % 41)
/** Replies of 0..40 characters (one token each), a priced model that counts its prompt tokens. */
const counting = createFakeLanguageModel({
  tokenUnit: 'character',
  delayMs: 1,
  price,
  countsInputTokens: true,
  reply,
})
/** The same without `maxInputTokens`: budgets reserve core's byte bound for its prompts. */
const bounded = createFakeLanguageModel({ tokenUnit: 'character', delayMs: 1, price, reply })
const models: LanguageModel[] = [counting, bounded]

/** A scorer that runs its own model: one call, one input token per character scored. */
const ownModelScorer: Scorer = {
  specificationVersion: 'v1',
  name: 'own-model',
  kind: { outcome: true, process: false },
  async score(requests) {
    await new Promise((resolve) => setTimeout(resolve, 1))
    const inputTokens = requests.reduce((sum, r) => sum + r.prompt.length + r.output.length, 0)
    return {
      scores: requests.map(() => ({ value: 1 })),
      usage: { inputTokens, outputTokens: 0, calls: 1 },
    }
  },
  maxOwnUsage(requests) {
    const inputTokens = requests.reduce((sum, r) => sum + r.prompt.length + r.output.length, 0)
    return { inputTokens, calls: 1 }
  },
}

/** A judge that asks a priced model through the run context. */
const judgeScorer: Scorer = {
  specificationVersion: 'v1',
  name: 'judge',
  kind: { outcome: true, process: false },
  async score(requests, options) {
    const context = options?.context as RunContext
    let usage: Usage = emptyUsage()
    const scores = []
    for (const request of requests) {
      try {
        const result = await callModel(context, counting, {
          prompt: `grade ${request.output}`,
          maxTokens: 5,
        })
        usage = addUsage(usage, result.usage)
        scores.push({ value: result.outputs[0]?.text.length ?? 0 })
      } catch (error) {
        if (!BudgetExhaustedError.isInstance(error)) throw error
        scores.push({ value: undefined, error: error.message })
      }
    }
    return { scores, usage }
  },
}

function noteRefusal(error: unknown): boolean {
  if (!BudgetExhaustedError.isInstance(error)) return false
  refusals.set(error.limit, (refusals.get(error.limit) ?? 0) + 1)
  return true
}

/** A leaf: one model call (random model, prompt, n, maxTokens) or one scoring. */
function leaf(rng: Rng): TreeGenerator {
  const kind = rng.nextInt(4)
  const model = models[rng.nextInt(models.length)] as LanguageModel
  const n = 1 + rng.nextInt(3)
  const maxTokens = rng.nextInt(4) === 0 ? undefined : 1 + rng.nextInt(30)
  const prompt = 'p'.repeat(1 + rng.nextInt(30))
  return {
    name: 'leaf',
    async run(_input, context) {
      try {
        if (kind === 3) {
          const scorer = rng.nextInt(2) === 0 ? ownModelScorer : judgeScorer
          const result = await callScorer(context, scorer, [
            { prompt, output: 'answer one' },
            { prompt, output: 'answer two' },
          ])
          for (const score of result.scores) if (score.error) refusals.set('scorer', 1)
          return { output: { text: '' }, usage: result.usage }
        }
        const result = await callModel(context, model, { prompt, n, ...compact({ maxTokens }) })
        return { output: { text: result.outputs[0]?.text ?? '' }, usage: result.usage }
      } catch (error) {
        if (noteRefusal(error)) {
          return { output: { text: '' }, usage: emptyUsage(), stoppedBy: 'budget' }
        }
        throw error
      }
    },
  }
}

/** An inner node: 1..4 children run all at once or one after another. */
function tree(rng: Rng, depth: number): TreeGenerator {
  if (depth === 0 || rng.nextInt(3) === 0) return leaf(rng)
  const children = Array.from({ length: 1 + rng.nextInt(4) }, () => tree(rng, depth - 1))
  const concurrent = rng.nextInt(2) === 0
  return {
    name: concurrent ? 'all-at-once' : 'in-turn',
    async run(input, context) {
      const results = concurrent
        ? await Promise.all(
            children.map((child, index) => runChild(context, child, input, { label: index })),
          )
        : []
      if (!concurrent) {
        for (const [index, child] of children.entries()) {
          results.push(await runChild(context, child, input, { label: index }))
        }
      }
      return {
        output: { text: results.map((result) => result.output.text).join('|') },
        usage: addUsage(...results.map((result) => result.usage)),
      }
    },
  }
}

describe('reservation-based budgets (property)', () => {
  it('random nested generator trees under random budgets never exceed any token, call or cost limit', async () => {
    const rng = createRng(20261201)
    let limited = 0
    for (let trial = 0; trial < 80; trial++) {
      const generator = tree(rng, 3)
      const before = refused()
      const budget: Budget = {}
      if (rng.nextInt(3) === 0) budget.outputTokens = 1 + rng.nextInt(150)
      if (rng.nextInt(3) === 0) budget.inputTokens = 1 + rng.nextInt(300)
      if (rng.nextInt(4) === 0) budget.totalTokens = 1 + rng.nextInt(400)
      if (rng.nextInt(3) === 0) budget.calls = 1 + rng.nextInt(12)
      if (rng.nextInt(3) === 0) budget.costUsd = (1 + rng.nextInt(100)) * 1e-5
      const result = await run(
        generator,
        { prompt: 'p' },
        { budget, seed: trial, concurrency: 1 + rng.nextInt(8) },
      )
      const spent = result.charged
      const label = `trial ${trial}: ${JSON.stringify(budget)} spent ${JSON.stringify(spent)}`
      if (budget.outputTokens !== undefined) {
        expect(spent.outputTokens, label).toBeLessThanOrEqual(budget.outputTokens)
      }
      if (budget.inputTokens !== undefined) {
        expect(spent.inputTokens, label).toBeLessThanOrEqual(budget.inputTokens)
      }
      if (budget.totalTokens !== undefined) {
        expect(spent.inputTokens + spent.outputTokens, label).toBeLessThanOrEqual(
          budget.totalTokens,
        )
      }
      if (budget.calls !== undefined) {
        expect(spent.calls, label).toBeLessThanOrEqual(budget.calls)
      }
      if (budget.costUsd !== undefined) {
        // Costs are sums of floating-point products: allow rounding in the last digits.
        expect(spent.costUsd ?? 0, label).toBeLessThanOrEqual(budget.costUsd * (1 + 1e-12))
      }
      // The generators' own account agrees with what was charged.
      // (Costs summed in another order may differ in the last digits.)
      const { costUsd: ownCost, ...ownTokens } = result.usage
      const { costUsd: chargedCost, ...chargedTokens } = spent
      expect(ownTokens, label).toEqual(chargedTokens)
      expect(ownCost ?? 0, label).toBeCloseTo(chargedCost ?? 0, 15)
      if (refused() > before) limited++
    }
    // The budgets were tight enough to refuse calls in a good share of the trials, and every
    // kind of limit refused some.
    expect(limited).toBeGreaterThan(15)
    for (const limit of ['outputTokens', 'inputTokens', 'totalTokens', 'calls', 'costUsd']) {
      expect(refusals.get(limit) ?? 0, limit).toBeGreaterThan(0)
    }
  })
})
