// Programmatic outcome verifier: extracts the final answer of an output and compares it with a
// reference answer for the prompt (an oracle when the references are gold answers).
import {
  emptyUsage,
  InvalidArgumentError,
  normaliseAnswer,
  type Score,
  type ScoreRequest,
  type Scorer,
} from '@metagen/core'
import { errorMessage, unscorable, validateScoreRequests } from './score-requests.js'

/** Reference answers: a map from prompt to answer, or a function of the prompt. */
export type ReferenceAnswers =
  | ReadonlyMap<string, string | number>
  | ((prompt: string) => string | number | undefined)

/** Options of {@link createExactAnswerScorer}. */
export interface ExactAnswerScorerOptions {
  /** The final answer of an output, or undefined when it has none (e.g. tinymath's `extractAnswer`). */
  extractAnswer: (output: string) => string | undefined
  /** The expected answer of each prompt. */
  references: ReferenceAnswers
  /** Canonical form for comparison (default `normaliseAnswer` of @metagen/core). */
  normalise?: (answer: string) => string
  /** Scorer name (default `exact-answer`). */
  name?: string
}

/**
 * A scorer with `value` 1 when the output's extracted answer equals the prompt's reference
 * (after normalisation), 0 when it differs or the output states no answer. A prompt without a
 * reference is reported unscorable. Costs no model call.
 */
export function createExactAnswerScorer(options: ExactAnswerScorerOptions): Scorer {
  if (typeof options?.extractAnswer !== 'function') {
    throw new InvalidArgumentError({
      argument: 'extractAnswer',
      expected: 'a function (output) => string | undefined',
      received: options?.extractAnswer,
    })
  }
  const references = options.references
  const lookup =
    typeof references === 'function'
      ? references
      : references instanceof Map
        ? (prompt: string) => references.get(prompt)
        : undefined
  if (!lookup) {
    throw new InvalidArgumentError({
      argument: 'references',
      expected: 'a Map from prompt to answer or a function (prompt) => answer',
      received: references,
    })
  }
  const normalise = options.normalise ?? normaliseAnswer
  const extract = options.extractAnswer
  return {
    specificationVersion: 'v1',
    name: options.name ?? 'exact-answer',
    kind: { outcome: true, process: false },
    async score(requests: readonly ScoreRequest[]) {
      validateScoreRequests(requests)
      const scores = requests.map((request): Score => {
        try {
          const reference = lookup(request.prompt)
          if (reference === undefined) return unscorable('no reference answer for this prompt')
          if (request.output.trim() === '') return unscorable('empty output: no answer to compare')
          const answer = extract(request.output)
          if (answer === undefined) return { value: 0 }
          return { value: normalise(answer) === normalise(String(reference)) ? 1 : 0 }
        } catch (error) {
          return unscorable(`answer comparison failed: ${errorMessage(error)}`)
        }
      })
      return { scores, usage: emptyUsage() }
    },
  }
}
