// Splitting an output into steps, for process scorers (one score per step) and step-level
// search. A step is located by character offsets so that a reward model can read its score at
// the step's closing character.
import { InvalidArgumentError } from '@metagen/core'

/** One step of an output. */
export interface StepSpan {
  /** The step's text, trimmed of surrounding whitespace, delimiter included. */
  text: string
  /** Offset of the step's first character in the output (UTF-16 code units). */
  start: number
  /**
   * Offset just past the step's last character, so `output.slice(start, end) === text` and
   * `end - 1` is the step's closing character (the delimiter, for terminated steps). A reward
   * model reads the step's process score at the token holding that character.
   */
  end: number
}

/** Splits an output into its steps, in order. Must not throw on any string. */
export type StepSplitter = (output: string) => StepSpan[]

/** Options of {@link createStepSplitter}. */
export interface StepSplitterOptions {
  /**
   * What ends a step (default `'\n'`): a non-empty string, or a regular expression (its match
   * is the delimiter; the `g` flag is added). The delimiter belongs to the step it ends.
   */
  delimiter?: string | RegExp
  /**
   * Keep a final segment that no delimiter ends (default false: an unfinished step is not a
   * step yet, which is what step-level search over partial solutions needs).
   */
  keepUnterminated?: boolean
  /** Segments whose trimmed text matches this pattern are not steps (e.g. the final answer sentence). */
  exclude?: RegExp
}

/**
 * A step splitter that cuts the output after each delimiter. Whitespace-only segments are
 * skipped; each step's text is trimmed. Throws {@link InvalidArgumentError} on an empty
 * delimiter or one that can match the empty string.
 */
export function createStepSplitter(options: StepSplitterOptions = {}): StepSplitter {
  const delimiter = options.delimiter ?? '\n'
  let pattern: RegExp
  if (typeof delimiter === 'string') {
    if (delimiter.length === 0) {
      throw new InvalidArgumentError({
        argument: 'delimiter',
        expected: 'a non-empty string or a regular expression',
        received: delimiter,
      })
    }
    pattern = new RegExp(delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g')
  } else if (delimiter instanceof RegExp) {
    if (delimiter.test('')) {
      throw new InvalidArgumentError({
        argument: 'delimiter',
        expected: 'a regular expression that cannot match the empty string',
        received: String(delimiter),
      })
    }
    pattern = new RegExp(
      delimiter.source,
      delimiter.flags.includes('g') ? delimiter.flags : `${delimiter.flags}g`,
    )
  } else {
    throw new InvalidArgumentError({
      argument: 'delimiter',
      expected: 'a non-empty string or a regular expression',
      received: delimiter,
    })
  }
  const keepUnterminated = options.keepUnterminated ?? false
  const exclude = options.exclude
  return (output: string): StepSpan[] => {
    const steps: StepSpan[] = []
    const push = (segmentStart: number, segmentEnd: number) => {
      const segment = output.slice(segmentStart, segmentEnd)
      const text = segment.trim()
      if (text.length === 0) return
      if (exclude && new RegExp(exclude.source, exclude.flags.replace('g', '')).test(text)) return
      const start = segmentStart + segment.indexOf(text)
      steps.push({ text, start, end: start + text.length })
    }
    const matcher = new RegExp(pattern.source, pattern.flags)
    let segmentStart = 0
    for (let match = matcher.exec(output); match !== null; match = matcher.exec(output)) {
      const segmentEnd = match.index + match[0].length
      push(segmentStart, segmentEnd)
      segmentStart = segmentEnd
    }
    if (keepUnterminated && segmentStart < output.length) push(segmentStart, output.length)
    return steps
  }
}

/**
 * The tinymath step splitter: one step per sentence ending in `.` (`4*17=68.`), the final
 * `The answer is N.` sentence excluded, an unfinished trailing sentence dropped. Its closing
 * `.` is where the tinymath verifier was trained to give each step's process score.
 */
export const tinymathStepSplitter: StepSplitter = createStepSplitter({
  delimiter: '.',
  exclude: /^The answer is -?\d+\.$/,
})
