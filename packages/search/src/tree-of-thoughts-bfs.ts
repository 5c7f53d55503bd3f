// Tree-of-thoughts breadth-first search (Yao et al. 2023): expand every state of the frontier,
// value the new states, prune those below a threshold and keep the best `breadth`.
import { type Generator, parseOption, type TextInput } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch, type SearchOutput } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import { compareNodes, type SearchNode, type SearchSession } from './search-session.js'
import { selectTop } from './select-top.js'

/** Options of {@link treeOfThoughtsBfs}. */
export interface TreeOfThoughtsBfsOptions extends SearchOptions {
  /** States kept per depth (b), an integer >= 1 (default 4). */
  breadth?: number
  /** Next steps sampled per frontier state (k), an integer >= 1 (default 4). */
  expansions?: number
  /**
   * Pruning threshold of the value function: a partial state scoring below it (or unscored) is
   * dropped even when the frontier has room. Default -Infinity (no pruning beyond `breadth`).
   */
  threshold?: number
}

/**
 * Tree-of-thoughts BFS. Depth by depth: every frontier state is expanded into k next steps (one
 * proposer batch per depth), the scorer values them, complete solutions go to the pool, and the
 * frontier becomes the best `breadth` unfinished states whose value is at least `threshold`
 * (identical texts once; higher value first, earlier on ties). Ends when the frontier is empty or
 * at `maxSteps`; the answer is the best complete solution.
 */
export function treeOfThoughtsBfs(
  options: TreeOfThoughtsBfsOptions,
): Generator<TextInput, SearchOutput> {
  const resolved = resolveSearchOptions(options)
  const breadth = options.breadth ?? 4
  parseOption('breadth', searchOptionSchemas.breadth, breadth)
  const expansions = options.expansions ?? 4
  parseOption('expansions', searchOptionSchemas.expansions, expansions)
  const threshold = resolveThreshold(options.threshold, Number.NEGATIVE_INFINITY)
  return {
    name: 'tot-bfs',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        let frontier: SearchNode[] = [session.root]
        while (frontier.length > 0) {
          const children = await session.expand(
            frontier.map((node) => ({ node, count: expansions })),
          )
          for (const node of frontier) session.release(node)
          const candidates = children
            .flat()
            .filter(
              (node) =>
                session.canExpand(node) && node.score !== undefined && node.score >= threshold,
            )
            .sort(compareNodes)
          frontier = selectTop(candidates, breadth, true)
          const kept = new Set(frontier)
          for (const node of children.flat()) if (!kept.has(node)) session.release(node)
        }
      }),
  }
}

/** Validates a pruning threshold (a number, -Infinity allowed, NaN not). */
export function resolveThreshold(threshold: number | undefined, fallback: number): number {
  if (threshold === undefined) return fallback
  parseOption('threshold', searchOptionSchemas.threshold, threshold)
  return threshold
}
