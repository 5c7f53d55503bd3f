// Shared plumbing of the parallel generators: scoring candidates through the context, and the
// generator result built from a chosen candidate.
import {
  addUsage,
  BudgetExhaustedError,
  type Candidate,
  callScorer,
  emptyUsage,
  type GeneratorResult,
  MetagenError,
  questionText,
  type RunContext,
  type Scorer,
  type TextInput,
  type TextOutput,
  type Usage,
} from '@metagen/core'
import type { CandidateSampler, SampledCandidate } from './candidate-sampler.js'

/**
 * Scores the candidates that did not fail, in ONE scorer call through `callScorer` (budget and
 * trace), and writes each score into its candidate (`score` left undefined where the scorer gave
 * none). Returns the scorer's usage.
 */
export async function scoreCandidates(
  context: RunContext,
  scorer: Scorer,
  input: TextInput,
  candidates: readonly SampledCandidate[],
): Promise<Usage> {
  const valid = candidates.filter((candidate) => candidate.error === undefined)
  if (valid.length === 0) return emptyUsage()
  const prompt = questionText(input)
  const result = await callScorer(
    context,
    scorer,
    valid.map((candidate) => ({ prompt, output: candidate.text })),
  )
  valid.forEach((candidate, position) => {
    const value = result.scores[position]?.value
    if (value === undefined || Number.isNaN(value)) delete candidate.score
    else candidate.score = value
  })
  return result.usage
}

/** The public form of sampled candidates (draw order, without internal fields). */
export function publicCandidates(candidates: readonly SampledCandidate[]): Candidate[] {
  return candidates.map(({ index: _index, key: _key, ...candidate }) => candidate)
}

/**
 * Builds the result of a generator that chose `candidates[index]`. Throws when there is nothing
 * to return: {@link BudgetExhaustedError} when the budget ran out before any sample, a
 * {@link MetagenError} naming the first failure when every sample failed.
 */
export function buildSelectionResult<TExtra extends object>(options: {
  name: string
  sampler: CandidateSampler
  index: number
  extraUsage?: Usage
  score?: number | undefined
  extra?: TExtra
}): GeneratorResult<TextOutput & TExtra> {
  const { sampler, index } = options
  const chosen = sampler.candidates[index]
  if (chosen === undefined || chosen.error !== undefined) {
    if (sampler.candidates.length === 0 && sampler.stoppedBy === 'budget') {
      throw new BudgetExhaustedError({
        limit: 'budget',
        message: `${options.name}: the budget ran out before the first sample.`,
      })
    }
    const first = sampler.candidates.find((candidate) => candidate.error !== undefined)
    throw new MetagenError(
      `${options.name}: all ${sampler.candidates.length} samples failed; the first error: ${first?.error ?? 'none'}`,
    )
  }
  const output: TextOutput = { text: chosen.text, candidates: publicCandidates(sampler.candidates) }
  if (chosen.answer !== undefined) output.answer = chosen.answer
  const score = options.score ?? chosen.score
  if (score !== undefined) output.score = score
  if (chosen.finishReason !== undefined) output.finishReason = chosen.finishReason
  const result: GeneratorResult<TextOutput & TExtra> = {
    output: { ...output, ...(options.extra as TExtra) },
    usage: addUsage(sampler.usage, options.extraUsage ?? emptyUsage()),
  }
  if (sampler.stoppedBy === 'budget') result.stoppedBy = 'budget'
  return result
}
