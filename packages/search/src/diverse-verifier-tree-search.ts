// Diverse verifier tree search (DVTS, Beeching et al. / search-and-learn): the budget of N
// samples per step is split into N / M independent subtrees, each a greedy step-level search
// that samples M next steps and keeps the best one by the verifier.
import { type Generator, parseOption, type TextInput } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch, type SearchOutput } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import { compareNodes, type SearchSession } from './search-session.js'
import { spread } from './step-beam-search.js'

/** Options of {@link diverseVerifierTreeSearch}. */
export interface DiverseVerifierTreeSearchOptions extends SearchOptions {
  /** Samples per step N, an integer >= 1 (default 16), spread over the subtrees. */
  beams?: number
  /**
   * Beam width M, an integer >= 1 (default 4): N / M subtrees (rounded down, at least 1), each
   * sampling M next steps per round (when M does not divide N, the N samples are spread evenly,
   * the first subtrees taking the remainder).
   */
  beamWidth?: number
}

/**
 * DVTS. N / M subtrees grow independently. Each round, every subtree samples M next steps of
 * its current solution (in the first round M first steps from the root, so even the first step
 * is the verifier's best of M) and moves to the best-scored one (earliest on ties; steps cut by
 * a limit are skipped). A subtree ends when its current solution is complete or no sampled step
 * can go on. All subtrees of a round are one proposer batch. Subtrees never compete with each
 * other, which keeps the final pool diverse; the answer is the best complete solution sampled
 * in any subtree.
 */
export function diverseVerifierTreeSearch(
  options: DiverseVerifierTreeSearchOptions,
): Generator<TextInput, SearchOutput> {
  const resolved = resolveSearchOptions(options)
  const beams = options.beams ?? 16
  parseOption('beams', searchOptionSchemas.beams, beams)
  const beamWidth = options.beamWidth ?? 4
  parseOption('beamWidth', searchOptionSchemas.beamWidth, beamWidth)
  const subtrees = Math.max(1, Math.floor(beams / beamWidth))
  const counts = spread(beams, subtrees)
  return {
    name: 'dvts',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        let active = counts.map((count) => ({ node: session.root, count }))
        while (active.length > 0) {
          const children = await session.expand(active)
          const next: typeof active = []
          children.forEach((siblings, index) => {
            const subtree = active[index] as (typeof active)[number]
            session.release(subtree.node)
            const ranked = siblings
              .filter((node) => node.score !== undefined || session.canExpand(node))
              .sort(compareNodes)
            const best = ranked[0]
            for (const node of siblings) if (node !== best) session.release(node)
            if (best && session.canExpand(best)) next.push({ node: best, count: subtree.count })
          })
          active = next
        }
      }),
  }
}
