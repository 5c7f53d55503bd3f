// Sentence BLEU against the published sacrebleu test values.
import { compact } from '@metagen/core'
import { describe, expect, it } from 'vitest'
import { bleuSimilarity, sentenceBleu, tokenize13a } from './sentence-bleu.js'

// Reference values from sacrebleu's own test suite: mjpost/sacrebleu, test/test_sentence_bleu.py
// (example from sacrebleu issue #98; expected scores on the 0-100 scale, tolerance 1e-3 there).
const REF = 'producţia de zahăr brut se exprimă în zahăr alb;'
const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;'

describe('sentenceBleu (sacrebleu reference values)', () => {
  it.each([
    ['exp', undefined, 8.493],
    ['none', undefined, 0.0],
    ['floor', undefined, 4.51688],
    ['floor', 0.1, 4.51688],
    ['floor', 0.5, 10.1],
    ['add-k', undefined, 14.882],
    ['add-k', 1, 14.882],
    ['add-k', 2, 21.389],
  ] as const)('smoothing %s value %s gives %d', (smoothing, smoothValue, expected) => {
    const score = sentenceBleu(SYS, [REF], {
      smoothing,
      ...compact({ smoothValue }),
    })
    expect(Math.abs(score * 100 - expected)).toBeLessThan(1e-3)
  })

  it('tokenize none gives 7.347 (same file)', () => {
    expect(Math.abs(sentenceBleu(SYS, REF, { tokenize: 'none' }) * 100 - 7.347)).toBeLessThan(1e-3)
  })

  it('is 0 without any unigram match (sacrebleu issue #141, same file)', () => {
    for (const smoothing of ['exp', 'none', 'floor', 'add-k'] as const) {
      expect(sentenceBleu('this is a cat', 'okay thanks', { smoothing })).toBe(0)
    }
  })

  it('is 1 for identical sentences and in [0, 1] otherwise', () => {
    expect(bleuSimilarity('the cat sat on the mat .', 'the cat sat on the mat .')).toBeCloseTo(
      1,
      12,
    )
    const score = bleuSimilarity('the cat sat on a mat', 'the cat sat on the mat')
    expect(score).toBeGreaterThan(0)
    expect(score).toBeLessThan(1)
  })

  it('tokenises like mteval-v13a', () => {
    expect(tokenize13a('Hello, world! 3.14 and 1,000-2 (x)')).toEqual([
      'Hello',
      ',',
      'world',
      '!',
      '3.14',
      'and',
      '1,000',
      '-',
      '2',
      '(',
      'x',
      ')',
    ])
  })

  it('rejects bad options', () => {
    expect(() => sentenceBleu('a', [])).toThrow(/references/)
    expect(() => sentenceBleu('a', 'a', { maxOrder: 0 })).toThrow(/maxOrder/)
    expect(() => sentenceBleu('a', 'a', { smoothing: 'bogus' as never })).toThrow(/smoothing/)
  })
})
