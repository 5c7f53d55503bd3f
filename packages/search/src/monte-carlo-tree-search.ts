// Monte Carlo tree search over steps: UCT selection, expansion by K sampled next steps,
// evaluation by the scorer's value estimate or by rollouts to a complete solution, and
// backpropagation, for a fixed number of simulations.
import { type Generator, parseOption, type TextInput } from '@metagen/core'
import { searchOptionSchemas } from './option-schemas.js'
import { runSearch, type SearchOutput } from './run-search.js'
import { resolveSearchOptions, type SearchOptions } from './search-options.js'
import { isComplete, type SearchNode, type SearchSession } from './search-session.js'

/** How MCTS values a newly expanded node. */
export type MctsEvaluation = 'value' | 'rollout'

/** Options of {@link monteCarloTreeSearch}. */
export interface MonteCarloTreeSearchOptions extends SearchOptions {
  /** Simulations (select, expand, evaluate, backpropagate), an integer >= 1 (default 16). */
  simulations?: number
  /** Next steps sampled when a leaf is expanded (K), an integer >= 1 (default 3). */
  expansions?: number
  /** UCT exploration constant c >= 0 (default 1): score = mean value + c sqrt(ln N_parent / N_child). */
  exploration?: number
  /**
   * `value` (default): a new node's value is its score from the scorer (a value estimate).
   * `rollout`: each new node is completed by sampling one step at a time (all of an expansion's
   * rollouts in one batch) and valued by the score of the complete solution (0 when the rollout
   * is cut by a limit). Rollout nodes are traced (data.rollout) but not added to the tree.
   */
  evaluation?: MctsEvaluation
}

/**
 * MCTS. Each simulation descends from the root by UCT (unvisited children first, then
 * mean value + c sqrt(ln N / n); ties to the earlier child) to a leaf. A complete or dead leaf
 * backs up its own value (its score; 0 when unscored or cut by a limit). Otherwise the leaf is
 * expanded into K children, each is evaluated (`value` or `rollout`), and each child's value is
 * backed up along the path (so one expansion adds K visits to its ancestors). Complete
 * solutions met anywhere (tree or rollouts) are kept; the answer is the best of them by score.
 * Final visit counts and mean values are emitted as a `note` named `mcts-visits`.
 */
export function monteCarloTreeSearch(
  options: MonteCarloTreeSearchOptions,
): Generator<TextInput, SearchOutput> {
  const resolved = resolveSearchOptions(options)
  const simulations = options.simulations ?? 16
  parseOption('simulations', searchOptionSchemas.simulations, simulations)
  const expansions = options.expansions ?? 3
  parseOption('expansions', searchOptionSchemas.expansions, expansions)
  const exploration = options.exploration ?? 1
  parseOption('exploration', searchOptionSchemas.exploration, exploration)
  const evaluation = options.evaluation ?? 'value'
  parseOption('evaluation', searchOptionSchemas.evaluation, evaluation)

  const leafValue = (node: SearchNode): number => node.score ?? 0

  const select = (node: SearchNode): SearchNode => {
    let best: SearchNode | undefined
    let bestValue = Number.NEGATIVE_INFINITY
    for (const child of node.children) {
      const value =
        child.visits === 0
          ? Number.POSITIVE_INFINITY
          : child.valueSum / child.visits +
            exploration * Math.sqrt(Math.log(Math.max(1, node.visits)) / child.visits)
      if (best === undefined || value > bestValue) {
        best = child
        bestValue = value
      }
    }
    return best as SearchNode
  }

  const rollout = async (session: SearchSession, starts: SearchNode[]): Promise<number[]> => {
    const values = starts.map((node) => (session.canExpand(node) ? 0 : leafValue(node)))
    let current = starts.map((node, index) => ({ node, index }))
    current = current.filter((entry) => session.canExpand(entry.node))
    while (current.length > 0) {
      const children = await session.expand(
        current.map((entry) => ({ node: entry.node, count: 1 })),
        { attach: false },
      )
      const next: typeof current = []
      children.forEach((siblings, position) => {
        const entry = current[position] as (typeof current)[number]
        if (entry.node !== starts[entry.index]) session.release(entry.node)
        const child = siblings[0]
        if (!child) return
        if (session.canExpand(child)) next.push({ node: child, index: entry.index })
        else {
          values[entry.index] = isComplete(child) ? leafValue(child) : 0
          session.release(child)
        }
      })
      current = next
    }
    return values
  }

  return {
    name: 'mcts',
    run: (input, context) =>
      runSearch(input, context, resolved, async (session: SearchSession) => {
        try {
          for (let simulation = 0; simulation < simulations; simulation++) {
            session.assertBudget()
            const path: SearchNode[] = [session.root]
            let node = session.root
            while (node.children.length > 0) {
              node = select(node)
              path.push(node)
            }
            if (!session.canExpand(node)) {
              const value = isComplete(node) ? leafValue(node) : 0
              for (const visited of path) {
                visited.visits += 1
                visited.valueSum += value
              }
              continue
            }
            const [children = []] = await session.expand([{ node, count: expansions }])
            // An expanded node is never expanded again (selection descends into its children).
            if (children.length > 0) session.release(node)
            const values =
              evaluation === 'rollout'
                ? await rollout(session, children)
                : children.map((child) =>
                    session.canExpand(child) || isComplete(child) ? leafValue(child) : 0,
                  )
            children.forEach((child, index) => {
              const value = values[index] ?? 0
              child.visits += 1
              child.valueSum += value
              for (const visited of path) {
                visited.visits += 1
                visited.valueSum += value
              }
            })
            if (children.length === 0) {
              // The expansion failed: count a zero-valued visit so that UCT moves elsewhere.
              for (const visited of path) visited.visits += 1
              if (node !== session.root) session.release(node)
            }
          }
        } finally {
          session.note('mcts-visits', {
            nodes: session.nodes
              .filter((node) => node.visits > 0)
              .map((node) => ({
                id: node.id,
                visits: node.visits,
                value: node.valueSum / node.visits,
              })),
          })
        }
      }),
  }
}
