import { describe, expect, it } from 'vitest'
import { loadDevSet } from './dev-set.js'
import { extractAnswer, formatPrompt, formatSolution, isCorrect } from './format.js'

describe('tinymath format', () => {
  it('formats prompts and solutions like the model card', () => {
    expect(formatPrompt('Ava has 23 apples. How many apples does Ava have now?')).toBe(
      'Q: Ava has 23 apples. How many apples does Ava have now?\nA:',
    )
    expect(formatSolution({ steps: ['4*17=68', '23+68=91'], answer: 91 })).toBe(
      ' 4*17=68. 23+68=91. The answer is 91.',
    )
    expect(() => formatPrompt('  ')).toThrow(/question/)
  })

  it('extracts and checks answers', () => {
    expect(extractAnswer(' 4*17=68. The answer is 68.')).toBe('68')
    expect(extractAnswer('The answer is -3.')).toBe('-3')
    expect(extractAnswer('The answer is 68')).toBeUndefined()
    expect(isCorrect('The answer is 68.', 68)).toBe(true)
    expect(isCorrect('The answer is 67.', 68)).toBe(false)
  })

  it('loads the 300 dev problems, 60 per number of operations, whose gold solutions check', async () => {
    const problems = await loadDevSet()
    expect(problems).toHaveLength(300)
    for (let operations = 1; operations <= 5; operations++) {
      expect(problems.filter((problem) => problem.n_ops === operations)).toHaveLength(60)
    }
    for (const problem of problems)
      expect(isCorrect(formatSolution(problem), problem.answer)).toBe(true)
  })
})
