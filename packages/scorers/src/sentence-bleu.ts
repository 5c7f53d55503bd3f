// MBR utility: sentence-level BLEU as computed by sacrebleu (13a tokenisation, effective order,
// smoothing methods of Chen & Cherry 2014), scaled to [0, 1].
import { InvalidArgumentError } from '@metagen/core'

/** Smoothing of zero n-gram precisions (sacrebleu's names). */
export type BleuSmoothing = 'exp' | 'floor' | 'add-k' | 'none'

/** Options of {@link sentenceBleu}. */
export interface SentenceBleuOptions {
  /** Smoothing (default `exp`, sacrebleu's default for sentence BLEU). */
  smoothing?: BleuSmoothing
  /** Value for `floor` (default 0.1) and `add-k` (default 1). */
  smoothValue?: number
  /** Tokeniser: `13a` (default, mteval-v13a as in sacrebleu) or `none` (split on whitespace). */
  tokenize?: '13a' | 'none'
  /** Lower-case both sides first (default false). */
  lowercase?: boolean
  /** Highest n-gram order, an integer >= 1 (default 4). */
  maxOrder?: number
  /** Average only over orders that the hypothesis has n-grams of (default true, as sacrebleu's sentence_bleu). */
  effectiveOrder?: boolean
}

/** The mteval-v13a tokenisation of sacrebleu (`tokenize='13a'`). */
export function tokenize13a(line: string): string[] {
  let text = line
    .replaceAll('<skipped>', '')
    .replaceAll('-\n', '')
    .replaceAll('\n', ' ')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
  text = ` ${text} `
  text = text.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ')
  text = text.replace(/([^0-9])([.,])/g, '$1 $2 ')
  text = text.replace(/([.,])([^0-9])/g, ' $1 $2')
  text = text.replace(/([0-9])(-)/g, '$1 $2 ')
  return text.split(/\s+/).filter((token) => token.length > 0)
}

function countNgrams(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (let order = 1; order <= maxOrder; order++) {
    for (let start = 0; start + order <= tokens.length; start++) {
      const key = `${order}\u0000${tokens.slice(start, start + order).join('\u0001')}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  return counts
}

/**
 * Sentence BLEU of `hypothesis` against one or more references, in [0, 1] (sacrebleu's score /
 * 100). With several references, n-gram counts are clipped by the maximum count over the
 * references and the brevity penalty uses the closest reference length (the shorter on ties).
 * Zero when no unigram matches.
 */
export function sentenceBleu(
  hypothesis: string,
  references: string | readonly string[],
  options: SentenceBleuOptions = {},
): number {
  const referenceList = typeof references === 'string' ? [references] : references
  if (!Array.isArray(referenceList) || referenceList.length === 0) {
    throw new InvalidArgumentError({
      argument: 'references',
      expected: 'a reference string or a non-empty array of them',
      received: references,
    })
  }
  const smoothing = options.smoothing ?? 'exp'
  if (!['exp', 'floor', 'add-k', 'none'].includes(smoothing)) {
    throw new InvalidArgumentError({
      argument: 'smoothing',
      expected: "'exp', 'floor', 'add-k' or 'none'",
      received: smoothing,
    })
  }
  const smoothValue = options.smoothValue ?? (smoothing === 'floor' ? 0.1 : 1)
  const maxOrder = options.maxOrder ?? 4
  if (!Number.isInteger(maxOrder) || maxOrder < 1) {
    throw new InvalidArgumentError({
      argument: 'maxOrder',
      expected: 'an integer >= 1',
      received: maxOrder,
    })
  }
  const effectiveOrder = options.effectiveOrder ?? true
  const tokenizer =
    (options.tokenize ?? '13a') === '13a'
      ? tokenize13a
      : (line: string) => line.split(/\s+/).filter((token) => token.length > 0)
  const prepare = (text: string) =>
    tokenizer((options.lowercase ? text.toLowerCase() : text).trimEnd())

  const hypothesisTokens = prepare(hypothesis)
  const referenceCounts = new Map<string, number>()
  const referenceLengths: number[] = []
  for (const reference of referenceList) {
    const tokens = prepare(reference)
    referenceLengths.push(tokens.length)
    for (const [key, count] of countNgrams(tokens, maxOrder)) {
      referenceCounts.set(key, Math.max(referenceCounts.get(key) ?? 0, count))
    }
  }
  const hypothesisLength = hypothesisTokens.length
  let referenceLength = -1
  let closest = -1
  for (const length of referenceLengths) {
    const difference = Math.abs(hypothesisLength - length)
    if (
      closest === -1 ||
      difference < closest ||
      (difference === closest && length < referenceLength)
    ) {
      closest = difference
      referenceLength = length
    }
  }
  const correct = new Array<number>(maxOrder).fill(0)
  const total = new Array<number>(maxOrder).fill(0)
  for (const [key, count] of countNgrams(hypothesisTokens, maxOrder)) {
    const order = Number(key.slice(0, key.indexOf('\u0000')))
    total[order - 1] = (total[order - 1] as number) + count
    correct[order - 1] =
      (correct[order - 1] as number) + Math.min(count, referenceCounts.get(key) ?? 0)
  }
  const brevityPenalty =
    hypothesisLength < referenceLength
      ? hypothesisLength > 0
        ? Math.exp(1 - referenceLength / hypothesisLength)
        : 0
      : 1
  if (correct.every((count) => count === 0)) return 0
  const precisions = new Array<number>(maxOrder).fill(0)
  let smoothMteval = 1
  let order = maxOrder
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothing === 'add-k' && n > 1) {
      correct[n - 1] = (correct[n - 1] as number) + smoothValue
      total[n - 1] = (total[n - 1] as number) + smoothValue
    }
    if (total[n - 1] === 0) break
    if (effectiveOrder) order = n
    const matches = correct[n - 1] as number
    const count = total[n - 1] as number
    if (matches === 0) {
      if (smoothing === 'exp') {
        smoothMteval *= 2
        precisions[n - 1] = 100 / (smoothMteval * count)
      } else if (smoothing === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / count
      }
    } else {
      precisions[n - 1] = (100 * matches) / count
    }
  }
  // sacrebleu's my_log: log(0) is -9999999999, which makes the score vanish.
  let logSum = 0
  for (let n = 0; n < order; n++) {
    const precision = precisions[n] as number
    logSum += precision === 0 ? -9_999_999_999 : Math.log(precision)
  }
  return (brevityPenalty * Math.exp(logSum / order)) / 100
}

/** {@link sentenceBleu} with default options as a TextSimilarity (second argument = reference). */
export function bleuSimilarity(candidate: string, reference: string): number {
  return sentenceBleu(candidate, reference)
}
