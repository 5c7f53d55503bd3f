// Property test of reservation-based budgets: random trees of nested, concurrent generators
// (seeded) under random budgets never charge more output tokens or calls than the budget allows.
import { compact } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import type { Budget } from './budget.js'
import { BudgetExhaustedError } from './errors.js'
import type { Generator, TextInput, TextOutput } from './generator.js'
import { createRng, type Rng } from './rng.js'
import { run } from './run.js'
import { callModel, runChild } from './run-context.js'
import { createFakeLanguageModel } from './testing/fake-language-model.js'
import { addUsage, emptyUsage } from './usage.js'

type TreeGenerator = Generator<TextInput, TextOutput>

/** Calls refused for lack of budget so far. */
let refusals = 0

/** A model whose replies have 0..40 characters (one token each), with small random delays. */
const model = createFakeLanguageModel({
  tokenUnit: 'character',
  delayMs: 1,
  reply: ({ request, outputIndex }) => 'x'.repeat(((request.seed ?? 0) + outputIndex * 7) % 41),
})

/** A leaf: one model call with a random n and maxTokens; a refused call ends it with no output. */
function leaf(rng: Rng): TreeGenerator {
  const n = 1 + rng.nextInt(3)
  const maxTokens = rng.nextInt(4) === 0 ? undefined : 1 + rng.nextInt(30)
  return {
    name: 'leaf',
    async run(input, context) {
      try {
        const result = await callModel(context, model, {
          prompt: input.prompt ?? '',
          n,
          ...compact({ maxTokens }),
        })
        return { output: { text: result.outputs[0]?.text ?? '' }, usage: result.usage }
      } catch (error) {
        if (BudgetExhaustedError.isInstance(error)) {
          refusals++
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
  it('random nested generator trees under random budgets never exceed a token or call limit', async () => {
    const rng = createRng(20261201)
    let limited = 0
    for (let trial = 0; trial < 60; trial++) {
      const generator = tree(rng, 3)
      const before = refusals
      const budget: Budget = {}
      if (rng.nextInt(4) !== 0) budget.outputTokens = 1 + rng.nextInt(150)
      if (rng.nextInt(2) === 0) budget.calls = 1 + rng.nextInt(12)
      const result = await run(
        generator,
        { prompt: 'p' },
        { budget, seed: trial, concurrency: 1 + rng.nextInt(8) },
      )
      const label = `trial ${trial}: ${JSON.stringify(budget)} spent ${JSON.stringify(result.charged)}`
      if (budget.outputTokens !== undefined) {
        expect(result.charged.outputTokens, label).toBeLessThanOrEqual(budget.outputTokens)
      }
      if (budget.calls !== undefined) {
        expect(result.charged.calls, label).toBeLessThanOrEqual(budget.calls)
      }
      // The generators' own account agrees with what was charged.
      expect(result.usage, label).toEqual(result.charged)
      if (refusals > before) limited++
    }
    // The budgets were tight enough to refuse calls in a good share of the trials.
    expect(limited).toBeGreaterThan(10)
  })
})
