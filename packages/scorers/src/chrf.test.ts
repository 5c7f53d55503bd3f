// chrF against the published sacrebleu test values.
import { describe, expect, it } from 'vitest'
import { chrF } from './chrf.js'

// Reference values from sacrebleu's own test suite: mjpost/sacrebleu, test/test_chrf.py
// (scores on the 0-100 scale, tolerance 1e-4 there).
describe('chrF (sacrebleu reference values)', () => {
  it.each([
    // test_chrf_sentence_level: sentence_chrf(..., eps_smoothing=True), beta 2
    [
      'Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.',
      'Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.',
      39.14078509,
    ],
    [
      'Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.',
      'A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.',
      31.22557079,
    ],
    [
      'Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.',
      'Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.',
      57.15704367,
    ],
  ])('sentence level, epsilon smoothing: %s', (hypothesis, reference, expected) => {
    expect(
      Math.abs(chrF(hypothesis, reference, { smoothing: 'epsilon' }) * 100 - expected),
    ).toBeLessThan(1e-4)
  })

  it.each([
    // test_chrf: corpus_chrf(..., char_order=6, word_order=0, beta=3, eps_smoothing=True), one segment
    ['abcdefg', 'hijklmnop', 0.0],
    ['a', 'b', 0.0],
    ['', 'b', 0.0],
    ['aa', 'ab', 8.3333],
    ['a', 'a', 16.6667],
    ['a b c', 'a b c', 50.0],
    ['a b c', 'abc', 50.0],
    [
      ' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
      63.36173,
    ],
    [
      ' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. ',
      'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.',
      64.1302698,
    ],
  ])('beta 3, epsilon smoothing: %j vs %j', (hypothesis, reference, expected) => {
    const score = chrF(hypothesis, reference, { beta: 3, smoothing: 'epsilon' })
    expect(Math.abs(score * 100 - expected)).toBeLessThan(1e-4)
  })

  it.each([
    // test_chrf_eff_order: eps_smoothing=False (sacrebleu's default), beta 3
    ['a', 'a', 100.0],
    ['', 'reference', 0.0],
    ['a b c', 'a b c', 100.0],
    ['a b c', 'abc', 100.0],
    ['aa', 'ab', 25.0],
  ])('beta 3, effective order: %j vs %j', (hypothesis, reference, expected) => {
    expect(Math.abs(chrF(hypothesis, reference, { beta: 3 }) * 100 - expected)).toBeLessThan(1e-4)
  })

  it.each([
    // test_chrf_keep_whitespace: remove_whitespace=False, beta 3
    [
      'Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.',
      'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.',
      67.3481606,
    ],
    [
      'risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
      65.2414427,
    ],
  ])('beta 3, whitespace kept: %s', (hypothesis, reference, expected) => {
    const score = chrF(hypothesis, reference, { beta: 3, removeWhitespace: false })
    expect(Math.abs(score * 100 - expected)).toBeLessThan(1e-4)
  })

  it('rejects bad options', () => {
    expect(() => chrF('a', 'a', { beta: 0 })).toThrow(/beta/)
    expect(() => chrF('a', 'a', { charOrder: 1.5 })).toThrow(/charOrder/)
  })
})
