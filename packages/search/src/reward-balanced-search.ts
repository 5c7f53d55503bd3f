// REBASE (reward-balanced search, Wu et al. 2024): each round, the expansion budget (width minus
// the solutions completed so far) is split across the frontier by softmax of the nodes' scores.
import { type Generator, parseOption, type TextInput, type TextOutput } from '@metagen/core'
import { allocateBySoftmax } from './allocate-by-softmax.js'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import { rankValue, type SearchNode, type SearchSession } from './search-session.js'

/** Options of {@link rewardBalancedSearch}. */
export interface RewardBalancedSearchOptions extends SearchOptions {
  /** Total width N, an integer >= 1 (default 16): expansions per round, and the number of complete solutions at which the search ends. */
  width?: number
  /** Balance temperature T > 0 (default 0.1): allocation is softmax(score / T); small T favours the best nodes. */
  balanceTemperature?: number
}

/**
 * REBASE. The root is expanded into N first steps. Each round, with C complete solutions found
 * so far, the N - C expansions are allocated across the newest layer's unfinished nodes by
 * softmax(score / T) (largest-remainder rounding, see {@link allocateBySoftmax}); nodes that get
 * no expansion are pruned. Ends when C reaches N, when no node can go on, or at `maxSteps`.
 * The answer is the best complete solution by score.
 */
export function rewardBalancedSearch(
  options: RewardBalancedSearchOptions,
): Generator<TextInput, TextOutput> {
  const resolved = resolveSearchOptions(options)
  const width = options.width ?? 16
  parseOption('width', searchOptionSchemas.width, width)
  const balanceTemperature = options.balanceTemperature ?? 0.1
  parseOption('balanceTemperature', searchOptionSchemas.balanceTemperature, balanceTemperature)
  return {
    name: 'rebase',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        let requests: Array<{ node: SearchNode; count: number }> = [
          { node: session.root, count: width },
        ]
        while (requests.length > 0) {
          const children = await session.expand(requests)
          for (const request of requests) session.release(request.node)
          const layer = children.flat()
          const open = layer.filter((node) => session.canExpand(node))
          for (const node of layer) if (!open.includes(node)) session.release(node)
          const remaining = width - session.completed.length
          if (remaining <= 0 || open.length === 0) break
          const shares = allocateBySoftmax(open.map(rankValue), remaining, balanceTemperature)
          requests = []
          open.forEach((node, index) => {
            const count = shares[index] ?? 0
            if (count > 0) requests.push({ node, count })
            else session.release(node)
          })
        }
      }),
  }
}
