// Tree-of-thoughts depth-first search (Yao et al. 2023): follow the most promising next step
// first, prune states valued below a threshold, backtrack, stop at the first good solution.
import { type Generator, parseOption, type TextInput } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch, type SearchOutput } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import { compareNodes, isComplete, type SearchNode, type SearchSession } from './search-session.js'
import { resolveThreshold } from './tree-of-thoughts-bfs.js'

/** Options of {@link treeOfThoughtsDfs}. */
export interface TreeOfThoughtsDfsOptions extends SearchOptions {
  /** Next steps sampled per visited state (k), an integer >= 1 (default 3). */
  expansions?: number
  /**
   * Value threshold (default 0.5): children valued below it are pruned (not visited), and the
   * search stops at the first complete solution valued at least this much.
   */
  threshold?: number
  /** Maximum number of states expanded, an integer >= 1 (default 32). */
  maxExpansions?: number
}

/**
 * Tree-of-thoughts DFS. A visited state is expanded into k next steps (one proposer call); the
 * children are valued and visited best first (earlier on ties), skipping those below `threshold`.
 * A complete child valued >= `threshold` ends the search; otherwise the search backtracks when a
 * state's children are exhausted, until `maxExpansions` states were expanded. The answer is the
 * best complete solution seen (pruned complete solutions included, as a fallback).
 */
export function treeOfThoughtsDfs(
  options: TreeOfThoughtsDfsOptions,
): Generator<TextInput, SearchOutput> {
  const resolved = resolveSearchOptions(options)
  const expansions = options.expansions ?? 3
  parseOption('expansions', searchOptionSchemas.expansions, expansions)
  const threshold = resolveThreshold(options.threshold, 0.5)
  const maxExpansions = options.maxExpansions ?? 32
  parseOption('maxExpansions', searchOptionSchemas.maxExpansions, maxExpansions)
  return {
    name: 'tot-dfs',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        let expanded = 0
        const visit = async (node: SearchNode): Promise<boolean> => {
          if (expanded >= maxExpansions) return false
          expanded++
          const [children = []] = await session.expand([{ node, count: expansions }])
          session.release(node)
          const ranked = [...children].sort(compareNodes)
          for (const child of ranked) {
            const good = child.score !== undefined && child.score >= threshold
            if (good && isComplete(child)) return true
          }
          try {
            for (const child of ranked) {
              const good = child.score !== undefined && child.score >= threshold
              if (!good || !session.canExpand(child)) continue
              if (await visit(child)) return true
              if (expanded >= maxExpansions) return false
            }
            return false
          } finally {
            for (const child of ranked) session.release(child)
          }
        }
        await visit(session.root)
      }),
  }
}
