// REBASE (reward-balanced search, Wu et al. 2024): each round, the remaining width (N minus the
// trajectories finished so far) is split across the newest layer by softmax of the scores,
// with the width accounting and the allocation rule of the reference code.
import { type Generator, parseOption, type TextInput } from '@metagen/core'
import { allocateRebaseWidth } from './allocate-rebase-width.js'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch, type SearchOutput } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import {
  type ExpandRequest,
  rankValue,
  type SearchNode,
  type SearchSession,
} from './search-session.js'

/** Options of {@link rewardBalancedSearch}. */
export interface RewardBalancedSearchOptions extends SearchOptions {
  /** Total width N, an integer >= 1 (default 16): the first layer's samples, and the number of finished trajectories at which the search ends. */
  width?: number
  /** Balance temperature T > 0 (default 0.1): allocation is softmax(score / T); small T favours the best nodes. */
  balanceTemperature?: number
}

/**
 * REBASE. The root is expanded into N first steps. After each layer, every finished trajectory
 * of the layer (complete, or cut by a token limit; a merged node counts its `multiplicity`)
 * takes one unit of width for good; the remaining width is split across the layer's
 * unfinished nodes by {@link allocateRebaseWidth} (descending score, each the ceiling of its
 * softmax(score / T) share of what is left) and each node is expanded that many times; nodes
 * that get nothing are pruned. Ends when the remaining width reaches 0, when no node can go
 * on, or at `maxSteps`. The answer is the best complete solution by score.
 */
export function rewardBalancedSearch(
  options: RewardBalancedSearchOptions,
): Generator<TextInput, SearchOutput> {
  const resolved = resolveSearchOptions(options)
  const width = options.width ?? 16
  parseOption('width', searchOptionSchemas.width, width)
  const balanceTemperature = options.balanceTemperature ?? 0.1
  parseOption('balanceTemperature', searchOptionSchemas.balanceTemperature, balanceTemperature)
  return {
    name: 'rebase',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        let remaining = width
        let requests: ExpandRequest[] = [{ node: session.root, count: width }]
        while (requests.length > 0) {
          const children = await session.expand(requests)
          for (const request of requests) session.release(request.node)
          const open: SearchNode[] = []
          for (const node of children.flat()) {
            if (node.state.finished) remaining -= node.multiplicity
            if (session.canExpand(node)) open.push(node)
            else session.release(node)
          }
          if (remaining <= 0 || open.length === 0) break
          const shares = allocateRebaseWidth(open.map(rankValue), remaining, balanceTemperature)
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
