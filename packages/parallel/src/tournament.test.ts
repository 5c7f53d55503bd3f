// Tournament selection over a scripted sample model and a scripted pairwise judge model: pins the
// knockout bracket (byes, pairings, advancement), round-robin points, failed matches and budget.
import {
  createCollectingTraceSink,
  createRunContext,
  type TextInput,
  UnsupportedCapabilityError,
} from '@metagen/core'
import { createFakeLanguageModel } from '@metagen/core/testing'
import { createPairwiseJudge } from '@metagen/scorers'
import { describe, expect, it } from 'vitest'
import { pairKnockoutRound, tournament } from './tournament.js'

const input: TextInput = { prompt: 'Q: pick a big number\nA:' }

/** The i-th sample answers `answers[i]`. */
function scripted(answers: readonly number[]) {
  return createFakeLanguageModel({
    reply: ({ sampleIndex }) => `step ${sampleIndex}. The answer is ${answers[sampleIndex]}.`,
  })
}

const answerOf = (text: string) => Number(/The answer is (\d+)\./.exec(text)?.[1])

/**
 * A judge model that prefers the larger answer ([[C]] on equal answers) and replies without a
 * verdict when either side answers one of `undecidable`.
 */
function largerAnswerJudge(undecidable: readonly number[] = []) {
  return createFakeLanguageModel({
    reply: ({ prompt }) => {
      const a = answerOf(/Response A:\n(.*)\n/.exec(prompt)?.[1] ?? '')
      const b = answerOf(/Response B:\n(.*)\n/.exec(prompt)?.[1] ?? '')
      if (undecidable.includes(a) || undecidable.includes(b)) return 'I cannot tell.'
      return a > b ? 'A wins [[A]]' : b > a ? 'B wins [[B]]' : 'even [[C]]'
    },
  })
}

describe('pairKnockoutRound', () => {
  it('gives the first 2P - m entrants a bye and pairs the rest in order', () => {
    expect(pairKnockoutRound([0, 1, 2, 3, 4, 5])).toEqual({
      byes: [0, 1],
      pairs: [
        [2, 3],
        [4, 5],
      ],
    })
    expect(pairKnockoutRound([0, 1, 2, 3, 4])).toEqual({ byes: [0, 1, 2], pairs: [[3, 4]] })
    expect(pairKnockoutRound([7, 8, 9, 10])).toEqual({
      byes: [],
      pairs: [
        [7, 8],
        [9, 10],
      ],
    })
    expect(pairKnockoutRound([4, 2, 6])).toEqual({ byes: [4], pairs: [[2, 6]] })
  })
})

