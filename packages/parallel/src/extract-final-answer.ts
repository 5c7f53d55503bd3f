// The default answer extractor of the voting generators: finds the final answer in free text
// with a few common conventions, so that votes work on any backend without configuration.

const answerIsPattern = /the (?:final )?answer is[:\s]*\$?\s*(-?[\d,]*\.?\d+|[^\s.,;]+)/gi
const boxedPattern = /\\boxed\{([^{}]*)\}/g
const answerColonPattern = /^\s*(?:final )?answer\s*[:=]\s*(.+?)\s*$/gim
const numberPattern = /-?\d[\d,]*(?:\.\d+)?/g

/**
 * Extracts the final answer of a solution text, trying in order: the LAST `The answer is X`
 * (also `The final answer is X`), the last `\boxed{X}`, the last line `Answer: X`, and finally
 * the last number in the text. Returns undefined when none matches. The result is raw text;
 * votes compare answers after `normaliseAnswer` of @metagen/core.
 *
 * For tinymath outputs (`... The answer is 91.`) this returns `91`, like tinymath's own extractor
 * on well-formed outputs (tinymath takes the FIRST `The answer is`; outputs rarely have two).
 */
export function extractFinalAnswer(text: string): string | undefined {
  const answerIs = lastMatch(answerIsPattern, text)
  if (answerIs !== undefined) return answerIs
  const boxed = lastMatch(boxedPattern, text)
  if (boxed !== undefined) return boxed.trim()
  const colon = lastMatch(answerColonPattern, text)
  if (colon !== undefined) return colon
  const numbers = text.match(numberPattern)
  return numbers ? numbers[numbers.length - 1] : undefined
}

function lastMatch(pattern: RegExp, text: string): string | undefined {
  let result: string | undefined
  for (const match of text.matchAll(pattern)) result = match[1]
  return result
}
