// The ranges of the parallel algorithms' options, declared once as zod schemas: the algorithms
// validate their arguments with them and the strategies (`@metagen/parallel/strategies`) expose
// them as spec options, CLI flags and JSON Schema, so the two can never disagree.
import { z } from 'zod'

/** Schemas of the options shared by the parallel algorithms. */
export const parallelOptionSchemas = {
  /** Number of samples N (the maximum for adaptive strategies). */
  n: z.int().min(1).describe('Number of samples (an integer >= 1).'),
  /** Sampling temperature of the sample source's language model. */
  temperature: z
    .number()
    .min(0)
    .describe('Sampling temperature (>= 0) of the language model; ignored when `base` is given.'),
  /** Samples drawn per round (one batched call). */
  roundSize: z.int().min(1).describe('Samples per round (one batched call).'),
  /** Confidence a stopping rule must exceed to stop sampling. */
  stoppingThreshold: z
    .number()
    .min(0)
    .lt(1)
    .describe('Stop when the rule is more confident than this, in [0, 1).'),
  /** Acceptance threshold of rejection sampling on the outcome score. */
  acceptanceThreshold: z.number().describe('Acceptance threshold on the outcome score.'),
}

/** Schemas of the tournament options (`tournament`, `--strategy tournament`). */
export const tournamentOptionSchemas = {
  /** Number of candidates: a tournament needs two. */
  n: z.int().min(2).describe('Number of samples that enter the tournament (an integer >= 2).'),
  /** How the candidates meet. */
  mode: z
    .enum(['knockout', 'round-robin'])
    .describe(
      'knockout: single-elimination bracket, n - 1 matches; round-robin: every pair once, most wins.',
    ),
}