describe('tournament: knockout', () => {
  it('plays the seeded bracket with byes: n - 1 matches, one judge call each', async () => {
    const judgeModel = largerAnswerJudge()
    const judge = createPairwiseJudge({ model: judgeModel })
    const trace = createCollectingTraceSink()
    const context = createRunContext({ trace })
    const { output, usage } = await tournament({
      model: scripted([3, 9, 1, 7, 5, 2]),
      n: 6,
      judge,
    }).run(input, context)
    // round 0: 0 and 1 get byes; 1 v 7 -> #3, 5 v 2 -> #4; round 1: 3 v 9 -> #1, 7 v 5 -> #3;
    // final: 9 v 7 -> #1
    expect(output.matches).toEqual([
      { round: 0, first: 2, second: 3, preference: 'second', winner: 3 },
      { round: 0, first: 4, second: 5, preference: 'first', winner: 4 },
      { round: 1, first: 0, second: 1, preference: 'second', winner: 1 },
      { round: 1, first: 3, second: 4, preference: 'first', winner: 3 },
      { round: 2, first: 1, second: 3, preference: 'first', winner: 1 },
    ])
    expect(output.text).toBe('step 1. The answer is 9.')
    expect(output.mode).toBe('knockout')
    expect(output.points).toBeUndefined()
    expect(judgeModel.requests).toHaveLength(5)
    // one sampling call (nativeN) + five judge calls, charged to the run and reported
    expect(context.budget.spent.calls).toBe(6)
    expect(usage.calls).toBe(6)
    expect(trace.events.find((event) => event.name === 'tournament')?.data?.chosen).toBe(1)
  })

  it('with a swapping judge, a position-biased judge becomes ties and the earlier entrant advances', async () => {
    const judgeModel = createFakeLanguageModel({ reply: 'The first one. [[A]]' })
    const judge = createPairwiseJudge({ model: judgeModel, swap: true })
    const { output } = await tournament({ model: scripted([1, 2, 3, 4]), n: 4, judge }).run(
      input,
      createRunContext(),
    )
    expect(output.matches.map((match) => [match.preference, match.winner])).toEqual([
      ['tie', 0],
      ['tie', 2],
      ['tie', 0],
    ])
    expect(output.text).toBe('step 0. The answer is 1.')
    expect(judgeModel.requests).toHaveLength(6)
  })

  it('a match without a verdict advances the earlier entrant and keeps the other matches', async () => {
    const judge = createPairwiseJudge({ model: largerAnswerJudge([5]) })
    const { output } = await tournament({ model: scripted([5, 9, 1, 2]), n: 4, judge }).run(
      input,
      createRunContext(),
    )
    expect(output.matches[0]).toMatchObject({ first: 0, second: 1, winner: 0 })
    expect(output.matches[0]?.preference).toBeUndefined()
    expect(output.matches[0]?.error).toMatch(/verdict|unparseable/i)
    expect(output.matches[1]).toEqual({
      round: 0,
      first: 2,
      second: 3,
      preference: 'second',
      winner: 3,
    })
    expect(output.matches[2]).toMatchObject({ round: 1, first: 0, second: 3, winner: 0 })
    expect(output.text).toBe('step 0. The answer is 5.')
  })

  it('failed samples do not enter; one successful sample wins without a judge call', async () => {
    const model = createFakeLanguageModel({
      reply: ({ sampleIndex }) =>
        sampleIndex === 1 ? 'The answer is 4.' : new Error(`boom ${sampleIndex}`),
    })
    const judgeModel = largerAnswerJudge()
    const { output } = await tournament({
      model,
      n: 3,
      judge: createPairwiseJudge({ model: judgeModel }),
    }).run(input, createRunContext())
    expect(output.text).toBe('The answer is 4.')
    expect(output.matches).toEqual([])
    expect(judgeModel.requests).toHaveLength(0)
  })

  it('stops judging when the budget runs out: later rounds are not played', async () => {
    const judgeModel = largerAnswerJudge()
    const context = createRunContext({ budget: { calls: 3 } })
    const result = await tournament({
      model: scripted([1, 2, 3, 4]),
      n: 4,
      judge: createPairwiseJudge({ model: judgeModel }),
    }).run(input, context)
    expect(context.budget.spent.calls).toBe(3)
    expect(judgeModel.requests).toHaveLength(2)
    expect(result.stoppedBy).toBe('budget')
    expect(result.output.matches[2]).toMatchObject({
      round: 1,
      first: 1,
      second: 3,
      winner: 1,
      error: 'budget exhausted',
    })
  })
})

describe('tournament: round-robin', () => {
  it('plays every pair once and picks the most points, ties to the earliest sample', async () => {
    const judgeModel = largerAnswerJudge()
    const { output, usage } = await tournament({
      model: scripted([1, 3, 2, 3]),
      n: 4,
      mode: 'round-robin',
      judge: createPairwiseJudge({ model: judgeModel }),
    }).run(input, createRunContext())
    expect(
      output.matches.map(({ first, second, preference }) => [first, second, preference]),
    ).toEqual([
      [0, 1, 'second'],
      [0, 2, 'second'],
      [0, 3, 'second'],
      [1, 2, 'first'],
      [1, 3, 'tie'],
      [2, 3, 'second'],
    ])
    expect(output.points).toEqual([0, 2.5, 1, 2.5])
    expect(output.text).toBe('step 1. The answer is 3.')
    expect(usage.calls).toBe(1 + 6)
  })

  it('a failed match gives no points and the others count; failed samples get null', async () => {
    const model = createFakeLanguageModel({
      reply: ({ sampleIndex }) =>
        sampleIndex === 3 ? new Error('sample failed') : `The answer is ${[5, 9, 1][sampleIndex]}.`,
    })
    const { output } = await tournament({
      model,
      n: 4,
      mode: 'round-robin',
      judge: createPairwiseJudge({ model: largerAnswerJudge([9]) }),
    }).run(input, createRunContext())
    // every match of #1 (answer 9) has no verdict: 5 v 9 none, 5 v 1 -> #0, 9 v 1 none
    expect(output.matches.map((match) => match.preference)).toEqual([undefined, 'first', undefined])
    expect(output.matches.filter((match) => match.error !== undefined)).toHaveLength(2)
    expect(output.points).toEqual([1, 0, 0, null])
    expect(output.text).toBe('The answer is 5.')
  })
})

