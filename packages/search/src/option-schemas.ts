// The ranges of the search algorithms' options, declared once as zod schemas: the algorithms
// validate their arguments with them and the strategies (`@metagen/search/strategies`) expose
// them as spec options, CLI flags and JSON Schema, so the two can never disagree.
import { z } from 'zod'

/** A count of nodes, steps or simulations: an integer >= 1. */
const count = () => z.int().min(1)

/** Schemas of the options of the search algorithms. */
export const searchOptionSchemas = {
  /** Maximum steps of a solution. */
  maxSteps: count().describe(
    'Maximum steps of a solution (an integer >= 1); deeper nodes are not expanded.',
  ),
  /** Next steps sampled per expanded node (K). */
  expansions: count().describe('Next steps sampled per expanded node (K, an integer >= 1).'),
  /** Active beams / samples per step of step-level beam search and DVTS (N). */
  beams: count().describe(
    'Samples per step N (an integer >= 1): the active beams of step beam search, spread over the subtrees of DVTS.',
  ),
  /** Beam width of step-level beam search and DVTS (M). */
  beamWidth: count().describe(
    'Beam width M (an integer >= 1): N/M beams are kept (DVTS: N/M subtrees, rounded down, at least 1), each getting M of the N next steps per round.',
  ),
  /** States kept per depth by tree-of-thoughts BFS (b). */
  breadth: count().describe('States kept per depth (b, an integer >= 1).'),
  /** Maximum states expanded by tree-of-thoughts DFS. */
  maxExpansions: count().describe('Maximum states expanded (an integer >= 1).'),
  /** Value threshold of tree-of-thoughts pruning. */
  threshold: z.number().describe('States valued below this are pruned.'),
  /** MCTS simulations. */
  simulations: count().describe('Simulations (an integer >= 1).'),
  /** UCT exploration constant c. */
  exploration: z.number().min(0).describe('UCT exploration constant c (>= 0).'),
  /** How MCTS values a new node. */
  evaluation: z
    .enum(['value', 'rollout'])
    .describe("'value': a new node's score; 'rollout': the score of a sampled completion."),
  /** REBASE expansions per round (N). */
  width: count().describe(
    'Expansions per round and the number of complete solutions that ends the search (N, an integer >= 1).',
  ),
  /** REBASE softmax temperature of the allocation. */
  balanceTemperature: z
    .number()
    .gt(0)
    .describe('Softmax temperature of the allocation (> 0); small values favour the best nodes.'),
  /** The string that ends a step. */
  delimiter: z
    .string()
    .min(1)
    .describe("The string that ends a step ('.' closes each tinymath step)."),
  /** Maximum tokens of one step. */
  maxStepTokens: count().describe(
    'Maximum tokens of one step (an integer >= 1); a longer step is cut and dropped.',
  ),
  /** Sampling temperature of the steps. */
  temperature: z.number().min(0).describe('Sampling temperature of the steps (>= 0; 0 is greedy).'),
  /** Treefinement refinement rounds (tree depth below the initial samples). */
  refinementRounds: z
    .int()
    .min(0)
    .describe(
      'Rounds of refinement after the initial samples (the tree depth, an integer >= 0); each round refines width programs.',
    ),
  /** Treefinement's acceptance score. */
  acceptScore: z
    .number()
    .min(0)
    .max(1)
    .describe(
      'A program whose score (fraction of tests passed) reaches this value in [0, 1] ends the search.',
    ),
}
