// Programmatic outcome verifier: 1 when the output matches a regular expression, else 0.
import { emptyUsage, InvalidArgumentError, type ScoreRequest, type Scorer } from '@metagen/core'
import { unscorable, validateScoreRequests } from './score-requests.js'

/** Options of {@link createRegexScorer}. */
export interface RegexScorerOptions {
  /** The pattern an acceptable output matches (a `g` or `y` flag is ignored: each test starts fresh). */
  pattern: RegExp
  /** Score outputs that do NOT match as 1 instead (default false). */
  invert?: boolean
  /** Scorer name (default `regex`). */
  name?: string
}

/**
 * A scorer with `value` 1 when `pattern` matches the output (0 otherwise, or the reverse with
 * `invert`). Empty outputs are reported unscorable. Costs no model call.
 */
export function createRegexScorer(options: RegexScorerOptions): Scorer {
  if (!(options?.pattern instanceof RegExp)) {
    throw new InvalidArgumentError({
      argument: 'pattern',
      expected: 'a RegExp',
      received: options?.pattern,
    })
  }
  const pattern = new RegExp(options.pattern.source, options.pattern.flags.replace(/[gy]/g, ''))
  const invert = options.invert ?? false
  return {
    specificationVersion: 'v1',
    name: options.name ?? 'regex',
    kind: { outcome: true, process: false },
    async score(requests: readonly ScoreRequest[]) {
      validateScoreRequests(requests)
      return {
        scores: requests.map((request) =>
          request.output.trim() === ''
            ? unscorable('empty output: nothing to match')
            : { value: pattern.test(request.output) !== invert ? 1 : 0 },
        ),
        usage: emptyUsage(),
      }
    },
  }
}