describe('tournament: a judge that never gives a verdict', () => {
  for (const mode of ['knockout', 'round-robin'] as const) {
    it(`throws a clear error when the judge replies to every match without a verdict (${mode})`, async () => {
      for (const reply of ['', 'Q: 4*17=68. A: 68.']) {
        const judgeModel = createFakeLanguageModel({ reply: () => reply })
        const run = tournament({
          model: scripted([1, 2, 3, 4]),
          n: 4,
          mode,
          judge: createPairwiseJudge({ model: judgeModel }),
        }).run(input, createRunContext())
        const matches = mode === 'knockout' ? 3 : 6
        await expect(run).rejects.toThrow(UnsupportedCapabilityError)
        await expect(run).rejects.toThrow(
          new RegExp(`all ${matches} matches without a parseable verdict`),
        )
        await expect(run).rejects.toThrow(/judgeBy: 'likelihood'.*--judge-by likelihood/)
        await expect(run).rejects.toThrow(
          reply === '' ? /every reply was empty/ : /it replied "Q: 4\*17=68\. A: 68\."/,
        )
        // Every match was sent to the judge before the verdicts were counted.
        expect(judgeModel.requests).toHaveLength(matches)
      }
    })
  }

  it('a partial loss of verdicts still picks a winner, and so does a run stopped by the budget', async () => {
    // Matches with a 5 get no verdict, the others do.
    const judge = createPairwiseJudge({ model: largerAnswerJudge([5]) })
    const { output } = await tournament({
      model: scripted([5, 9, 1, 5]),
      n: 4,
      mode: 'round-robin',
      judge,
    }).run(input, createRunContext())
    expect(output.matches.filter((match) => match.preference === undefined)).toHaveLength(5)
    expect(output.matches.filter((match) => match.reply === 'I cannot tell.')).toHaveLength(5)
    expect(output.text).toBe('step 1. The answer is 9.')

    const silent = createFakeLanguageModel({ reply: () => '' })
    // One sampling call and the two first-round matches, then the budget is spent.
    const context = createRunContext({ budget: { calls: 3 } })
    const result = await tournament({
      model: scripted([1, 2, 3, 4]),
      n: 4,
      judge: createPairwiseJudge({ model: silent }),
    }).run(input, context)
    expect(result.stoppedBy).toBe('budget')
    expect(result.output.matches.every((match) => match.preference === undefined)).toBe(true)
  })
})

describe('tournament: bad input', () => {
  const model = scripted([1, 2])
  const judge = createPairwiseJudge({ model: largerAnswerJudge() })

  it('rejects n < 2, a non-integer n and an unknown mode, naming the option', () => {
    expect(() => tournament({ model, judge, n: 1 })).toThrow(/options\.n: expected an integer >= 2/)
    expect(() => tournament({ model, judge, n: 2.5 })).toThrow(/options\.n/)
    expect(() => tournament({ model, judge, mode: 'swiss' as never })).toThrow(
      /options\.mode: expected .*knockout.*round-robin/,
    )
  })

  it('rejects a missing judge', () => {
    expect(() => tournament({ model } as never)).toThrow(/options\.judge: expected a PairwiseJudge/)
  })
})
