// Step-level beam search with a process scorer: keep the top-B partial solutions, expand each
// with K sampled next steps, score the candidates, repeat until the beam holds only complete
// solutions (search-and-learn's "beam search with a PRM", survey section 4).
import { type Generator, parseOption, type TextInput, type TextOutput } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import { compareNodes, isComplete, type SearchNode, type SearchSession } from './search-session.js'
import { selectTop } from './select-top.js'

/** Options of {@link stepBeamSearch}. */
export interface StepBeamSearchOptions extends SearchOptions {
  /** Partial solutions kept after each step (B), an integer >= 1 (default 4). */
  beamWidth?: number
  /** Next steps sampled per kept solution (K), an integer >= 1 (default 4); the root gets B x K. */
  expansions?: number
  /** Keep at most one of several candidates with identical text (default true). */
  deduplicate?: boolean
}

/**
 * Step-level beam search. The root is expanded into B x K first steps; then, each round, every
 * unfinished solution in the beam is expanded into K next steps (all in one proposer batch), the
 * new candidates are scored (partial ones by the process scorer), and the beam becomes the B best
 * of the new candidates and the complete solutions already in the beam (higher score first,
 * earlier created on ties, identical texts once). Solutions cut by a limit are dropped. The search
 * ends when the beam holds no expandable solution; the answer is the best complete solution found.
 * Generated tokens are at most about B x K x (tokens per step) per round.
 */
export function stepBeamSearch(options: StepBeamSearchOptions): Generator<TextInput, TextOutput> {
  const resolved = resolveSearchOptions(options)
  const beamWidth = options.beamWidth ?? 4
  parseOption('beamWidth', searchOptionSchemas.beamWidth, beamWidth)
  const expansions = options.expansions ?? 4
  parseOption('expansions', searchOptionSchemas.expansions, expansions)
  const deduplicate = options.deduplicate ?? true
  return {
    name: 'step-beam',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        let beam: SearchNode[] = [session.root]
        let first = true
        while (beam.some((node) => session.canExpand(node))) {
          const open = beam.filter((node) => session.canExpand(node))
          const count = first ? beamWidth * expansions : expansions
          first = false
          const children = await session.expand(open.map((node) => ({ node, count })))
          for (const node of open) session.release(node)
          const candidates = [
            ...beam.filter((node) => isComplete(node)),
            ...children.flat().filter((node) => isComplete(node) || session.canExpand(node)),
          ].sort(compareNodes)
          const kept = selectTop(candidates, beamWidth, deduplicate)
          const keptSet = new Set(kept)
          for (const node of candidates) if (!keptSet.has(node)) session.release(node)
          beam = kept
        }
      }),
  }
}
