// Refinement with external feedback: a scorer or verifier (e.g. a step checker) names the first
// wrong step and the model continues from the last correct one, with a round limit and
// optional Reflexion-style memory of failed attempts.
import {
  compact,
  type Generator,
  InvalidArgumentError,
  type LanguageModel,
  languageModelGenerator,
  type RequestOptions,
  type Scorer,
  type TextInput,
  type TextOutput,
} from '@metagen/core'
import { type RefineOutput, refine } from './refine.js'
import { continuationRevision } from './revisions.js'
import { scorerCritic } from './scorer-critic.js'

/** Options of {@link refineWithVerifier}. */
export interface RefineWithVerifierOptions {
  /** The model that writes the attempts and continues from correct prefixes. */
  model: LanguageModel
  /** The verifier: a process scorer (steps) or an outcome scorer. */
  scorer: Scorer
  /** Step/outcome scores below this are wrong, in [0, 1] (default 0.5). */
  threshold?: number
  /** Maximum revisions, an integer >= 0 (default 4). */
  maxRounds?: number
  /** Request fields of the initial attempt (e.g. temperature 0 for greedy). */
  request?: RequestOptions
  /**
   * Request fields of the revisions, over `request` (default `{ temperature: 1 }`: a greedy
   * continuation of the same prefix would repeat the same wrong step).
   */
  reviseRequest?: RequestOptions
  /** Reflexion-style memory: the last `memory` failed attempts are prepended (default 0). */
  memory?: number
  /** Produces the initial attempt (default: one call of `model` with `request`). */
  generator?: Generator<TextInput, TextOutput>
  /**
   * Writes each revision from the prompt + correct prefix (default: one call of `model` with
   * `reviseRequest`), e.g. a tool-using generator so revisions keep the calculator.
   */
  reviser?: Generator<TextInput, TextOutput>
  /** Stop after this many revisions without a better score (integer >= 1). Default: none. */
  patience?: number
  /** Output: `best` scored attempt (default; ties to the later one) or `last`. */
  select?: 'best' | 'last'
  /** Sets `answer` on every attempt. */
  extractAnswer?: (text: string) => string | undefined
  /** Name in traces (default `refine-with-verifier`). */
  name?: string
}

/**
 * Generate, verify, and while the verifier rejects: keep the steps before the first wrong one
 * and let the model continue from there (prompt + correct steps), at most `maxRounds` times.
 */
export function refineWithVerifier(
  options: RefineWithVerifierOptions,
): Generator<TextInput, RefineOutput> {
  if (!options || typeof options.model?.generate !== 'function') {
    throw new InvalidArgumentError({
      argument: 'options.model',
      expected: 'a LanguageModel',
      received: options?.model,
    })
  }
  const { model, request = {} } = options
  const reviseRequest: RequestOptions = {
    ...request,
    ...(options.reviseRequest ?? { temperature: 1 }),
  }
  return refine({
    name: options.name ?? 'refine-with-verifier',
    generator: options.generator ?? languageModelGenerator({ model, request }),
    critic: scorerCritic({
      scorer: options.scorer,
      ...compact({ threshold: options.threshold }),
    }),
    reviser:
      options.reviser ??
      languageModelGenerator({ model, request: reviseRequest, name: 'continue' }),
    revise: continuationRevision({ memory: options.memory ?? 0 }),
    maxRounds: options.maxRounds ?? 4,
    select: options.select ?? 'best',
    ...compact({ patience: options.patience, extractAnswer: options.extractAnswer }),
  })
}
