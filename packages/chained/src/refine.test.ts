import {
  createRunContext,
  emptyUsage,
  type Generator,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { describe, expect, it } from 'vitest'
import type { Critic } from './critique.js'
import { refine } from './refine.js'

/** A generator that answers the next text of `texts` on each run (attempt, then revisions). */
function scripted(texts: readonly string[]): Generator<TextInput, TextOutput> {
  let next = 0
  return {
    name: 'scripted',
    async run() {
      return { output: { text: texts[next++] ?? '' }, usage: emptyUsage() }
    },
  }
}

/** A critic that never accepts and scores each attempt by the table. */
function tableCritic(scores: Readonly<Record<string, number>>): Critic {
  return {
    name: 'table-critic',
    async run(input) {
      const score = scores[input.attempt.text]
      return {
        output: { done: false, feedback: 'again', ...(score === undefined ? {} : { score }) },
        usage: emptyUsage(),
      }
    },
  }
}

function refineOver(texts: readonly string[], scores: Readonly<Record<string, number>>) {
  const attempts = scripted(texts)
  return refine({
    generator: attempts,
    reviser: attempts,
    critic: tableCritic(scores),
    revise: (state) => ({ input: state.input, prefix: '' }),
    maxRounds: texts.length - 1,
  })
}

describe('refine attempt selection', () => {
  it('answers with the best-scored attempt', async () => {
    const { output } = await refineOver(['a', 'b', 'c'], { a: 0.2, b: 0.9, c: 0.5 }).run(
      { prompt: 'p' },
      createRunContext(),
    )
    expect(output.text).toBe('b')
    expect(output.stopReason).toBe('max-rounds')
  })

  it('gives ties to the later attempt', async () => {
    const { output } = await refineOver(['a', 'b', 'c'], { a: 0.5, b: 0.7, c: 0.7 }).run(
      { prompt: 'p' },
      createRunContext(),
    )
    expect(output.text).toBe('c')
    const equal = await refineOver(['x', 'y'], { x: 1, y: 1 }).run(
      { prompt: 'p' },
      createRunContext(),
    )
    expect(equal.output.text).toBe('y')
  })
})
