// A scripted step proposer and a table scorer for the semantic tests of the searches: which
// steps are sampled and how they score is fixed by the test, so that the expansions a search
// requests (who, how many) can be checked exactly.
import { emptyUsage, type Score } from '@metagen/core'
import { createFakeScorer, type FakeScorer } from '@metagen/core/testing'
import type { ProposeRequest, StepProposer, StepState } from './step-proposer.js'

/** The scripted proposer plus what it was asked. */
export interface ScriptedProposer extends StepProposer {
  /** Every propose call: the parents' texts and counts, in request order. */
  readonly calls: Array<Array<{ text: string; count: number }>>
  /** States released so far. */
  readonly released: Set<StepState>
}

/**
 * A proposer whose `k`-th sample from a parent (counted over the whole search, per parent
 * text) is the step `next(parentText, k)`. A step ending in `!` completes the solution (finish
 * `stop`), one ending in `~` is cut by a limit (finish `length`). Each step costs its length
 * in output tokens.
 */
export function createScriptedProposer(
  next: (parent: string, sample: number) => string,
): ScriptedProposer {
  const calls: ScriptedProposer['calls'] = []
  const released = new Set<StepState>()
  const samples = new Map<string, number>()
  const stateOf = (text: string, steps: string[], tokens: number, step: string): StepState => {
    const finishReason = step.endsWith('!') ? 'stop' : step.endsWith('~') ? 'length' : undefined
    return {
      text,
      steps,
      finished: finishReason !== undefined,
      finishReason,
      generatedTokens: tokens,
    }
  }
  return {
    name: 'scripted',
    calls,
    released,
    async start() {
      return { root: stateOf('', [], 0, ''), usage: emptyUsage() }
    },
    async propose(requests: readonly ProposeRequest[]) {
      calls.push(requests.map((request) => ({ text: request.state.text, count: request.count })))
      const results = requests.map((request) => ({
        children: Array.from({ length: request.count }, () => {
          const parent = request.state
          const index = samples.get(parent.text) ?? 0
          samples.set(parent.text, index + 1)
          const step = next(parent.text, index)
          const usage = { inputTokens: 0, outputTokens: step.length, calls: 0 }
          return {
            step,
            usage,
            state: stateOf(
              parent.text + step,
              [...parent.steps, step],
              parent.generatedTokens + step.length,
              step,
            ),
          }
        }),
      }))
      const outputTokens = results
        .flatMap((result) => result.children)
        .reduce((sum, child) => sum + child.usage.outputTokens, 0)
      return { results, usage: { inputTokens: 0, outputTokens, calls: 1 }, budgetLimited: false }
    },
    release(state) {
      released.add(state)
    },
  }
}

/**
 * A process scorer that gives a solution the table's score of its full text (as its value and
 * as the score of its last step; 0 for texts not in the table).
 */
export function createTableScorer(table: Readonly<Record<string, number>>): FakeScorer {
  return createFakeScorer({
    name: 'table',
    kind: { outcome: true, process: true },
    score: (request): Score => {
      const value = table[request.output] ?? 0
      return { value, steps: [{ text: request.output, score: value }] }
    },
    usage: () => ({ inputTokens: 0, outputTokens: 0, calls: 0 }),
  })
}
