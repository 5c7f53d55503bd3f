import { InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { selectMajority, selectWeightedVote, tallyVotes } from './tally-votes.js'

describe('selectMajority', () => {
  it('picks the most frequent answer and its earliest voter', () => {
    const result = selectMajority([
      { key: '3' },
      { key: '5' },
      { key: '5' },
      { key: '3' },
      { key: '5' },
    ])
    expect(result.key).toBe('5')
    expect(result.index).toBe(1)
    expect(result.tally.map((entry) => [entry.key, entry.count])).toEqual([
      ['5', 3],
      ['3', 2],
    ])
  })

  it('breaks ties by the answer seen first', () => {
    expect(selectMajority([{ key: 'b' }, { key: 'a' }, { key: 'a' }, { key: 'b' }]).key).toBe('b')
    expect(selectMajority([{ key: 'a' }, { key: 'b' }, { key: 'b' }, { key: 'a' }]).key).toBe('a')
  })

  it('ignores failed candidates and candidates without an answer', () => {
    const result = selectMajority([
      { key: '1', error: 'boom' },
      { key: '1', error: 'boom' },
      {},
      { key: '2' },
    ])
    expect(result.key).toBe('2')
    expect(result.index).toBe(3)
  })

  it('falls back to the first successful candidate when nobody votes, -1 when all failed', () => {
    expect(selectMajority([{ error: 'x' }, {}, {}])).toEqual({
      index: 1,
      key: undefined,
      tally: [],
    })
    expect(selectMajority([{ error: 'x' }]).index).toBe(-1)
    expect(selectMajority([]).index).toBe(-1)
  })
})

describe('selectWeightedVote', () => {
  it('sums scores per answer, so two confident votes beat three weak ones', () => {
    const result = selectWeightedVote([
      { key: '7', score: 0.2 },
      { key: '9', score: 0.9 },
      { key: '7', score: 0.2 },
      { key: '9', score: 0.8 },
      { key: '7', score: 0.2 },
    ])
    expect(result.key).toBe('9')
    expect(result.index).toBe(1)
    expect(result.tally[0]?.weight).toBeCloseTo(1.7)
    expect(result.tally[1]?.weight).toBeCloseTo(0.6)
  })

  it('returns the highest-scored voter of the winner, earliest on equal scores', () => {
    const result = selectWeightedVote([
      { key: 'a', score: 0.5 },
      { key: 'a', score: 0.7 },
      { key: 'a', score: 0.7 },
    ])
    expect(result.index).toBe(1)
  })

  it('breaks weight ties by the number of voters, e.g. when a 0/1 verifier passes nobody', () => {
    const result = selectWeightedVote([
      { key: 'p', score: 0 },
      { key: 'q', score: 0 },
      { key: 'q', score: 0 },
    ])
    expect(result.key).toBe('q')
    expect(result.index).toBe(1)
  })

  it('breaks weight and count ties by the answer seen first; unscored voters weigh 0', () => {
    const result = selectWeightedVote([
      { key: 'z' },
      { key: 'y', score: 0.5 },
      { key: 'x', score: 0.5 },
    ])
    expect(result.key).toBe('y')
    expect(result.index).toBe(1)
    expect(result.tally.map((entry) => entry.key)).toEqual(['y', 'x', 'z'])
  })

  it('rejects negative weights with a clear error and accepts a weight mapping', () => {
    expect(() => selectWeightedVote([{ key: 'a', score: -1.2 }])).toThrow(InvalidArgumentError)
    expect(() => selectWeightedVote([{ key: 'a', score: -1.2 }])).toThrow(/weight of candidate 0/)
    const mapped = selectWeightedVote(
      [
        { key: 'a', score: -3 },
        { key: 'b', score: -0.1 },
      ],
      Math.exp,
    )
    expect(mapped.key).toBe('b')
  })
})

describe('tallyVotes', () => {
  it('accepts custom weights per candidate', () => {
    const result = tallyVotes([{ key: 'a' }, { key: 'b' }], { weight: (_, index) => index + 1 })
    expect(result.key).toBe('b')
  })
})
