// Diverse verifier tree search (DVTS, Beeching et al. / search-and-learn): M independent
// subtrees, each a greedy step-level search that keeps the best of K sampled next steps.
import { type Generator, parseOption, type TextInput, type TextOutput } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import { compareNodes, type SearchNode, type SearchSession } from './search-session.js'

/** Options of {@link diverseVerifierTreeSearch}. */
export interface DiverseVerifierTreeSearchOptions extends SearchOptions {
  /** Independent subtrees (M), an integer >= 1 (default 4); each starts from its own sampled first step. */
  subtrees?: number
  /** Next steps sampled per subtree and round (K), an integer >= 1 (default 4). */
  expansions?: number
}

/**
 * DVTS. The root is expanded into M first steps, one per subtree. Each round, every subtree's
 * current unfinished solution is expanded into K next steps (all subtrees in one proposer batch)
 * and the subtree moves to its best-scored new child (earliest on ties; children cut by a limit
 * are skipped). A subtree ends when its current solution is complete or no child can go on.
 * Subtrees never compete with each other, which keeps the final pool diverse; the answer is the
 * best complete solution over all subtrees.
 */
export function diverseVerifierTreeSearch(
  options: DiverseVerifierTreeSearchOptions,
): Generator<TextInput, TextOutput> {
  const resolved = resolveSearchOptions(options)
  const subtrees = options.subtrees ?? 4
  parseOption('subtrees', searchOptionSchemas.subtrees, subtrees)
  const expansions = options.expansions ?? 4
  parseOption('expansions', searchOptionSchemas.expansions, expansions)
  return {
    name: 'dvts',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        const [firstSteps = []] = await session.expand([{ node: session.root, count: subtrees }])
        session.release(session.root)
        let active: SearchNode[] = firstSteps.filter((node) => session.canExpand(node))
        while (active.length > 0) {
          const children = await session.expand(active.map((node) => ({ node, count: expansions })))
          const next: SearchNode[] = []
          children.forEach((siblings, index) => {
            session.release(active[index] as SearchNode)
            const ranked = siblings
              .filter((node) => node.score !== undefined || session.canExpand(node))
              .sort(compareNodes)
            const best = ranked[0]
            for (const node of siblings) if (node !== best) session.release(node)
            if (best && session.canExpand(best)) next.push(best)
          })
          active = next
        }
      }),
  }
}
