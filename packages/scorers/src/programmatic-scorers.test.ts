// Exact-answer, regex and function scorers.
import { describe, expect, it } from 'vitest'
import { createExactAnswerScorer } from './exact-answer-scorer.js'
import { createFunctionScorer } from './function-scorer.js'
import { createRegexScorer } from './regex-scorer.js'

const extractAnswer = (text: string) => /The answer is (-?\d+)\./.exec(text)?.[1]

describe('createExactAnswerScorer', () => {
  it('compares the extracted answer with the reference, numbers canonically', async () => {
    const scorer = createExactAnswerScorer({
      extractAnswer,
      references: new Map<string, string | number>([
        ['q1', 91],
        ['q2', '007'],
      ]),
    })
    const { scores } = await scorer.score([
      { prompt: 'q1', output: ' 23+68=91. The answer is 91.' },
      { prompt: 'q1', output: ' The answer is 90.' },
      { prompt: 'q1', output: ' no answer here' },
      { prompt: 'q2', output: 'The answer is 7.' },
      { prompt: 'q3', output: 'The answer is 7.' },
      { prompt: 'q1', output: '' },
    ])
    expect(scores.map((score) => score.value)).toEqual([1, 0, 0, 1, undefined, undefined])
    expect(scores[4]?.error).toMatch(/no reference answer/)
    expect(scores[5]?.error).toMatch(/empty output/)
  })

  it('compares answers by the normaliseAnswer rule of @metagen/core', async () => {
    const scorer = createExactAnswerScorer({
      extractAnswer: (text) => /Answer: (.*)/.exec(text)?.[1],
      references: new Map<string, string | number>([
        ['money', 1234],
        ['city', 'Paris'],
      ]),
    })
    const { scores } = await scorer.score([
      { prompt: 'money', output: 'Answer:  $1,234.0. ' },
      { prompt: 'city', output: 'Answer: paris.' },
      { prompt: 'money', output: 'Answer: 1,23,4' },
    ])
    expect(scores.map((score) => score.value)).toEqual([1, 1, 0])
  })

  it('rejects missing options', () => {
    expect(() => createExactAnswerScorer({ extractAnswer, references: {} as never })).toThrow(
      /references/,
    )
  })
})

describe('createRegexScorer and createFunctionScorer', () => {
  it('regex: 1 on a match, 0 otherwise, inverted on request', async () => {
    const requests = [
      { prompt: 'p', output: 'The answer is 4.' },
      { prompt: 'p', output: 'no' },
    ]
    const plain = await createRegexScorer({ pattern: /answer is \d+/g }).score(requests)
    expect(plain.scores.map((score) => score.value)).toEqual([1, 0])
    const again = await createRegexScorer({ pattern: /answer is \d+/g }).score(requests)
    expect(again.scores.map((score) => score.value)).toEqual([1, 0])
    const inverted = await createRegexScorer({ pattern: /answer/, invert: true }).score(requests)
    expect(inverted.scores.map((score) => score.value)).toEqual([0, 1])
  })

  it('function: numbers, booleans and Scores; NaN and throws become errors', async () => {
    const scorer = createFunctionScorer({
      score: async ({ output }) => {
        if (output === 'nan') return Number.NaN
        if (output === 'throw') throw new Error('boom')
        if (output === 'bool') return true
        if (output === 'score') return { value: 0.5, steps: [{ text: 'a', score: 1 }] }
        return output.length
      },
    })
    const { scores } = await scorer.score(
      ['nan', 'throw', 'bool', 'score', 'four'].map((output) => ({ prompt: 'p', output })),
    )
    expect(scores).toEqual([
      { value: undefined, error: 'scoring function returned NaN' },
      { value: undefined, error: 'scoring function failed: boom' },
      { value: 1 },
      { value: 0.5, steps: [{ text: 'a', score: 1 }] },
      { value: 4 },
    ])
  })
})
