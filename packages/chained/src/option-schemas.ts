// The ranges of the chained algorithms' options, declared once as zod schemas: the algorithms
// validate their arguments with them and the strategies (`@metagen/chained/strategies`) expose
// them as spec options, CLI flags and JSON Schema, so the two can never disagree.
import { z } from 'zod'

/** Schemas of the options of the chained algorithms. */
export const chainedOptionSchemas = {
  /** Maximum number of revisions of a refinement loop. */
  maxRounds: z
    .int()
    .min(0)
    .describe('Maximum number of revisions (an integer >= 0); the loop always stops after it.'),
  /** Revisions without a better score before a refinement loop stops. */
  patience: z
    .int()
    .min(1)
    .describe('Stop after this many revisions without a better score (needs scorer).'),
  /** Earlier failed attempts (with feedback) put before the prompt. */
  memory: z
    .int()
    .min(0)
    .describe(
      'Reflexion-style memory: number of earlier failed attempts (with feedback) put before the prompt (>= 0).',
    ),
  /** Step or outcome scores below this value count as wrong. */
  criticThreshold: z
    .number()
    .min(0)
    .max(1)
    .describe('Step or outcome scores below this value in [0, 1] count as wrong.'),
  /** Most tool calls per output. */
  maxToolCalls: z.int().min(0).describe('Most calculator calls per output (an integer >= 0).'),
  /** Rounding of the calculator's integer division. */
  division: z
    .enum(['floor', 'trunc'])
    .describe('Rounding of integer division: floor (as the tinymath data) or trunc.'),
}
