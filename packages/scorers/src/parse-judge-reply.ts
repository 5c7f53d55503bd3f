// Robust parsing of judge replies: a numeric score on a known scale, or a pairwise preference.
// A reply that does not state an unambiguous verdict is reported as unparseable, never guessed.

/** The outcome of parsing a judge reply: a value, or why there is none. */
export type ParsedJudgeReply<T> =
  | { value: T; error?: undefined }
  | { value?: undefined; error: string }

const number = String.raw`([-+]?\d+(?:\.\d+)?)`

/**
 * Reads a score from a judge reply. Accepted forms, by priority (the last occurrence of the
 * highest-priority form wins, since judges state their verdict last):
 * 1. `[[7]]` (MT-bench style);
 * 2. `Score: 7`, `score = 7`, `Rating: 7`, `Grade: 7` (case-insensitive, `**` bold allowed);
 * 3. `7/10` or `7 out of 10` where 10 is `scale.max`;
 * 4. a reply that contains exactly one number.
 * The score must lie in [scale.min, scale.max]; otherwise, or when none of the forms is found,
 * the result holds an `error`.
 */
export function parseJudgeScore(
  reply: string,
  scale: { min: number; max: number },
): ParsedJudgeReply<number> {
  if (typeof reply !== 'string' || reply.trim().length === 0) {
    return { error: 'the judge reply is empty' }
  }
  const text = reply.replace(/\*\*/g, '')
  const patterns = [
    new RegExp(String.raw`\[\[\s*${number}\s*\]\]`, 'g'),
    new RegExp(String.raw`\b(?:score|rating|grade)\s*(?:is|of)?\s*[:=]?\s*${number}`, 'gi'),
    new RegExp(String.raw`${number}\s*(?:/|out of)\s*${escapeNumber(scale.max)}(?!\.?\d)`, 'gi'),
  ]
  let found: number | undefined
  for (const pattern of patterns) {
    const matches = [...text.matchAll(pattern)]
    const last = matches.at(-1)
    if (last) {
      found = Number(last[1])
      break
    }
  }
  if (found === undefined) {
    const numbers = text.match(/[-+]?\d+(?:\.\d+)?/g) ?? []
    if (numbers.length === 1) found = Number(numbers[0])
    else if (numbers.length === 0) return { error: `no score in the judge reply "${clip(reply)}"` }
    else {
      return {
        error: `ambiguous judge reply "${clip(reply)}": ${numbers.length} numbers and no "Score: N"`,
      }
    }
  }
  if (!Number.isFinite(found) || found < scale.min || found > scale.max) {
    return {
      error: `the judge's score ${found} is outside [${scale.min}, ${scale.max}] in "${clip(reply)}"`,
    }
  }
  return { value: found }
}

/** A pairwise verdict: the first output is better, the second is, or they are equally good. */
export type PairwisePreference = 'first' | 'second' | 'tie'

/**
 * Reads a pairwise verdict from a judge reply. Accepted forms, by priority (the last occurrence
 * within a form wins): `[[A]]` / `[[B]]` / `[[C]]` or `[[tie]]` (MT-bench style);
 * `Winner: A`, `Preferred: B`, `Better: A`, `Verdict: tie`, `Answer: B`; a reply that is just
 * `A`, `B` or `tie`. Anything else is unparseable.
 */
export function parsePairwisePreference(reply: string): ParsedJudgeReply<PairwisePreference> {
  if (typeof reply !== 'string' || reply.trim().length === 0) {
    return { error: 'the judge reply is empty' }
  }
  const text = reply.replace(/\*\*/g, '')
  const patterns = [
    /\[\[\s*(A|B|C|tie)\s*\]\]/gi,
    /\b(?:winner|preferred|preference|better|verdict|choice)\s*(?:is)?\s*[:=]?\s*(?:output|response|answer)?\s*\(?\b(A|B|tie)\b\)?/gi,
    /^\s*\(?(A|B|tie)\)?[.!]?\s*$/gi,
  ]
  for (const pattern of patterns) {
    const last = [...text.matchAll(pattern)].at(-1)
    if (last) {
      const verdict = (last[1] as string).toLowerCase()
      return { value: verdict === 'a' ? 'first' : verdict === 'b' ? 'second' : 'tie' }
    }
  }
  return { error: `no verdict ([[A]], [[B]] or [[C]]) in the judge reply "${clip(reply)}"` }
}

function escapeNumber(value: number): string {
  return String(value).replace('.', '\\.')
}

function clip(text: string, length = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > length ? `${flat.slice(0, length - 3)}...` : flat
}
