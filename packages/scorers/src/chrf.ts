// MBR utility: chrF (Popović 2015) as computed by sacrebleu 2.x: character n-gram F-beta,
// whitespace removed, scaled to [0, 1].
import { InvalidArgumentError } from '@metagen/core'

/** Options of {@link chrF}. */
export interface ChrFOptions {
  /** Highest character n-gram order, an integer >= 1 (default 6). */
  charOrder?: number
  /** Recall weight beta > 0 (default 2: chrF2). */
  beta?: number
  /**
   * `effective-order` (default, sacrebleu's default): average precision and recall over the
   * orders both sides have n-grams of, then F-beta. `epsilon`: F-beta per order with 1e-16 for
   * empty orders, averaged over all orders (chrF++.py, NLTK and Moses; sacrebleu `eps_smoothing=True`).
   */
  smoothing?: 'effective-order' | 'epsilon'
  /** Remove whitespace before extracting n-grams (default true). */
  removeWhitespace?: boolean
}

function characterNgrams(characters: readonly string[], order: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (let start = 0; start + order <= characters.length; start++) {
    const key = characters.slice(start, start + order).join('')
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/** chrF of `hypothesis` against `reference`, in [0, 1] (sacrebleu's score / 100). */
export function chrF(hypothesis: string, reference: string, options: ChrFOptions = {}): number {
  const charOrder = options.charOrder ?? 6
  if (!Number.isInteger(charOrder) || charOrder < 1) {
    throw new InvalidArgumentError({
      argument: 'charOrder',
      expected: 'an integer >= 1',
      received: charOrder,
    })
  }
  const beta = options.beta ?? 2
  if (typeof beta !== 'number' || !(beta > 0) || !Number.isFinite(beta)) {
    throw new InvalidArgumentError({
      argument: 'beta',
      expected: 'a finite number > 0',
      received: beta,
    })
  }
  const smoothing = options.smoothing ?? 'effective-order'
  if (smoothing !== 'effective-order' && smoothing !== 'epsilon') {
    throw new InvalidArgumentError({
      argument: 'smoothing',
      expected: "'effective-order' or 'epsilon'",
      received: smoothing,
    })
  }
  const prepare = (text: string) =>
    Array.from((options.removeWhitespace ?? true) ? text.replace(/\s+/g, '') : text)
  const hypothesisCharacters = prepare(hypothesis)
  const referenceCharacters = prepare(reference)
  const epsilon = 1e-16
  const factor = beta * beta
  let epsilonScore = 0
  let precisionSum = 0
  let recallSum = 0
  let effectiveOrder = 0
  for (let order = 1; order <= charOrder; order++) {
    const hypothesisCounts = characterNgrams(hypothesisCharacters, order)
    const referenceCounts = characterNgrams(referenceCharacters, order)
    let hypothesisTotal = 0
    let matches = 0
    for (const [key, count] of hypothesisCounts) {
      hypothesisTotal += count
      matches += Math.min(count, referenceCounts.get(key) ?? 0)
    }
    let referenceTotal = 0
    for (const count of referenceCounts.values()) referenceTotal += count
    const precision = hypothesisTotal > 0 ? matches / hypothesisTotal : epsilon
    const recall = referenceTotal > 0 ? matches / referenceTotal : epsilon
    const denominator = factor * precision + recall
    epsilonScore += denominator > 0 ? ((1 + factor) * precision * recall) / denominator : epsilon
    if (hypothesisTotal > 0 && referenceTotal > 0) {
      precisionSum += precision
      recallSum += recall
      effectiveOrder++
    }
  }
  if (smoothing === 'epsilon') return epsilonScore / charOrder
  if (effectiveOrder === 0) return 0
  const precision = precisionSum / effectiveOrder
  const recall = recallSum / effectiveOrder
  if (precision + recall === 0) return 0
  return ((1 + factor) * precision * recall) / (factor * precision + recall)
}

/** {@link chrF} with default options as a TextSimilarity (second argument = reference). */
export function chrFSimilarity(candidate: string, reference: string): number {
  return chrF(candidate, reference)
}
