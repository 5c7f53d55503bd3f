import { InvalidArgumentError } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { computeUtilityMatrix, selectMinimumBayesRisk } from './minimum-bayes-risk-selection.js'

const sameWordShare = (a: string, b: string) => {
  const left = new Set(a.split(' '))
  const right = b.split(' ')
  return right.filter((word) => left.has(word)).length / Math.max(left.size, right.length)
}

describe('computeUtilityMatrix', () => {
  it('evaluates each distinct pair once', () => {
    let calls = 0
    const utility = (a: string, b: string) => {
      calls++
      return a === b ? 1 : 0
    }
    const texts = ['x', 'y', 'x', 'x']
    const matrix = computeUtilityMatrix(texts, texts, utility)
    expect(matrix.values).toEqual([
      [1, 0, 1, 1],
      [0, 1, 0, 0],
      [1, 0, 1, 1],
      [1, 0, 1, 1],
    ])
    expect(matrix.evaluations).toBe(4)
    expect(calls).toBe(4)
    expect(computeUtilityMatrix(texts, texts, utility, { symmetric: true }).evaluations).toBe(3)
  })

  it('keeps the order of arguments for asymmetric utilities', () => {
    const matrix = computeUtilityMatrix(['ab'], ['a'], (h, r) => h.length - r.length)
    expect(matrix.values).toEqual([[1]])
  })

  it('rejects non-finite utilities', () => {
    expect(() => computeUtilityMatrix(['a'], ['b'], () => Number.NaN)).toThrow(InvalidArgumentError)
  })
})

describe('selectMinimumBayesRisk', () => {
  it('chooses the hypothesis closest to the others (the consensus)', () => {
    const texts = ['the cat sat', 'the cat sat down', 'a dog ran', 'the cat sat']
    const matrix = computeUtilityMatrix(texts, texts, sameWordShare)
    const selection = selectMinimumBayesRisk(matrix.values, { excludeSelf: true })
    expect(selection.index).toBe(0)
    expect(selection.expectedUtilities[2]).toBe(0)
  })

  it('breaks ties by the earliest hypothesis', () => {
    expect(
      selectMinimumBayesRisk([
        [0, 1],
        [1, 0],
      ]).index,
    ).toBe(0)
  })

  it('leaves out the diagonal with excludeSelf', () => {
    const values = [
      [10, 0, 0],
      [0, 1, 1],
      [0, 1, 1],
    ]
    expect(selectMinimumBayesRisk(values).index).toBe(0)
    expect(selectMinimumBayesRisk(values, { excludeSelf: true }).index).toBe(1)
  })

  it('weights references and skips excluded hypotheses', () => {
    const values = [
      [1, 0],
      [0, 1],
    ]
    expect(selectMinimumBayesRisk(values, { referenceWeights: [0.2, 0.8] }).index).toBe(1)
    const excluded = selectMinimumBayesRisk(values, { excluded: new Set([0]) })
    expect(excluded.index).toBe(1)
    expect(excluded.expectedUtilities[0]).toBe(Number.NEGATIVE_INFINITY)
    expect(() => selectMinimumBayesRisk(values, { referenceWeights: [1] })).toThrow(
      /referenceWeights/,
    )
  })
})
