// The tinymath step checker on hand-written solutions.
import { describe, expect, it } from 'vitest'
import {
  applyTinymathOperation,
  checkTinymathSolution,
  createTinymathStepChecker,
  extractQuestionNumbers,
  extractTinymathQuestion,
} from './tinymath-step-checker.js'

const question =
  'Ava has 23 apples. She buys 4 bags with 17 apples each. Then she ends up with three times as many apples. How many apples does Ava have now?'
const prompt = `Q: ${question}\nA:`

describe('checkTinymathSolution', () => {
  it('accepts a right solution', () => {
    const check = checkTinymathSolution({
      question,
      output: ' 4*17=68. 23+68=91. 91*3=273. The answer is 273.',
    })
    expect(check).toEqual({
      steps: [
        { text: '4*17=68.', correct: true, result: 68 },
        { text: '23+68=91.', correct: true, result: 91 },
        { text: '91*3=273.', correct: true, result: 273 },
      ],
      answer: 273,
      correct: true,
    })
  })

  it('rejects wrong arithmetic, invented numbers and a mismatched answer', () => {
    expect(
      checkTinymathSolution({ question, output: ' 4*17=69. The answer is 69.' }).reason,
    ).toMatch(/4\*17 is 68, not 69/)
    expect(
      checkTinymathSolution({ question, output: ' 5*17=85. The answer is 85.' }).reason,
    ).toMatch(/5 is neither in the question nor an earlier result/)
    expect(
      checkTinymathSolution({ question, output: ' 4*17=68. The answer is 91.' }).reason,
    ).toMatch(/answer 91 is not the last step's result 68/)
    expect(
      checkTinymathSolution({ question, output: ' 4*17=68. so. The answer is 68.' }).reason,
    ).toMatch(/not of the form/)
    expect(checkTinymathSolution({ question, output: ' 4*17=68.' }).reason).toMatch(
      /no "The answer is N."/,
    )
    expect(
      checkTinymathSolution({ question, output: ' 4*17=68. The answer is 68. 68+1=69.' }).reason,
    ).toMatch(/text after the answer/)
  })

  it('divides like Python // and rejects division by zero', () => {
    expect(applyTinymathOperation(7, '/', 2)).toBe(3)
    expect(applyTinymathOperation(-7, '/', 2)).toBe(-4)
    expect(applyTinymathOperation(7, '/', 0)).toBeUndefined()
    expect(
      checkTinymathSolution({ question: 'x has 7 and 0', output: ' 7/0=0. The answer is 0.' })
        .reason,
    ).toMatch(/division by zero/)
  })

  it('reads digits and number words of the question', () => {
    expect(extractQuestionNumbers(question)).toEqual([23, 4, 17, 3])
    expect(extractQuestionNumbers('Then he ends up with twice as many.')).toEqual([2])
    expect(extractTinymathQuestion(prompt)).toBe(question)
    expect(extractTinymathQuestion('no block 5')).toBe('no block 5')
  })
})

describe('createTinymathStepChecker', () => {
  it('scores outcome and cumulative process, partial solutions too, empty outputs unscorable', async () => {
    const checker = createTinymathStepChecker()
    const { scores, usage } = await checker.score([
      { prompt, output: ' 4*17=68. 23+68=91. 91*3=273. The answer is 273.' },
      { prompt, output: ' 4*17=68. 23+68=92. 92*3=276. The answer is 276.' },
      { prompt, output: ' 4*17=68. 23+68=91. 91*', partial: true },
      { prompt, output: ' 4*17=68. 23+68=91. 91*', partial: false },
      { prompt, output: '  ' },
    ])
    expect(scores[0]).toEqual({
      value: 1,
      steps: [
        { text: '4*17=68.', score: 1 },
        { text: '23+68=91.', score: 1 },
        { text: '91*3=273.', score: 1 },
      ],
    })
    expect(scores[1]?.value).toBe(0)
    expect(scores[1]?.steps?.map((step) => step.score)).toEqual([1, 0, 0])
    expect(scores[2]).toEqual({ value: 1, steps: [expect.anything(), expect.anything()] })
    expect(scores[3]?.value).toBe(0)
    expect(scores[4]).toEqual({ value: undefined, error: expect.stringMatching(/empty output/) })
    expect(usage.calls).toBe(0)
  })
})
