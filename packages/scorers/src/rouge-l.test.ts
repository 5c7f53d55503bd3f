// ROUGE-L against the published rouge-score test values.
import { describe, expect, it } from 'vitest'
import { rougeL, rougeLSimilarity } from './rouge-l.js'

// Reference values from Google's rouge-score tests: google-research/google-research,
// rouge/rouge_scorer_test.py (score(target, prediction)). The two "AgainstRouge155" cases use the
// first two lines of rouge/testdata/target.txt and rouge/testdata/prediction.txt, whose expected
// numbers come from the official ROUGE-1.5.5 Perl script (asserted there to 5 places).
const TARGET_0 =
  "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n"
const PREDICTION_0 =
  "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n"
const TARGET_1 =
  "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n"
const PREDICTION_1 =
  "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n"

describe('rougeL (rouge-score reference values)', () => {
  it('testRougeLConsecutive', () => {
    const score = rougeL('testing one', 'testing one two')
    expect(score.precision).toBeCloseTo(1, 10)
    expect(score.recall).toBeCloseTo(2 / 3, 10)
    expect(score.fmeasure).toBeCloseTo(4 / 5, 10)
  })

  it('testRougeLNonConsecutive', () => {
    const score = rougeL('testing two', 'testing one two')
    expect(score.precision).toBeCloseTo(1, 10)
    expect(score.recall).toBeCloseTo(2 / 3, 10)
    expect(score.fmeasure).toBeCloseTo(4 / 5, 10)
  })

  it('testRougeLAgainstRouge155', () => {
    const first = rougeL(PREDICTION_0, TARGET_0)
    expect(first.recall).toBeCloseTo(0.40741, 5)
    expect(first.precision).toBeCloseTo(0.6875, 5)
    expect(first.fmeasure).toBeCloseTo(0.51163, 5)
    const second = rougeL(PREDICTION_1, TARGET_1)
    expect(second.recall).toBeCloseTo(0.40476, 5)
    expect(second.precision).toBeCloseTo(0.65385, 5)
    expect(second.fmeasure).toBeCloseTo(0.5, 5)
  })

  it('testRougeEmpty: an empty prediction scores 0', () => {
    expect(rougeL('', 'testing one two')).toEqual({ precision: 0, recall: 0, fmeasure: 0 })
    expect(rougeLSimilarity('testing', '')).toBe(0)
  })
})
