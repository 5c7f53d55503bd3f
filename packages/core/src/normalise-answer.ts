// The one answer-comparison rule of metagen: votes (their keys), exact-answer scorers and
// evaluations all compare final answers through normaliseAnswer, so they never disagree on
// whether two answers are the same.

// A number as answers write it: optional sign, optional `$`, digits (thousands separated by
// commas only in well-formed groups of three), optional decimals, optional exponent.
const numberPattern =
  /^[-+]?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?$|^[-+]?\$?\.\d+(?:[eE][-+]?\d+)?$/

/**
 * The canonical form of a final answer; two answers are the same exactly when their canonical
 * forms are equal. The rule, in order:
 * 1. white space is trimmed and every inner run of white space becomes one space;
 * 2. `$` signs around the answer (TeX math, currency) are removed, then trailing `.`, `,`, `;`
 *    (the end of a sentence), then white space again;
 * 3. a number (optional sign, optional `$`, digits with optional well-formed thousands commas
 *    such as `1,234,567`, optional decimals, optional exponent) becomes the shortest decimal of
 *    its value: `007`, `7.0`, `+7`, `7.` and `$7` become `7`; `1,000` and `1e3` become `1000`;
 *    `0.50` becomes `0.5`; `-0` becomes `0` (values beyond double precision compare by
 *    their nearest double). Commas that are not thousands groups (`1,23`) make
 *    the answer text, not a number; so do hexadecimal and other radix forms;
 * 4. any other answer is lower-cased (`Paris` and `paris` are the same; inner spacing is
 *    normalised by step 1, punctuation inside is kept).
 */
export function normaliseAnswer(answer: string): string {
  let key = answer.trim().replace(/\s+/g, ' ')
  key = key.replace(/^\$+|\$+$/g, '').trim()
  key = key.replace(/[.;,]+$/, '').trim()
  if (numberPattern.test(key)) {
    const value = Number(key.replace('$', '').replace(/,/g, ''))
    if (Number.isFinite(value)) return String(value === 0 ? 0 : value)
  }
  return key.toLowerCase()
}

/**
 * True when `answer` and `expected` are the same answer under {@link normaliseAnswer}. A missing
 * answer (null or undefined) or one that is empty after normalisation never matches, not even
 * an empty expected answer. Numbers are compared through their decimal text.
 */
export function answersMatch(
  answer: string | number | null | undefined,
  expected: string | number,
): boolean {
  if (answer === null || answer === undefined) return false
  const key = normaliseAnswer(String(answer))
  return key !== '' && key === normaliseAnswer(String(expected))
}
